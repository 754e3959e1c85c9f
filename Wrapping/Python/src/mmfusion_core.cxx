/*
 * _core: the compiled half of the Python package `mmfusion` (pybind11). Images cross as
 * (array, spacing, origin, direction): a float32 NumPy array in ITK index order (x, y[, z]),
 * Fortran-contiguous, which is ITK's buffer layout, so an input is used in place (never written)
 * and an output hands its ITK buffer to NumPy. The Python layer (mmfusion/__init__.py) checks and
 * converts what users give; this layer checks again what ITK needs. Compute runs without the GIL.
 * Errors: itk::fusion::FusionError of kind InvalidInput and ITK's exceptions -> ValueError, other
 * failures -> RuntimeError, each with its one-line message.
 */
#include "itkConvFeatureFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkFusionColour.h"
#include "itkFusionError.h"
#include "itkFusionFileChecks.h"
#include "itkFusionImageIO.h"
#include "itkFusionMethods.h"
#include "itkFusionMetricsCalculator.h"
#include "itkFusionRegistration.h"
#include "itkGLCMMeanTextureFilter.h"
#include "itkHeadPhantom.h"
#include "itkImportImageContainer.h"
#include "itkCommand.h"

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace py = pybind11;

namespace
{
using FArray = py::array_t<float, py::array::f_style>;
template <unsigned D>
using FloatImage = itk::Image<float, D>;

/** An image as Python sees it: the array and its geometry. */
struct PyImage
{
  FArray              array;
  std::vector<double> spacing, origin, direction; // direction row-major, D x D
};

PyImage
FromTuple(const py::tuple & t)
{
  if (t.size() != 4)
    throw py::value_error("an image is (array, spacing, origin, direction)");
  PyImage image;
  if (!py::isinstance<FArray>(t[0]))
    throw py::value_error("an image's array must be float32 and Fortran-contiguous (mmfusion.Image makes it so)");
  image.array = t[0].cast<FArray>();
  image.spacing = t[1].cast<std::vector<double>>();
  image.origin = t[2].cast<std::vector<double>>();
  image.direction = t[3].cast<std::vector<double>>();
  return image;
}

py::tuple
ToTuple(const PyImage & image)
{
  return py::make_tuple(image.array, image.spacing, image.origin, image.direction);
}

/** The ITK image over the array's buffer (no copy; ITK never writes a filter's input). */
template <unsigned D>
typename FloatImage<D>::Pointer
View(const PyImage & image)
{
  const py::buffer_info info = image.array.request();
  if (info.ndim != static_cast<py::ssize_t>(D))
    throw py::value_error("internal: a " + std::to_string(info.ndim) + "D array as a " + std::to_string(D) + "D image");
  if (image.spacing.size() != D || image.origin.size() != D || image.direction.size() != D * D)
    throw py::value_error("spacing and origin need " + std::to_string(D) + " values and direction " +
                          std::to_string(D * D));
  auto                                  result = FloatImage<D>::New();
  typename FloatImage<D>::SizeType      size;
  typename FloatImage<D>::SpacingType   spacing;
  typename FloatImage<D>::PointType     origin;
  typename FloatImage<D>::DirectionType direction;
  for (unsigned d = 0; d < D; ++d)
  {
    size[d] = static_cast<itk::SizeValueType>(info.shape[d]);
    if (size[d] == 0)
      throw py::value_error("an image has no pixels along axis " + std::to_string(d));
    if (!(image.spacing[d] > 0.0) || !std::isfinite(image.spacing[d]))
      throw py::value_error("spacing must be finite and positive, is " + std::to_string(image.spacing[d]) +
                            " along axis " + std::to_string(d));
    spacing[d] = image.spacing[d];
    origin[d] = image.origin[d];
    for (unsigned e = 0; e < D; ++e)
      direction(d, e) = image.direction[d * D + e];
  }
  if (std::abs(vnl_determinant(direction.GetVnlMatrix().as_ref())) < 1e-6)
    throw py::value_error("the direction matrix is singular");
  result->SetRegions(size);
  result->SetSpacing(spacing);
  result->SetOrigin(origin);
  result->SetDirection(direction);
  const size_t count = result->GetLargestPossibleRegion().GetNumberOfPixels();
  result->GetPixelContainer()->SetImportPointer(const_cast<float *>(image.array.data()), count, false);
  return result;
}

/** The Python image of an ITK image: its buffer becomes the array's (kept alive by the array). */
template <unsigned D>
PyImage
Wrap(typename FloatImage<D>::Pointer image)
{
  PyImage                  out;
  const auto &             region = image->GetBufferedRegion();
  std::vector<py::ssize_t> shape(D), strides(D);
  py::ssize_t              stride = sizeof(float);
  for (unsigned d = 0; d < D; ++d)
  {
    shape[d] = static_cast<py::ssize_t>(region.GetSize(d));
    strides[d] = stride;
    stride *= shape[d];
  }
  auto *      keep = new typename FloatImage<D>::Pointer(image);
  py::capsule owner(keep, [](void * p) { delete static_cast<typename FloatImage<D>::Pointer *>(p); });
  out.array = FArray(shape, strides, image->GetBufferPointer(), owner);
  for (unsigned d = 0; d < D; ++d)
  {
    out.spacing.push_back(image->GetSpacing()[d]);
    out.origin.push_back(image->GetOrigin()[d]);
    for (unsigned e = 0; e < D; ++e)
      out.direction.push_back(image->GetDirection()(d, e));
  }
  return out;
}

unsigned
DimensionOf(const PyImage & image)
{
  const auto n = image.array.ndim();
  if (n != 2 && n != 3)
    throw py::value_error("images are 2D or 3D, this one has " + std::to_string(n) + " axes");
  return static_cast<unsigned>(n);
}

itk::FusionEnums::Backend
BackendOf(const std::string & name)
{
  if (name == "auto")
    return itk::FusionEnums::Backend::Auto;
  if (name == "cpu")
    return itk::FusionEnums::Backend::CPU;
  if (name == "cuda")
    return itk::FusionEnums::Backend::CUDA;
  if (name == "emulated")
    return itk::FusionEnums::Backend::EmulatedCUDA;
  throw py::value_error("unknown backend '" + name + "' (auto, cpu, cuda, emulated)");
}

std::string
BackendName(itk::FusionEnums::Backend backend)
{
  switch (backend)
  {
    case itk::FusionEnums::Backend::CPU:
      return "cpu";
    case itk::FusionEnums::Backend::CUDA:
      return "cuda";
    case itk::FusionEnums::Backend::EmulatedCUDA:
      return "emulated";
    default:
      return "auto";
  }
}

/** Reports a filter's progress to a Python callable (with the GIL); an exception in the callable
 * aborts the update and is raised again afterwards. */
class Progress
{
public:
  Progress(itk::ProcessObject * filter, py::object callback)
    : m_Callback(std::move(callback))
  {
    if (m_Callback.is_none())
      return;
    auto command = itk::SimpleMemberCommand<Progress>::New();
    command->SetCallbackFunction(this, &Progress::Report);
    m_Filter = filter;
    filter->AddObserver(itk::ProgressEvent(), command);
  }
  void
  Report()
  {
    py::gil_scoped_acquire gil;
    if (m_Error)
      return;
    try
    {
      m_Last = static_cast<double>(m_Filter->GetProgress());
      m_Callback(m_Last);
    }
    catch (py::error_already_set & e)
    {
      m_Error.reset(new py::error_already_set(std::move(e)));
      m_Filter->AbortGenerateDataOn();
    }
  }
  void
  RaiseIfFailed()
  {
    if (m_Error)
      throw *m_Error;
  }
  /** After a successful update: the callable sees 1.0 last. */
  void
  Finish()
  {
    if (m_Callback.is_none() || m_Last >= 1.0)
      return;
    m_Callback(1.0);
  }

private:
  py::object                             m_Callback;
  itk::ProcessObject *                   m_Filter = nullptr;
  std::unique_ptr<py::error_already_set> m_Error;
  double                                 m_Last = 0.0;
};

/** Runs a filter's update without the GIL, with progress. */
void
Update(itk::ProcessObject * filter, const py::object & progress)
{
  Progress reporter(filter, progress);
  try
  {
    py::gil_scoped_release release;
    filter->Update();
  }
  catch (const itk::ProcessAborted &)
  {
    reporter.RaiseIfFailed();
    throw;
  }
  reporter.RaiseIfFailed();
  reporter.Finish();
}

template <unsigned D>
py::tuple
FuseD(const std::vector<PyImage> & sources, const std::string & method, const itk::fusion::MethodParameters & params,
      const std::string & backend, const py::object & progress)
{
  using Image = FloatImage<D>;
  auto filter = itk::fusion::FindFusionMethod<Image>(method).New(params);
  filter->SetBackend(BackendOf(backend));
  std::vector<typename Image::Pointer> views;
  for (unsigned k = 0; k < sources.size(); ++k)
  {
    views.push_back(View<D>(sources[k]));
    filter->SetSource(k, views.back());
  }
  Update(filter, progress);
  typename Image::Pointer fused = filter->GetOutput();
  fused->DisconnectPipeline();
  return py::make_tuple(ToTuple(Wrap<D>(fused)), BackendName(filter->GetLastUsedBackend()));
}

py::tuple
Fuse(const std::vector<py::tuple> & sources, const std::string & method,
     const std::map<std::string, std::string> & params, const std::string & backend, const py::object & progress)
{
  std::vector<PyImage> images;
  for (const auto & s : sources)
    images.push_back(FromTuple(s));
  if (images.size() < 2)
    throw py::value_error("fusion needs at least two sources, has " + std::to_string(images.size()));
  const unsigned d = DimensionOf(images[0]);
  for (const auto & image : images)
    if (DimensionOf(image) != d)
      throw py::value_error("the sources mix 2D and 3D images");
  return d == 2 ? FuseD<2>(images, method, params, backend, progress)
                : FuseD<3>(images, method, params, backend, progress);
}

py::list
Methods()
{
  py::list result;
  for (const auto & m : itk::fusion::FusionMethods<FloatImage<2>>())
  {
    py::list parameters;
    for (const auto & p : m.parameters)
    {
      static const char * kinds[] = { "integer", "real", "flag", "choice", "text" };
      py::dict            entry;
      entry["name"] = p.name;
      entry["kind"] = kinds[static_cast<int>(p.kind)];
      entry["default"] = p.defaultValue;
      entry["minimum"] = p.minimum;
      entry["maximum"] = p.maximum;
      entry["choices"] = p.choices;
      entry["description"] = p.description;
      parameters.append(entry);
    }
    py::dict method;
    method["name"] = m.name;
    method["summary"] = m.summary;
    method["parameters"] = parameters;
    result.append(method);
  }
  return result;
}

template <unsigned D>
py::tuple
MetricsD(const std::vector<PyImage> & sources, const PyImage & fused, const std::string & preset, bool fmi,
         const std::vector<double> & range, const std::string & backend)
{
  using Image = FloatImage<D>;
  auto                                 calculator = itk::FusionMetricsCalculator<Image>::New();
  std::vector<typename Image::Pointer> views;
  for (const auto & s : sources)
  {
    views.push_back(View<D>(s));
    calculator->AddSource(views.back());
  }
  auto f = View<D>(fused);
  calculator->SetFusedImage(f);
  calculator->SetPreset(preset);
  calculator->SetComputeFMI(fmi);
  if (range.size() == 2)
    calculator->SetIntensityRange(range[0], range[1]);
  else if (!range.empty())
    throw py::value_error("an intensity range is two numbers, LO < HI");
  calculator->SetBackend(BackendOf(backend));
  {
    py::gil_scoped_release release;
    calculator->Compute();
  }
  py::dict values;
  for (const auto & v : calculator->GetResult().values)
    values[py::str(v.first)] = v.second;
  return py::make_tuple(values, BackendName(calculator->GetLastUsedBackend()));
}

py::tuple
Metrics(const std::vector<py::tuple> & sources, const py::tuple & fused, const std::string & preset, bool fmi,
        const std::vector<double> & range, const std::string & backend)
{
  std::vector<PyImage> images;
  for (const auto & s : sources)
    images.push_back(FromTuple(s));
  const PyImage  f = FromTuple(fused);
  const unsigned d = DimensionOf(f);
  for (const auto & image : images)
    if (DimensionOf(image) != d)
      throw py::value_error("the sources and the fused image mix 2D and 3D");
  return d == 2 ? MetricsD<2>(images, f, preset, fmi, range, backend)
                : MetricsD<3>(images, f, preset, fmi, range, backend);
}

py::tuple
Read(const std::string & path, bool replaceNonFinite)
{
  itk::fusion::ReadOptions options;
  options.replaceNonFinite = replaceNonFinite;
  unsigned d;
  {
    py::gil_scoped_release release;
    d = itk::fusion::ImageDimension(path, options);
  }
  if (d != 2 && d != 3)
    throw py::value_error("'" + path + "' is " + std::to_string(d) + "D; mmfusion reads 2D and 3D images");
  if (d == 2)
  {
    FloatImage<2>::Pointer image;
    {
      py::gil_scoped_release release;
      image = itk::fusion::ReadImage<2>(path, options);
    }
    return ToTuple(Wrap<2>(image));
  }
  FloatImage<3>::Pointer image;
  {
    py::gil_scoped_release release;
    image = itk::fusion::ReadImage<3>(path, options);
  }
  return ToTuple(Wrap<3>(image));
}

py::list
ReadColour(const std::string & path)
{
  py::list       channels;
  const unsigned d = itk::fusion::ImageDimension(path);
  if (d == 2)
    for (auto & c : itk::fusion::ReadColourChannels<2>(path))
      channels.append(ToTuple(Wrap<2>(c)));
  else if (d == 3)
    for (auto & c : itk::fusion::ReadColourChannels<3>(path))
      channels.append(ToTuple(Wrap<3>(c)));
  return channels;
}

template <unsigned D>
typename FloatImage<D>::Pointer
Copy(const PyImage & image)
{
  // The writers keep no reference, but a copy keeps the caller's array out of ITK's pipeline.
  auto view = View<D>(image), copy = FloatImage<D>::New();
  copy->CopyInformation(view);
  copy->SetRegions(view->GetLargestPossibleRegion());
  copy->Allocate();
  std::copy(view->GetBufferPointer(),
            view->GetBufferPointer() + view->GetLargestPossibleRegion().GetNumberOfPixels(),
            copy->GetBufferPointer());
  return copy;
}

void
Write(const py::tuple & image, const std::string & path, const std::string & type)
{
  const PyImage  i = FromTuple(image);
  const unsigned d = DimensionOf(i);
  itk::fusion::CheckOutput(path, d, type);
  py::gil_scoped_release release;
  if (d == 2)
    itk::fusion::WriteImage<2>(Copy<2>(i), path, type);
  else
    itk::fusion::WriteImage<3>(Copy<3>(i), path, type);
}

void
WriteColour(const std::vector<py::tuple> & rgb, const std::string & path)
{
  if (rgb.size() != 3)
    throw py::value_error("a colour image is three channels, R, G, B");
  std::vector<PyImage> c;
  for (const auto & t : rgb)
    c.push_back(FromTuple(t));
  const unsigned d = DimensionOf(c[0]);
  itk::fusion::CheckOutput(path, d, "uchar", true);
  py::gil_scoped_release release;
  if (d == 2)
    itk::fusion::WriteColourImage<2>({ Copy<2>(c[0]), Copy<2>(c[1]), Copy<2>(c[2]) }, path);
  else
    itk::fusion::WriteColourImage<3>({ Copy<3>(c[0]), Copy<3>(c[1]), Copy<3>(c[2]) }, path);
}

py::tuple
Phantom(const std::string & modality, unsigned dimension, unsigned size)
{
  static const std::map<std::string, itk::fusion::PhantomModality> modalities = {
    { "mri", itk::fusion::PhantomModality::MRI },
    { "ct", itk::fusion::PhantomModality::CT },
    { "pet", itk::fusion::PhantomModality::PET }
  };
  const auto m = modalities.find(modality);
  if (m == modalities.end())
    throw py::value_error("unknown phantom modality '" + modality + "' (mri, ct, pet)");
  if (dimension != 2 && dimension != 3)
    throw py::value_error("the phantom is 2D or 3D, not " + std::to_string(dimension) + "D");
  itk::fusion::HeadPhantomOptions options;
  options.size = size;
  if (dimension == 2)
    return ToTuple(Wrap<2>(itk::fusion::MakeHeadPhantom<2>(m->second, options)));
  return ToTuple(Wrap<3>(itk::fusion::MakeHeadPhantom<3>(m->second, options)));
}

/** One image per component of a VectorImage, on its grid. */
template <unsigned D>
py::list
Channels(const itk::VectorImage<float, D> * image)
{
  const size_t n = image->GetLargestPossibleRegion().GetNumberOfPixels(), k = image->GetNumberOfComponentsPerPixel();
  py::list     channels;
  for (size_t c = 0; c < k; ++c)
  {
    auto channel = FloatImage<D>::New();
    channel->CopyInformation(image);
    channel->SetRegions(image->GetLargestPossibleRegion());
    channel->Allocate();
    for (size_t i = 0; i < n; ++i)
      channel->GetBufferPointer()[i] = image->GetBufferPointer()[i * k + c];
    channels.append(ToTuple(Wrap<D>(channel)));
  }
  return channels;
}

template <unsigned D>
py::tuple
TextureD(const PyImage & image, const std::vector<std::string> & features, unsigned radius, unsigned levels,
         bool symmetric, const std::string & backend, const py::object & progress)
{
  using Filter = itk::GLCMMeanTextureFilter<FloatImage<D>, itk::VectorImage<float, D>>;
  auto                                  filter = Filter::New();
  std::vector<typename Filter::Feature> chosen;
  for (const auto & f : features)
    chosen.push_back(Filter::FeatureFromString(f));
  filter->SetFeatures(chosen);
  filter->SetRadius(radius);
  filter->SetNumberOfLevels(levels);
  filter->SetSymmetric(symmetric);
  filter->SetBackend(BackendOf(backend));
  auto view = View<D>(image);
  filter->SetInput(view);
  Update(filter, progress);
  return py::make_tuple(Channels<D>(filter->GetOutput()), BackendName(filter->GetLastUsedBackend()));
}

py::tuple
Texture(const py::tuple & image, const std::vector<std::string> & features, unsigned radius, unsigned levels,
        bool symmetric, const std::string & backend, const py::object & progress)
{
  const PyImage i = FromTuple(image);
  return DimensionOf(i) == 2 ? TextureD<2>(i, features, radius, levels, symmetric, backend, progress)
                             : TextureD<3>(i, features, radius, levels, symmetric, backend, progress);
}

template <unsigned D>
py::tuple
FeaturesD(const PyImage & image, const std::string & model, const std::string & reduce, int sliceAxis,
          const std::string & backend, const py::object & progress)
{
  const auto configure = [&](auto filter) {
    if (!model.empty())
      filter->SetModelFileName(model);
    if (sliceAxis >= 0)
      filter->SetSliceAxis(sliceAxis);
    filter->SetBackend(BackendOf(backend));
  };
  auto view = View<D>(image);
  if (reduce == "none")
  {
    auto filter = itk::ConvFeatureFilter<FloatImage<D>, itk::VectorImage<float, D>>::New();
    configure(filter);
    filter->SetInput(view);
    Update(filter, progress);
    return py::make_tuple(Channels<D>(filter->GetOutput()), BackendName(filter->GetLastUsedBackend()));
  }
  using Filter = itk::ConvFeatureFilter<FloatImage<D>, FloatImage<D>>;
  auto filter = Filter::New();
  configure(filter);
  filter->SetReduction(Filter::ReductionFromString(reduce));
  filter->SetInput(view);
  Update(filter, progress);
  typename FloatImage<D>::Pointer out = filter->GetOutput();
  out->DisconnectPipeline();
  py::list one;
  one.append(ToTuple(Wrap<D>(out)));
  return py::make_tuple(one, BackendName(filter->GetLastUsedBackend()));
}

py::tuple
Features(const py::tuple & image, const std::string & model, const std::string & reduce, int sliceAxis,
         const std::string & backend, const py::object & progress)
{
  const PyImage i = FromTuple(image);
  return DimensionOf(i) == 2 ? FeaturesD<2>(i, model, reduce, sliceAxis, backend, progress)
                             : FeaturesD<3>(i, model, reduce, sliceAxis, backend, progress);
}

template <unsigned D>
py::tuple
DwtD(const PyImage & image, const std::string & wavelet, unsigned levels, const std::string & mode,
     const std::string & backend)
{
  auto filter = itk::DWTDecomposeFilter<FloatImage<D>, FloatImage<D>>::New();
  filter->SetWavelet(wavelet);
  filter->SetLevels(levels);
  filter->SetMode(itk::fusion::WaveletModeFromString(mode));
  filter->SetBackend(BackendOf(backend));
  auto view = View<D>(image);
  filter->SetInput(view);
  Update(filter, py::none());
  py::list bands;
  for (unsigned i = 0; i < filter->GetNumberOfIndexedOutputs(); ++i)
  {
    typename FloatImage<D>::Pointer band = filter->GetOutput(i);
    band->DisconnectPipeline();
    bands.append(py::make_tuple(filter->GetOutputName(i), ToTuple(Wrap<D>(band))));
  }
  return py::make_tuple(bands, BackendName(filter->GetLastUsedBackend()));
}

py::tuple
Dwt(const py::tuple & image, const std::string & wavelet, unsigned levels, const std::string & mode,
    const std::string & backend)
{
  const PyImage i = FromTuple(image);
  return DimensionOf(i) == 2 ? DwtD<2>(i, wavelet, levels, mode, backend) : DwtD<3>(i, wavelet, levels, mode, backend);
}

template <unsigned D>
py::tuple
IdwtD(const std::vector<PyImage> & bands, const std::string & wavelet, unsigned levels, const std::string & mode,
      const py::object & reference, const std::string & backend)
{
  auto filter = itk::DWTReconstructFilter<FloatImage<D>, FloatImage<D>>::New();
  filter->SetWavelet(wavelet);
  filter->SetLevels(levels);
  filter->SetMode(itk::fusion::WaveletModeFromString(mode));
  filter->SetBackend(BackendOf(backend));
  std::vector<typename FloatImage<D>::Pointer> views;
  for (unsigned i = 0; i < bands.size(); ++i)
  {
    views.push_back(View<D>(bands[i]));
    filter->SetInput(i, views.back());
  }
  typename FloatImage<D>::Pointer grid;
  if (!reference.is_none())
  {
    grid = View<D>(FromTuple(reference.cast<py::tuple>()));
    filter->SetReferenceImage(grid);
  }
  Update(filter, py::none());
  typename FloatImage<D>::Pointer out = filter->GetOutput();
  out->DisconnectPipeline();
  return py::make_tuple(ToTuple(Wrap<D>(out)), BackendName(filter->GetLastUsedBackend()));
}

py::tuple
Idwt(const std::vector<py::tuple> & bands, const std::string & wavelet, unsigned levels, const std::string & mode,
     const py::object & reference, const std::string & backend)
{
  std::vector<PyImage> images;
  for (const auto & b : bands)
    images.push_back(FromTuple(b));
  if (images.empty())
    throw py::value_error("no bands to reconstruct from");
  const unsigned d = DimensionOf(images[0]);
  return d == 2 ? IdwtD<2>(images, wavelet, levels, mode, reference, backend)
                : IdwtD<3>(images, wavelet, levels, mode, reference, backend);
}

template <unsigned D>
py::tuple
RegisterD(const PyImage & fixed, const PyImage & moving, const std::string & kind)
{
  auto                            f = View<D>(fixed), m = View<D>(moving);
  typename FloatImage<D>::Pointer resampled;
  {
    py::gil_scoped_release release;
    if (kind == "none")
      resampled = itk::fusion::ResampleOnto<FloatImage<D>, FloatImage<D>>(m, f, nullptr);
    else
    {
      const auto transform = itk::fusion::Register<FloatImage<D>>(
        f, m, kind == "affine" ? itk::fusion::RegistrationKind::Affine : itk::fusion::RegistrationKind::Rigid);
      resampled = itk::fusion::ResampleOnto<FloatImage<D>, FloatImage<D>>(m, f, transform);
    }
  }
  return ToTuple(Wrap<D>(resampled));
}

py::tuple
Register(const py::tuple & fixed, const py::tuple & moving, const std::string & kind)
{
  if (kind != "rigid" && kind != "affine" && kind != "none")
    throw py::value_error("unknown registration '" + kind + "' (rigid, affine, none)");
  const PyImage f = FromTuple(fixed), m = FromTuple(moving);
  if (DimensionOf(f) != DimensionOf(m))
    throw py::value_error("registration of a 2D and a 3D image");
  return DimensionOf(f) == 2 ? RegisterD<2>(f, m, kind) : RegisterD<3>(f, m, kind);
}

itk::fusion::ColourSpace
SpaceOf(const std::string & name)
{
  return itk::fusion::ColourSpaceFromString(name);
}

/** Per pixel of three equal-shaped float arrays, (a, b, c) -> f(a, b, c), three arrays out. */
template <typename F>
py::tuple
PerPixel(const py::array_t<double, py::array::c_style | py::array::forcecast> & a,
         const py::array_t<double, py::array::c_style | py::array::forcecast> & b,
         const py::array_t<double, py::array::c_style | py::array::forcecast> & c, F f)
{
  if (a.size() != b.size() || a.size() != c.size())
    throw py::value_error("the three channels differ in size");
  std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
  py::array_t<double>      x(shape), y(shape), z(shape);
  const double *           pa = a.data(), *pb = b.data(), *pc = c.data();
  double *                 px = x.mutable_data(), *py_ = y.mutable_data(), *pz = z.mutable_data();
  for (py::ssize_t i = 0; i < a.size(); ++i)
  {
    const auto v = f(pa[i], pb[i], pc[i]);
    px[i] = v[0];
    py_[i] = v[1];
    pz[i] = v[2];
  }
  return py::make_tuple(x, y, z);
}
} // namespace

