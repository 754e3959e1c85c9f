/*
 * A test-driver function that does nothing itself: with --compare BASELINE OUTPUT the driver
 * compares two images written by another test (e.g. the mmfusion dwt / idwt round trip).
 */
#include <cstdlib>

int
itkCompareImagesTest(int, char *[])
{
  return EXIT_SUCCESS;
}
