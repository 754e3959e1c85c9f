#ifndef itkUninitialisedAllocator_h
#define itkUninitialisedAllocator_h

#include <memory>
#include <new>
#include <utility>

namespace itk
{
namespace fusion
{
/** An allocator that leaves new values uninitialised, for buffers whose every element is written
 * before it is read (the feature tensors, the metrics' filter buffers): no zeroing pass. */
template <typename T>
struct UninitialisedAllocator : std::allocator<T>
{
  template <typename U>
  struct rebind
  {
    using other = UninitialisedAllocator<U>;
  };
  UninitialisedAllocator() = default;
  template <typename U>
  UninitialisedAllocator(const UninitialisedAllocator<U> &) noexcept
  {}
  template <typename U>
  void
  construct(U * p) noexcept
  {
    ::new (static_cast<void *>(p)) U;
  }
  template <typename U, typename... Args>
  void
  construct(U * p, Args &&... args)
  {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
};
} // namespace fusion
} // namespace itk

#endif
