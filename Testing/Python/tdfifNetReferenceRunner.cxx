/*
 * Runs TDFIF-Net (TDFIFFusionFilter with the built-in decoder) on two raw float images for
 * test_tdfif_net_torch.py, and writes the fused image followed by the two texture weights W_0, W_1
 * (float32, x fastest), so that the test can rebuild the decoder's input in PyTorch.
 * Usage: tdfifNetReferenceRunner A.raw B.raw NX NY NZ cpu|emulated OUT.raw   (NZ 1: a 2D image)
 */
#include "itkTDFIFFusionFilter.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace
{
template <unsigned int D>
int
Run(char * argv[])
{
  using ImageType = itk::Image<float, D>;
  typename ImageType::SizeType size;
  for (unsigned d = 0; d < D; ++d)
    size[d] = static_cast<itk::SizeValueType>(std::atol(argv[3 + d]));
  auto filter = itk::TDFIFFusionFilter<ImageType, ImageType>::New();
  filter->SetDecoder(itk::fusion::ConvNetwork::TDFIFDecoder());
  filter->SetBackend(std::string(argv[6]) == "emulated" ? itk::FusionEnums::Backend::EmulatedCUDA
                                                        : itk::FusionEnums::Backend::CPU);
  std::vector<typename ImageType::Pointer> sources;
  for (unsigned k = 0; k < 2; ++k)
  {
    auto image = ImageType::New();
    image->SetRegions(size);
    image->Allocate();
    std::ifstream in(argv[1 + k], std::ios::binary);
    in.read(reinterpret_cast<char *>(image->GetBufferPointer()),
            static_cast<std::streamsize>(image->GetBufferedRegion().GetNumberOfPixels() * sizeof(float)));
    if (!in)
    {
      std::cerr << "cannot read " << argv[1 + k] << "\n";
      return 1;
    }
    filter->SetSource(k, image);
    sources.push_back(image);
  }
  filter->Update();
  std::ofstream out(argv[7], std::ios::binary);
  const auto    count = static_cast<std::streamsize>(filter->GetOutput()->GetBufferedRegion().GetNumberOfPixels());
  out.write(reinterpret_cast<const char *>(filter->GetOutput()->GetBufferPointer()), count * 4);
  for (unsigned k = 0; k < 2; ++k)
    out.write(reinterpret_cast<const char *>(filter->GetWeight(k)->GetBufferPointer()), count * 4);
  return out ? 0 : 1;
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc != 8)
  {
    std::cerr << "usage: " << argv[0] << " A.raw B.raw NX NY NZ cpu|emulated OUT.raw\n";
    return 2;
  }
  try
  {
    return std::atol(argv[5]) == 1 ? Run<2>(argv) : Run<3>(argv);
  }
  catch (const std::exception & e)
  {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
