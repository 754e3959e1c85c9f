/* DWTDecomposeFilter and DWTReconstructFilter: a two-level db2 wavelet transform of a volume
 * (pywt.wavedecn's bands) and its inverse, which gives the volume back. Usage: DWT */
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkHeadPhantom.h"
#include "itkImageRegionConstIterator.h"

#include <algorithm>
#include <cmath>
#include <iostream>

int
main()
{
  using Image = itk::Image<float, 3>;
  itk::fusion::HeadPhantomOptions options;
  options.size = 48;
  const Image::Pointer ct = itk::fusion::MakeHeadPhantom<3>(itk::fusion::PhantomModality::CT, options);

  auto dwt = itk::DWTDecomposeFilter<Image>::New();
  dwt->SetInput(ct);
  dwt->SetWavelet("db2");
  dwt->SetLevels(2);
  dwt->Update();
  std::cout << dwt->GetNumberOfIndexedOutputs() << " bands; the approximation is "
            << dwt->GetOutput(0)->GetLargestPossibleRegion().GetSize() << "\n";

  auto idwt = itk::DWTReconstructFilter<Image>::New();
  idwt->SetWavelet("db2");
  idwt->SetLevels(2);
  idwt->SetReferenceImage(ct); // the grid to reconstruct on
  for (unsigned b = 0; b < dwt->GetNumberOfIndexedOutputs(); ++b)
    idwt->SetInput(b, dwt->GetOutput(b));
  idwt->Update();

  double                               worst = 0, largest = 0;
  itk::ImageRegionConstIterator<Image> a(ct, ct->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<Image> b(idwt->GetOutput(), ct->GetLargestPossibleRegion());
  for (; !a.IsAtEnd(); ++a, ++b)
  {
    worst = std::max(worst, static_cast<double>(std::abs(a.Get() - b.Get())));
    largest = std::max(largest, static_cast<double>(std::abs(a.Get())));
  }
  std::cout << "reconstruction error " << worst << " (of values up to " << largest << ")\n";
  return worst <= 1e-5 * largest ? 0 : 1; // perfect reconstruction up to float rounding
}