PYBIND11_MODULE(_core, m)
{
  m.doc() = "The compiled core of mmfusion (use the functions of the mmfusion package)";
  // One-line messages: the module's FusionError by its kind, ITK's exceptions by their description.
  py::register_exception_translator([](std::exception_ptr p) {
    try
    {
      if (p)
        std::rethrow_exception(p);
    }
    catch (const itk::fusion::FusionError & e)
    {
      if (e.GetKind() == itk::fusion::FusionError::Kind::InvalidInput)
        PyErr_SetString(PyExc_ValueError, e.what());
      else
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    catch (const itk::ExceptionObject & e)
    {
      PyErr_SetString(PyExc_ValueError, e.GetDescription());
    }
    catch (const itk::fusion::InputFileError & e) // a damaged or unreadable input file
    {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("fuse", &Fuse);
  m.def("methods", &Methods);
  m.def("metrics", &Metrics);
  m.def("metrics_presets", [] { return itk::fusion::FusionMetricsPresets(); });
  m.def("read", &Read);
  m.def("read_colour", &ReadColour);
  m.def("write", &Write);
  m.def("write_colour", &WriteColour);
  m.def("phantom", &Phantom);
  m.def("glcm_texture", &Texture);
  m.def("conv_features", &Features);
  m.def("register", &Register);
  m.def("dwt", &Dwt);
  m.def("idwt", &Idwt);
  m.def("to_luminance_chroma",
        [](py::array_t<double, py::array::c_style | py::array::forcecast> r,
           py::array_t<double, py::array::c_style | py::array::forcecast>
             g,
           py::array_t<double, py::array::c_style | py::array::forcecast>
                               b,
           const std::string & space) {
          const auto s = SpaceOf(space);
          return PerPixel(
            r, g, b, [s](double x, double y, double z) { return itk::fusion::ToLuminanceChroma(x, y, z, s); });
        });
  m.def("from_luminance_chroma",
        [](py::array_t<double, py::array::c_style | py::array::forcecast> l,
           py::array_t<double, py::array::c_style | py::array::forcecast>
             c1,
           py::array_t<double, py::array::c_style | py::array::forcecast>
                               c2,
           const std::string & space) {
          const auto s = SpaceOf(space);
          return PerPixel(
            l, c1, c2, [s](double x, double y, double z) { return itk::fusion::FromLuminanceChroma(x, y, z, s); });
        });
  m.def("cuda_devices", [] { return itk::fusion::CudaDeviceCount(); });
}
