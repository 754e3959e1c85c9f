# FUSION_USE_CUDA: compile the kernels with nvcc too (default ON when nvcc is found).
# The emulated kernels (g++) are always built; the nvcc build is what runs on a GPU and,
# where there is none, the compile-time gate: ptxas warnings about spills, local memory
# and double-precision use are errors.
include(CheckLanguage)
check_language(CUDA)
set(_fusion_cuda_default OFF)
if(CMAKE_CUDA_COMPILER)
  set(_fusion_cuda_default ON)
endif()
option(FUSION_USE_CUDA "Compile the CUDA kernels with nvcc (needs the CUDA toolkit)" ${_fusion_cuda_default})

if(FUSION_USE_CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "FUSION_USE_CUDA is ON but no CUDA compiler (nvcc) was found")
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
    # Turing .. Hopper as machine code, plus PTX of sm_90 for newer GPUs.
    set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90")
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
  set(FUSION_CUDA_OPTIONS
    --Werror=all-warnings
    -Xptxas=-v,-warn-spills,-warn-lmem-usage,-warn-double-usage,-Werror
    -lineinfo)
  message(STATUS "MultimodalFusion: CUDA kernels for ${CMAKE_CUDA_ARCHITECTURES} (nvcc ${CMAKE_CUDA_COMPILER_VERSION})")
else()
  message(STATUS "MultimodalFusion: no nvcc build; kernels run in the CPU emulation only")
endif()
