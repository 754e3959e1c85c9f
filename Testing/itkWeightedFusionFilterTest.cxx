/*
 * ITK test-driver regression test: fuses the 2D head phantom (MRI and PET, activity-weighted)
 * and writes the result, which the driver compares with Testing/Data/Baseline (--compare).
 * Usage: itkWeightedFusionFilterTest OUTPUT BACKEND(cpu|emulated)
 */
#include "itkHeadPhantom.h"
#include "itkImageFileWriter.h"
#include "itkTestingMacros.h"
#include "itkWeightedFusionFilter.h"

int
itkWeightedFusionFilterTest(int argc, char * argv[])
{
  if (argc != 3)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " output backend(cpu|emulated)" << std::endl;
    return EXIT_FAILURE;
  }
  using ImageType = itk::Image<float, 2>;
  using FilterType = itk::WeightedFusionFilter<ImageType>;
  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, WeightedFusionFilter, FusionBackendFilter);

  itk::fusion::HeadPhantomOptions options;
  options.size = 64;
  const auto mri = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI, options);
  const auto pet = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::PET, options);
  filter->SetSource(0, mri);
  filter->SetSource(1, pet);
  filter->SetActivityImage(0, mri);
  filter->SetActivityImage(1, pet);
  ITK_TEST_SET_GET_VALUE(mri.GetPointer(), filter->GetSource(0));
  ITK_TEST_SET_GET_VALUE(pet.GetPointer(), filter->GetActivityImage(1));
  filter->SetEpsilon(1e-3);
  ITK_TEST_SET_GET_VALUE(1e-3, filter->GetEpsilon());
  const auto backend = itk::fusion::BackendFromString(argv[2]);
  filter->SetBackend(backend);
  ITK_TEST_SET_GET_VALUE(backend, filter->GetBackend());

  auto writer = itk::ImageFileWriter<ImageType>::New();
  writer->SetInput(filter->GetOutput());
  writer->SetFileName(argv[1]);
  writer->SetUseCompression(true);
  ITK_TRY_EXPECT_NO_EXCEPTION(writer->Update());
  ITK_TEST_EXPECT_EQUAL(backend, filter->GetLastUsedBackend());
  return EXIT_SUCCESS;
}
