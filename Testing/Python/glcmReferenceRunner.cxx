/*
 * Runs GLCMMeanTextureFilter on a raw 2D float image for test_glcm_skimage.py.
 * Usage: glcmReferenceRunner IN.raw NX NY RADIUS LEVELS SYMMETRIC(0|1) POOLED(0|1) OUT.raw
 * OUT: the 10 features per pixel (mean, variance, contrast, dissimilarity, homogeneity, asm,
 * energy, entropy, correlation, maxprob), pixel by pixel, axis 0 fastest, float32.
 */
#include "itkGLCMMeanTextureFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 9)
  {
    std::cerr << "usage: " << argv[0] << " IN.raw NX NY RADIUS LEVELS SYMMETRIC POOLED OUT.raw\n";
    return 2;
  }
  using ImageType = itk::Image<float, 2>;
  using OutputType = itk::VectorImage<float, 2>;
  using Filter = itk::GLCMMeanTextureFilter<ImageType, OutputType>;
  auto image = ImageType::New();
  image->SetRegions(ImageType::SizeType{
    { static_cast<itk::SizeValueType>(std::atol(argv[2])), static_cast<itk::SizeValueType>(std::atol(argv[3])) } });
  image->Allocate();
  std::ifstream in(argv[1], std::ios::binary);
  for (itk::ImageRegionIterator<ImageType> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    float v;
    in.read(reinterpret_cast<char *>(&v), sizeof v);
    it.Set(v);
  }
  if (!in)
  {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 1;
  }
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetRadius(static_cast<unsigned>(std::atoi(argv[4])));
  filter->SetNumberOfLevels(static_cast<unsigned>(std::atoi(argv[5])));
  filter->SetSymmetric(std::atoi(argv[6]) != 0);
  filter->SetOffsetCombination(std::atoi(argv[7]) ? Filter::OffsetCombination::PooledHistogram
                                                  : Filter::OffsetCombination::AverageFeatures);
  std::vector<Filter::Feature> all;
  for (int q = 0; q < 10; ++q)
    all.push_back(static_cast<Filter::Feature>(q));
  filter->SetFeatures(all);
  filter->Update();
  std::ofstream out(argv[8], std::ios::binary);
  for (itk::ImageRegionConstIterator<OutputType> it(filter->GetOutput(), image->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
    for (unsigned q = 0; q < 10; ++q)
    {
      const float v = it.Get()[q];
      out.write(reinterpret_cast<const char *>(&v), sizeof v);
    }
  return out ? 0 : 1;
}
