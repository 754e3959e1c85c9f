# The module manifest: the one place that lists the ITK modules this project uses.
# ITK's own build reads it with itk_module(); the standalone build reads it through
# Modules/CMake/FusionModuleShim.cmake (Debian's ITK 5.2.1 ships no module macros).
set(DOCUMENTATION "Multimodal medical image fusion filters (MRI with CT, PET or SPECT) in 2D and 3D:
weighted fusion, wavelet decomposition, GLCM texture, CNN features and fusion metrics, with CUDA
kernels that also run on the CPU through the project's own emulation.")

itk_module(MultimodalFusion
  DEPENDS
    ITKCommon
    ITKImageFilterBase
    ITKImageGrid
    ITKImageIntensity
    ITKSmoothing
    ITKImageStatistics
    ITKTransform
    ITKRegistrationMethodsv4
    ITKMetricsv4
    ITKOptimizersv4
  PRIVATE_DEPENDS # the command-line program's readers and writers
    ITKIOImageBase
    ITKIONIFTI
    ITKIONRRD
    ITKIOMeta
    ITKIOPNG
    ITKIOJPEG
    ITKIOTIFF
    ITKIOGDCM
  TEST_DEPENDS
    ITKTestKernel
    ITKIONIFTI # the registration test reads the real MNI volumes
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
