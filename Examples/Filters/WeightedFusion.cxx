/* WeightedFusionFilter: fuse two images with per-pixel activity weights (the ratio rule).
 * Usage: WeightedFusion [OUT.nii.gz] -- without an argument, the result is only summarised. */
#include "itkHeadPhantom.h"
#include "itkImageFileWriter.h"
#include "itkMinimumMaximumImageCalculator.h"
#include "itkWeightedFusionFilter.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  using Image = itk::Image<float, 2>;
  const Image::Pointer mri = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI);
  const Image::Pointer pet = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::PET);

  auto fusion = itk::WeightedFusionFilter<Image>::New();
  fusion->SetSource(0, mri);
  fusion->SetSource(1, pet);
  fusion->SetActivityImage(0, mri); // each source weighs itself
  fusion->SetActivityImage(1, pet);
  fusion->Update();

  auto range = itk::MinimumMaximumImageCalculator<Image>::New();
  range->SetImage(fusion->GetOutput());
  range->Compute();
  std::cout << "fused " << fusion->GetNumberOfSources() << " sources on the "
            << itk::fusion::BackendName(fusion->GetLastUsedBackend()) << " backend: values " << range->GetMinimum()
            << " .. " << range->GetMaximum() << "\n";
  if (argc > 1)
    itk::WriteImage(fusion->GetOutput(), argv[1]);
  return 0;
}
