#ifndef itkFusionBackendFilter_h
#define itkFusionBackendFilter_h

#include "itkFusionBackend.h"
#include "itkImageToImageFilter.h"

namespace itk
{
/** \class FusionBackendFilter
 * \brief The backend choice of every filter of the module, modelled on ITK's CudaImageToImageFilter:
 * the base decides, the subclass implements the backends.
 *
 * TParent is the filter's ITK superclass (ImageToImageFilter, or FusionImageFilter for the
 * composites). SetBackend requests a backend (Auto by default; see itkFusionBackend.h, Auto
 * honours FUSION_BACKEND); GenerateData resolves it once per update with ResolveBackend,
 * records it (GetLastUsedBackend) and calls (BackendGenerateData)
 *   CPUGenerateData()     for the CPU: by default TParent::GenerateData, i.e. ITK's threaded
 *                         path (BeforeThreadedGenerateData, DynamicThreadedGenerateData, ...);
 *   KernelGenerateData()  for CUDA and EmulatedCUDA: the subclass runs its kernels through
 *                         RunKernel, which calls the kernel table of the resolved backend.
 * A subclass tells whether its kernels take the current pixel types and settings
 * (KernelSupportsConfiguration). A composite that runs sub-filters passes its request on with
 * ConfigureBackend(sub) and reports what they used with SetLastUsedBackend.
 * \ingroup MultimodalFusion
 */
template <typename TParent>
class ITK_TEMPLATE_EXPORT FusionBackendFilter : public TParent
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(FusionBackendFilter);

  using Self = FusionBackendFilter;
  using Superclass = TParent;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  itkTypeMacro(FusionBackendFilter, TParent);

  using BackendEnum = FusionEnums::Backend;

  /** The requested backend (default Auto). */
  itkSetEnumMacro(Backend, BackendEnum);
  itkGetEnumMacro(Backend, BackendEnum);
  /** The backend that produced the last output: CPU, CUDA or EmulatedCUDA (Auto before the first update). */
  itkGetEnumMacro(LastUsedBackend, BackendEnum);

protected:
  FusionBackendFilter() = default;
  ~FusionBackendFilter() override = default;

  /** Whether the kernels take this filter's pixel types and settings (default: yes). */
  virtual bool
  KernelSupportsConfiguration() const
  {
    return true;
  }

  /** The backend this update runs on (ResolveBackend of the request; throws when it cannot be used). */
  BackendEnum
  ResolveBackend() const
  {
    return fusion::ResolveBackend(m_Backend, this->KernelSupportsConfiguration(), this->GetNameOfClass());
  }

  void
  GenerateData() override
  {
    m_LastUsedBackend = this->ResolveBackend();
    this->BackendGenerateData();
  }

  /** The work on the resolved backend (GetLastUsedBackend()): CPUGenerateData or KernelGenerateData.
   * A filter whose two paths share their preparation and output and differ only in the compute call
   * inside (the DWT filters, ConvFeatureFilter) overrides this one instead of both. */
  virtual void
  BackendGenerateData()
  {
    if (m_LastUsedBackend == BackendEnum::CPU)
      this->CPUGenerateData();
    else
      this->KernelGenerateData();
  }

  /** The CPU path: ITK's threaded pipeline of the parent. */
  virtual void
  CPUGenerateData()
  {
    Superclass::GenerateData();
  }

  /** The kernel path (CUDA or EmulatedCUDA, GetLastUsedBackend()). A composite, whose pipeline of
   * sub-filters is the same for every backend, overrides GenerateData instead. */
  virtual void
  KernelGenerateData()
  {
    itkExceptionMacro(<< "has no kernels of its own");
  }

  /** Runs `kernel` of the resolved backend's kernel table; see fusion::RunKernel. */
  template <typename TArguments>
  void
  RunKernel(const char *       what, int (*::fusionkernels::KernelTable::*kernel)(const TArguments &),
            const TArguments & arguments) const
  {
    fusion::RunKernel(m_LastUsedBackend, what, kernel, arguments);
  }

  /** A composite's sub-filter gets this filter's request. */
  template <typename TFilter>
  void
  ConfigureBackend(TFilter * filter) const
  {
    filter->SetBackend(m_Backend);
  }

  /** The backend this update ran on, for a filter that does not go through GenerateData's choice. */
  void
  SetLastUsedBackend(BackendEnum backend)
  {
    m_LastUsedBackend = backend;
  }
  /** A composite records the backend of each sub-filter after its update (Auto first, to start an
   * update): the last used backend is theirs when they agree, else the kernels' one (where a
   * sub-filter's kernels do not take its settings, Auto runs that one on the CPU). */
  template <typename TFilter>
  void
  RecordBackendOf(const TFilter * filter)
  {
    const BackendEnum used = filter->GetLastUsedBackend();
    if (m_LastUsedBackend == BackendEnum::Auto || m_LastUsedBackend == BackendEnum::CPU)
      m_LastUsedBackend = used;
  }

  void
  PrintSelf(std::ostream & os, Indent indent) const override
  {
    Superclass::PrintSelf(os, indent);
    os << indent << "Backend: " << m_Backend << std::endl;
    os << indent << "LastUsedBackend: " << m_LastUsedBackend << std::endl;
  }

private:
  BackendEnum m_Backend{ BackendEnum::Auto };
  BackendEnum m_LastUsedBackend{ BackendEnum::Auto };
};
} // namespace itk

#endif
