/*
 * wavelet_modes.h -- PyWavelets' signal extension modes, numbered once for the CPU transform
 * (itk::fusion::WaveletMode, itkWaveletFilterBank.h, is this type) and the CUDA kernels
 * (wavelet_rules.h, dwt.cuh, which take the number). Plain C++.
 */
#ifndef wavelet_modes_h
#define wavelet_modes_h

namespace fusionkernels
{
namespace wavelet
{
enum Mode : unsigned char
{
  Zero = 0,
  Constant,
  Symmetric,
  Reflect,
  Periodic,
  Smooth,
  Periodization,
  Antisymmetric,
  Antireflect
};
} // namespace wavelet
} // namespace fusionkernels

#endif
