/* GLCMMeanTextureFilter: per-pixel GLCM features of an image (here mean and contrast of the MRI
 * phantom in a 5 x 5 window, 8 grey levels). Usage: GLCMMeanTexture [OUT.nii.gz] */
#include "itkGLCMMeanTextureFilter.h"
#include "itkHeadPhantom.h"
#include "itkImageFileWriter.h"
#include "itkVectorImage.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  using Image = itk::Image<float, 2>;
  using Features = itk::VectorImage<float, 2>;
  using Filter = itk::GLCMMeanTextureFilter<Image, Features>;
  const Image::Pointer mri = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI);

  auto texture = Filter::New();
  texture->SetInput(mri);
  texture->SetRadius(2);
  texture->SetNumberOfLevels(8);
  texture->SetFeatures({ Filter::Feature::Mean, Filter::Feature::Contrast });
  texture->Update();

  const auto *     out = texture->GetOutput();
  Image::IndexType centre;
  for (unsigned d = 0; d < 2; ++d)
    centre[d] = static_cast<itk::IndexValueType>(out->GetLargestPossibleRegion().GetSize(d) / 2);
  const auto v = out->GetPixel(centre);
  std::cout << "GLCM mean " << v[0] << ", contrast " << v[1] << " at " << centre << " ("
            << itk::fusion::BackendName(texture->GetLastUsedBackend()) << " backend)\n";
  if (argc > 1)
    itk::WriteImage(out, argv[1]);
  return 0;
}
