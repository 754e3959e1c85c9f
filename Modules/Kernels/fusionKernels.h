/*
 * fusionKernels.h -- the plain C++ interface of the project's CUDA kernels.
 *
 * No CUDA and no ITK types cross this interface: the filters hand over host
 * pointers, sizes and parameters; each function copies to the device, runs its
 * kernel, copies back and returns a status (0 = success, otherwise a
 * cudaError_t value, never an exception).
 *
 * The same kernel source is compiled into two namespaces:
 *   fusionkernels::emu  always: g++ and the CPU emulation (cuda_host_emulation.h);
 *   fusionkernels::gpu  when the build has FUSION_USE_CUDA: nvcc and the real device.
 */
#ifndef fusionKernels_h
#define fusionKernels_h

#include <cstddef>

namespace fusionkernels
{
/* Arguments of the weighted fusion kernel. Every image is `count` floats.
 * At most one weighting: `weights` (used as given), `activities` (normalised
 * ratio rule W_k = (A_k + eps) / (sum_j A_j + n eps)), or neither (equal weights);
 * or, with `maximum` (and neither), the per-pixel maximum of the sources. */
struct WeightedFusionArguments
{
  const float * const * sources = nullptr;    // n images
  const float * const * weights = nullptr;    // n images or nullptr
  const float * const * activities = nullptr; // n images or nullptr
  int                   numberOfSources = 0;
  std::size_t           count = 0;
  float                 epsilon = 0.0f;
  bool                  maximum = false;
  float *               output = nullptr; // count floats
};

/* Arguments of the Laplacian pyramid fusion (pyramid.cuh, pyramid_rules.h): numberOfSources >= 2
 * images of `shape` (axis 0 fastest, unused axes 1), `levels` >= 1 wanted (fewer when an axis would
 * shrink below 2 samples); output: the fused image, not clipped. */
struct PyramidFusionArguments
{
  int                   dimension = 2;
  std::size_t           shape[3] = { 1, 1, 1 };
  const float * const * sources = nullptr;
  int                   numberOfSources = 0;
  int                   levels = 4;
  float *               output = nullptr;
};

/* Arguments of the DWT kernels (dwt.cuh). Up to 3 dimensions, axis 0 varying fastest.
 * Decompose: source = the image (shape), destination = all bands packed: level 1 codes
 * 1 .. 2^D - 1, level 2 ..., then the approximation (code: bit d set for high-pass along d).
 * Reconstruct: source = the packed bands, destination = the image of `shape`.
 * Taps: dec_lo/dec_hi to decompose, rec_lo/rec_hi to reconstruct. Modes: wavelet_rules.h. */
struct DWTArguments
{
  int           dimension = 0;
  std::size_t   shape[3] = { 1, 1, 1 };
  int           filterLength = 0;
  const float * lowTaps = nullptr;
  const float * highTaps = nullptr;
  int           mode = 2;
  int           levels = 1;
  const float * source = nullptr;
  float *       destination = nullptr;
};

/* Arguments of the GLCM kernel (glcm.cuh), up to 3 dimensions (unused axes: size 1, offset 0).
 * levels: the quantised image over the padded region (axis 0 fastest, mirrored at the borders);
 * origin: where the output region starts inside it; radius: the window's half-size per axis; offsets: offsetCount
 * triples (x, y, z); output: 10 floats per output pixel, the features in the order mean, variance, contrast,
 * dissimilarity, homogeneity, asm, energy, entropy, correlation, maxprob.
 * numberOfLevels <= kGLCMMaximumLevels (the counters live in shared memory). */
constexpr int kGLCMMaximumLevels = 16;
struct GLCMArguments
{
  const unsigned char * levels = nullptr;
  int                   padded[3] = { 1, 1, 1 };
  int                   origin[3] = { 0, 0, 0 };
  int                   size[3] = { 1, 1, 1 };
  int                   radius[3] = { 1, 1, 0 }; // per axis: 0 along unused axes
  const int *           offsets = nullptr;
  int                   offsetCount = 0;
  int                   numberOfLevels = 8;
  bool                  symmetric = true;
  bool                  pooled = false;
  float *               output = nullptr;
};

/* A feature network (conv_network.cuh): layers over values (tensors channels x z x y x x);
 * value 0 is the input. Convolution weights [out][in / groups][kz][ky][kx] with one bias per
 * output channel; scale-shift (batch normalisation folded): weights = per-channel scale, bias =
 * shift. `output`: the value outputValue (reduce 0) or its channel mean (1), L1 norm (2) or
 * maximum (3), one float per sample. */
enum NetworkOp
{
  NetConv = 0,
  NetMaxPool = 1,
  NetAveragePool = 2,
  NetScaleShift = 3,
  NetRelu = 4,
  NetAdd = 5,
  NetConcat = 6,
  NetIdentity = 7
};
constexpr int kNetworkMaximumInputs = 16;
struct NetworkLayer
{
  int           op = NetIdentity;
  int           inputs[kNetworkMaximumInputs] = {};
  int           inputCount = 1;
  int           output = 0;
  int           kernel[3] = { 1, 1, 1 }, stride[3] = { 1, 1, 1 }, padLow[3] = { 0, 0, 0 }, padHigh[3] = { 0, 0, 0 };
  int           dilation[3] = { 1, 1, 1 };
  int           groups = 1;
  int           relu = 0;
  int           countIncludePad = 0;
  const float * weights = nullptr;
  const float * bias = nullptr;
  int           weightCount = 0;
};
struct NetworkArguments
{
  const NetworkLayer * layers = nullptr;
  int                  layerCount = 0;
  int                  valueCount = 0;
  const int *          valueChannels = nullptr; // per value
  const int *          valueSizes = nullptr;    // x, y, z per value
  const float *        input = nullptr;
  int                  outputValue = 0;
  int                  reduce = 0;
  float *              output = nullptr;
};
/* Local statistics for the fusion metrics (fusion_metrics.cuh), in doubles: `mapCount` maps, map m =
 * images[first[m]] * images[second[m]] (second[m] < 0: images[first[m]] alone), each correlated
 * along every axis with the symmetric window `taps` (odd length) and kept where the window lies inside the
 * image ('valid'). images: imageCount images of `shape` back to back; output: the maps back to
 * back, each (shape[d] - tapCount + 1) along the `dimension` axes. */
constexpr int kMetricsMaximumMaps = 16;
struct LocalMomentsArguments
{
  int            dimension = 2;
  std::size_t    shape[3] = { 1, 1, 1 };
  const double * images = nullptr;
  int            imageCount = 0;
  int            first[kMetricsMaximumMaps] = {};
  int            second[kMetricsMaximumMaps] = {};
  int            mapCount = 0;
  const double * taps = nullptr;
  int            tapCount = 0;
  double *       output = nullptr;
};
/* Qabf and Nabf sums (metrics_rules.h) over every pixel of every z-slice: images = sourceCount
 * sources then the fused image, back to back; sums = Qabf numerator, denominator, Nabf numerator,
 * denominator. */
struct EdgePreservationArguments
{
  std::size_t    shape[3] = { 1, 1, 1 };
  const double * images = nullptr;
  int            sourceCount = 0;
  double *       sums = nullptr;
};
/* 256 x 256 joint histograms of 8-bit bins: bins = imageCount images of `count` samples back to
 * back; pair p counts (bins[pairs[2p]][i], bins[pairs[2p + 1]][i]) into counts[p * 65536 + 256 a + b]. */
struct JointHistogramArguments
{
  const unsigned char * bins = nullptr;
  int                   imageCount = 0;
  std::size_t           count = 0;
  const int *           pairs = nullptr;
  int                   pairCount = 0;
  unsigned int *        counts = nullptr;
};
/* Every kernel of the interface, X(Name, Arguments): each runs its kernel and returns 0 or a
 * cudaError_t value.
 *   WeightedFusion          the weighted fusion kernel (weighted_fusion.cuh)
 *   LaplacianPyramidFusion  max-abs details and averaged coarsest level (pyramid.cuh)
 *   DWTDecompose/Reconstruct the multi-level DWT and its inverse, pywt.wavedecn / waverecn (dwt.cuh)
 *   GLCMFeatures            per-pixel GLCM features (glcm.cuh)
 *   ConvNetworkForward      a feature network, layer by layer (conv_network.cuh)
 *   LocalMoments, EdgePreservation, JointHistograms  the heavy parts of the fusion metrics
 *                           (fusion_metrics.cuh) */
#define FUSION_KERNEL_LIST(X)                                                                                          \
  X(WeightedFusion, WeightedFusionArguments)                                                                           \
  X(LaplacianPyramidFusion, PyramidFusionArguments)                                                                    \
  X(DWTDecompose, DWTArguments)                                                                                        \
  X(DWTReconstruct, DWTArguments)                                                                                      \
  X(GLCMFeatures, GLCMArguments)                                                                                       \
  X(ConvNetworkForward, NetworkArguments)                                                                              \
  X(LocalMoments, LocalMomentsArguments)                                                                               \
  X(EdgePreservation, EdgePreservationArguments)                                                                       \
  X(JointHistograms, JointHistogramArguments)

/* One backend's kernels as a table: a caller picks the backend once (emu::Kernels() or
 * gpu::Kernels()) and calls every kernel through it. */
struct KernelTable
{
  const char * name; // "emulated" or "cuda"
#define FUSION_KERNEL_POINTER(Name, Arguments) int (*Name)(const Arguments &);
  FUSION_KERNEL_LIST(FUSION_KERNEL_POINTER)
#undef FUSION_KERNEL_POINTER
  /* Number of usable devices; 0 (never an error) where no driver or device exists. */
  int (*DeviceCount)();
  /* A readable description of a status returned by this backend, with the detail of the last error. */
  const char * (*ErrorMessage)(int status);
};

#define FUSION_KERNEL_DECLARATION(Name, Arguments) int Name(const Arguments & arguments);
#define FUSION_KERNEL_API                                                                                              \
  FUSION_KERNEL_LIST(FUSION_KERNEL_DECLARATION)                                                                        \
  int          DeviceCount();                                                                                          \
  const char * ErrorMessage(int status);                                                                               \
  /* This namespace's kernels as a table. */                                                                           \
  const KernelTable & Kernels();

namespace emu
{
FUSION_KERNEL_API
}
namespace gpu
{
FUSION_KERNEL_API
}
#undef FUSION_KERNEL_API
#undef FUSION_KERNEL_DECLARATION

/* Defines Kernels() in the namespace whose kernels it lists (kernels_emu.cxx, kernels_gpu.cu,
 * kernels_without_gpu.cxx). */
#define FUSION_KERNEL_ENTRY(Name, Arguments) Name,
#define FUSION_DEFINE_KERNEL_TABLE(label)                                                                              \
  const KernelTable & Kernels()                                                                                        \
  {                                                                                                                    \
    static const KernelTable table{ label, FUSION_KERNEL_LIST(FUSION_KERNEL_ENTRY) DeviceCount, ErrorMessage };        \
    return table;                                                                                                      \
  }
} // namespace fusionkernels

#endif
