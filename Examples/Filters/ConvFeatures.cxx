/* ConvFeatureFilter: the channel mean of the built-in TDFIF encoder's 64 feature maps (or, with
 * an argument, of an ONNX network's output). Usage: ConvFeatures [NET.onnx] */
#include "itkConvFeatureFilter.h"
#include "itkHeadPhantom.h"
#include "itkMinimumMaximumImageCalculator.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  using Image = itk::Image<float, 2>;
  itk::fusion::HeadPhantomOptions options;
  options.size = 128;
  const Image::Pointer mri = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI, options);

  auto features = itk::ConvFeatureFilter<Image, Image>::New();
  if (argc > 1)
    features->SetModelFileName(argv[1]);
  features->SetInput(mri);
  features->Update();

  auto range = itk::MinimumMaximumImageCalculator<Image>::New();
  range->SetImage(features->GetOutput());
  range->Compute();
  std::cout << features->GetNetwork()->Name() << ": " << features->GetNetwork()->OutputChannels()
            << " channels, their mean in " << range->GetMinimum() << " .. " << range->GetMaximum() << "\n";
  return 0;
}
