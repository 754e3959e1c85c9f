/*
 * Runs DWTDecomposeFilter and DWTReconstructFilter on raw arrays for test_dwt_pywt.py, which
 * compares the results with PyWavelets. One manifest line per case:
 *   ID DIM SIZE0 SIZE1 [SIZE2] TYPE(float|double) WAVELET MODE LEVELS BACKEND(cpu|emulated)
 * Input: FOLDER/ID.raw (the image, axis 0 fastest, TYPE). Output: FOLDER/ID_<level>_<band>.raw for
 * every band (the approximation as <levels>_LL..L) and FOLDER/ID_reconstruction.raw, in TYPE.
 * Usage: dwtReferenceRunner FOLDER MANIFEST
 */
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace
{
template <typename TImage>
void
WriteRaw(const TImage * image, const std::string & path)
{
  std::ofstream out(path, std::ios::binary);
  for (itk::ImageRegionConstIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const auto v = it.Get();
    out.write(reinterpret_cast<const char *>(&v), sizeof(v));
  }
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

template <typename TPixel, unsigned int D>
void
RunCase(const std::string & folder, const std::string & id, const std::vector<size_t> & size,
        const std::string & wavelet, const std::string & mode, unsigned int levels, const std::string & backend)
{
  using ImageType = itk::Image<TPixel, D>;
  auto                         image = ImageType::New();
  typename ImageType::SizeType s;
  for (unsigned int d = 0; d < D; ++d)
    s[d] = size[d];
  image->SetRegions(s);
  image->Allocate();
  std::ifstream in(folder + "/" + id + ".raw", std::ios::binary);
  for (itk::ImageRegionIterator<ImageType> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    TPixel v;
    in.read(reinterpret_cast<char *>(&v), sizeof(v));
    it.Set(v);
  }
  if (!in)
    throw std::runtime_error("cannot read the input of case " + id);
  auto decompose = itk::DWTDecomposeFilter<ImageType, ImageType>::New();
  decompose->SetInput(image);
  decompose->SetWavelet(wavelet);
  decompose->SetMode(itk::fusion::WaveletModeFromString(mode));
  decompose->SetLevels(levels);
  decompose->SetBackend(itk::fusion::BackendFromString(backend));
  decompose->Update();
  for (unsigned int i = 0; i < decompose->GetNumberOfIndexedOutputs(); ++i)
    WriteRaw(decompose->GetOutput(i), folder + "/" + id + "_" + decompose->GetOutputName(i) + ".raw");
  auto reconstruct = itk::DWTReconstructFilter<ImageType, ImageType>::New();
  for (unsigned int i = 0; i < decompose->GetNumberOfIndexedOutputs(); ++i)
    reconstruct->SetInput(i, decompose->GetOutput(i));
  reconstruct->SetWavelet(wavelet);
  reconstruct->SetMode(itk::fusion::WaveletModeFromString(mode));
  reconstruct->SetLevels(levels);
  reconstruct->SetBackend(itk::fusion::BackendFromString(backend));
  reconstruct->SetReferenceImage(image);
  reconstruct->Update();
  WriteRaw(reconstruct->GetOutput(), folder + "/" + id + "_reconstruction.raw");
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc != 3)
  {
    std::cerr << "usage: " << argv[0] << " FOLDER MANIFEST\n";
    return 2;
  }
  itk::Object::GlobalWarningDisplayOff(); // levels beyond dwt_max_level are wanted here, as in PyWavelets
  std::ifstream manifest(argv[2]);
  std::string   line;
  int           cases = 0;
  while (std::getline(manifest, line))
  {
    if (line.empty())
      continue;
    std::istringstream  f(line);
    std::string         id, type, wavelet, mode, backend;
    unsigned int        dim = 0, levels = 0;
    std::vector<size_t> size;
    f >> id >> dim;
    size.resize(dim);
    for (auto & s : size)
      f >> s;
    f >> type >> wavelet >> mode >> levels >> backend;
    try
    {
      if (dim == 2 && type == "float")
        RunCase<float, 2>(argv[1], id, size, wavelet, mode, levels, backend);
      else if (dim == 2 && type == "double")
        RunCase<double, 2>(argv[1], id, size, wavelet, mode, levels, backend);
      else if (dim == 3 && type == "float")
        RunCase<float, 3>(argv[1], id, size, wavelet, mode, levels, backend);
      else if (dim == 3 && type == "double")
        RunCase<double, 3>(argv[1], id, size, wavelet, mode, levels, backend);
      else
        throw std::runtime_error("unsupported case " + line);
    }
    catch (const std::exception & e)
    {
      std::cerr << "case " << id << " (" << line << "): " << e.what() << "\n";
      return 1;
    }
    ++cases;
  }
  std::cout << cases << " cases\n";
  return 0;
}
