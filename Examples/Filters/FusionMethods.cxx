/* The fusion methods of the registry (TDFIFFusionFilter, WaveletFeatureFusionFilter,
 * ClassicalFusionFilter): every method fuses the MRI and PET phantoms, with its defaults or with
 * parameters given by name. Usage: FusionMethods [METHOD [NAME=VALUE ...]] */
#include "itkFusionMethods.h"
#include "itkFusionMetricsCalculator.h"
#include "itkHeadPhantom.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  using Image = itk::Image<float, 2>;
  itk::fusion::HeadPhantomOptions options;
  options.size = 96;
  const Image::Pointer mri = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI, options);
  const Image::Pointer pet = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::PET, options);

  itk::fusion::MethodParameters given; // e.g. weight-power=2
  for (int i = 2; i < argc; ++i)
  {
    const std::string a = argv[i];
    given[a.substr(0, a.find('='))] = a.find('=') == std::string::npos ? "" : a.substr(a.find('=') + 1);
  }
  for (const auto & method : itk::fusion::FusionMethods<Image>())
  {
    if (argc > 1 && method.name != argv[1])
      continue;
    auto fusion = method.New(argc > 1 ? given : itk::fusion::MethodParameters{});
    fusion->SetSource(0, mri);
    fusion->SetSource(1, pet);
    fusion->Update();

    // Its quality: the structural similarity to both sources and the edge preservation.
    auto metrics = itk::FusionMetricsCalculator<Image>::New();
    metrics->AddSource(mri);
    metrics->AddSource(pet);
    metrics->SetFusedImage(fusion->GetOutput());
    metrics->Compute();
    std::cout << method.name << " (" << fusion->GetNameOfClass() << ", "
              << itk::fusion::BackendName(fusion->GetLastUsedBackend()) << "): SSIM " << metrics->GetMetric("SSIM")
              << ", Qabf " << metrics->GetMetric("Qabf") << "\n";
  }
  return 0;
}
