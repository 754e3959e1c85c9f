// The ONNX loader on any bytes: a model it accepts or one error (FusionError) naming the
// fault; a crash, a leak, undefined behaviour or a huge allocation is a finding.
#include "itkConvNetwork.h"

#include <stdexcept>

extern "C" int
LLVMFuzzerTestOneInput(const unsigned char * data, size_t size)
{
  try
  {
    const auto network = itk::fusion::ConvNetwork::FromBytes(data, size, "fuzz.onnx");
    (void)network->OutputChannels();
  }
  catch (const itk::fusion::FusionError &)
  {}
  return 0;
}
