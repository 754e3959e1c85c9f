#include "itkFusionScene.h"
#include "itkFusionColour.h"
#include "itkFusionError.h"

#include "itkFusionRegistration.h" // ResampleOnto

#include <vtkCamera.h>
#include <vtkColorTransferFunction.h>
#include <vtkFixedPointVolumeRayCastMapper.h>
#include <vtkFloatArray.h>
#include <vtkImageActor.h>
#include <vtkImageData.h>
#include <vtkImageMapper3D.h>
#include <vtkPNGWriter.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace itk
{
namespace fusion
{
SceneView
SceneViewFromString(const std::string & name)
{
  if (name == "axial")
    return SceneView::Axial;
  if (name == "coronal")
    return SceneView::Coronal;
  if (name == "sagittal")
    return SceneView::Sagittal;
  if (name == "3d")
    return SceneView::Volume;
  if (name == "all")
    return SceneView::All;
  throw InvalidInput("unknown view '" + name + "' (axial, coronal, sagittal, 3d, all)");
}

namespace
{
/* An RGB picture, rows from the top. */
struct Picture
{
  size_t                     width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

template <unsigned int D>
typename Image<float, D>::Pointer
AxisAligned(const Image<float, D> * image, const Image<float, D> * reference)
{
  // The reference's physical bounding box, at its finest spacing, identity direction.
  using ImageType = Image<float, D>;
  const auto & region = reference->GetLargestPossibleRegion();
  double       lo[D], hi[D], step = std::numeric_limits<double>::max();
  for (unsigned d = 0; d < D; ++d)
  {
    lo[d] = std::numeric_limits<double>::max();
    hi[d] = -lo[d];
    step = std::min(step, reference->GetSpacing()[d]);
  }
  for (unsigned corner = 0; corner < (1u << D); ++corner)
  {
    ContinuousIndex<double, D> index;
    for (unsigned d = 0; d < D; ++d)
      index[d] = static_cast<double>(region.GetIndex(d)) + ((corner >> d & 1) ? region.GetSize(d) - 1.0 : 0.0);
    typename ImageType::PointType p;
    reference->TransformContinuousIndexToPhysicalPoint(index, p);
    for (unsigned d = 0; d < D; ++d)
    {
      lo[d] = std::min(lo[d], p[d]);
      hi[d] = std::max(hi[d], p[d]);
    }
  }
  typename ImageType::SizeType    size;
  typename ImageType::PointType   origin;
  typename ImageType::SpacingType spacing;
  for (unsigned d = 0; d < D; ++d)
  {
    size[d] = static_cast<SizeValueType>(std::floor((hi[d] - lo[d]) / step + 1e-6)) + 1;
    origin[d] = lo[d];
    spacing[d] = step;
  }
  auto grid = ImageType::New(); // the grid only, no buffer
  grid->SetRegions(size);
  grid->SetOrigin(origin);
  grid->SetSpacing(spacing); // identity direction
  return ResampleOnto<ImageType, ImageType>(image, grid, nullptr);
}

double
Percentile(std::vector<float> values, double q)
{
  if (values.empty())
    return 0.0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * static_cast<double>(values.size() - 1)));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

/* The blended colour of one sample. */
struct Blender
{
  double      greyLow, greyHigh, overlayLow, overlayHigh, opacity;
  std::string map;
  void
  operator()(float underlay, float overlay, unsigned char * out) const
  {
    const double g = std::min(1.0, std::max(0.0, (underlay - greyLow) / std::max(1e-12, greyHigh - greyLow)));
    const double v = (overlay - overlayLow) / std::max(1e-12, overlayHigh - overlayLow);
    const double a = v > 0.05 ? opacity : 0.0;
    const auto   c = MapColour(map, v);
    for (unsigned k = 0; k < 3; ++k)
      out[k] = static_cast<unsigned char>(std::lround(255.0 * ((1.0 - a) * g + a * c[k])));
  }
};

/* A slice: `width` x `height` samples; sample (col, row) of the picture is image index at(col, row). */
template <unsigned int D, typename TAt>
Picture
Slice(const Image<float, D> * underlay, const Image<float, D> * overlay, const Blender & blend, size_t width,
      size_t height, TAt at)
{
  Picture p;
  p.width = width;
  p.height = height;
  p.rgb.resize(width * height * 3);
  for (size_t row = 0; row < height; ++row)
    for (size_t col = 0; col < width; ++col)
    {
      const auto index = at(col, row);
      blend(underlay->GetPixel(index), overlay->GetPixel(index), &p.rgb[(row * width + col) * 3]);
    }
  return p;
}

/* A picture as a VTK image actor filling `viewport` of the window with square pixels. */
vtkSmartPointer<vtkRenderer>
PictureRenderer(const Picture & picture, const double viewport[4], unsigned windowWidth, unsigned windowHeight)
{
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(static_cast<int>(picture.width), static_cast<int>(picture.height), 1);
  data->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto * out = static_cast<unsigned char *>(data->GetScalarPointer());
  for (size_t row = 0; row < picture.height; ++row) // VTK's rows go up
    std::copy(picture.rgb.begin() + static_cast<std::ptrdiff_t>(row * picture.width * 3),
              picture.rgb.begin() + static_cast<std::ptrdiff_t>((row + 1) * picture.width * 3),
              out + (picture.height - 1 - row) * picture.width * 3);
  auto actor = vtkSmartPointer<vtkImageActor>::New();
  actor->GetMapper()->SetInputData(data);
  actor->InterpolateOff();
  auto renderer = vtkSmartPointer<vtkRenderer>::New();
  renderer->SetViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  renderer->AddActor(actor);
  auto *       camera = renderer->GetActiveCamera();
  const double cx = (static_cast<double>(picture.width) - 1) / 2, cy = (static_cast<double>(picture.height) - 1) / 2;
  camera->ParallelProjectionOn();
  camera->SetFocalPoint(cx, cy, 0);
  camera->SetPosition(cx, cy, 1000);
  camera->SetViewUp(0, 1, 0);
  const double w = (viewport[2] - viewport[0]) * windowWidth, h = (viewport[3] - viewport[1]) * windowHeight;
  camera->SetParallelScale(std::max(picture.height / 2.0, picture.width / 2.0 * h / w)); // fit, keep aspect
  renderer->ResetCameraClippingRange();
  return renderer;
}

vtkSmartPointer<vtkRenderer>
VolumeRenderer(const Image<float, 3> * overlay, const Blender & blend, const double viewport[4])
{
  const auto & size = overlay->GetLargestPossibleRegion().GetSize();
  auto         data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(static_cast<int>(size[0]), static_cast<int>(size[1]), static_cast<int>(size[2]));
  data->SetSpacing(overlay->GetSpacing()[0], overlay->GetSpacing()[1], overlay->GetSpacing()[2]);
  data->SetOrigin(overlay->GetOrigin()[0], overlay->GetOrigin()[1], overlay->GetOrigin()[2]);
  auto values = vtkSmartPointer<vtkFloatArray>::New();
  values->SetNumberOfTuples(static_cast<vtkIdType>(overlay->GetLargestPossibleRegion().GetNumberOfPixels()));
  std::copy(overlay->GetBufferPointer(),
            overlay->GetBufferPointer() + overlay->GetLargestPossibleRegion().GetNumberOfPixels(),
            values->GetPointer(0));
  data->GetPointData()->SetScalars(values);
  auto colours = vtkSmartPointer<vtkColorTransferFunction>::New();
  auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();
  for (int k = 0; k <= 16; ++k)
  {
    const double v = k / 16.0, x = blend.overlayLow + v * (blend.overlayHigh - blend.overlayLow);
    const auto   c = MapColour(blend.map, v);
    colours->AddRGBPoint(x, c[0], c[1], c[2]);
    opacity->AddPoint(x, v > 0.05 ? 0.6 * blend.opacity * v : 0.0);
  }
  auto property = vtkSmartPointer<vtkVolumeProperty>::New();
  property->SetColor(colours);
  property->SetScalarOpacity(opacity);
  property->SetInterpolationTypeToLinear();
  auto mapper = vtkSmartPointer<vtkFixedPointVolumeRayCastMapper>::New(); // software: works on any GL
  mapper->SetInputData(data);
  auto volume = vtkSmartPointer<vtkVolume>::New();
  volume->SetMapper(mapper);
  volume->SetProperty(property);
  auto renderer = vtkSmartPointer<vtkRenderer>::New();
  renderer->SetViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  renderer->AddVolume(volume);
  renderer->ResetCamera();
  auto * camera = renderer->GetActiveCamera();
  double focal[3];
  camera->GetFocalPoint(focal);
  const double distance = camera->GetDistance();
  camera->SetPosition(focal[0], focal[1] - distance, focal[2]); // from the front (anterior is -y)
  camera->SetViewUp(0, 0, 1);
  renderer->ResetCameraClippingRange();
  return renderer;
}
} // namespace

template <unsigned int D>
void
RenderScene(const Image<float, D> * underlay, const Image<float, D> * overlay, const SceneOptions & options,
            const std::string & png)
{
  if (!underlay || !overlay)
    throw InvalidInput("the scene needs an underlay and an overlay");
  if (!(options.opacity >= 0.0 && options.opacity <= 1.0))
    throw InvalidInput("the opacity lies in [0, 1], not " + std::to_string(options.opacity));
  MapColour(options.colourMap, 0.0); // an unknown map: InvalidInput, before any work
  if (options.width < 16 || options.height < 16 || options.width > 8192 || options.height > 8192)
    throw InvalidInput("the picture's size lies in 16..8192 pixels per side");
  const char * display = std::getenv("DISPLAY");
  if (!display || !*display)
    throw Failure("rendering needs an X display (Debian's VTK draws through X): run under xvfb-run -a "
                  "(apt-get install xvfb)");
  const auto         u = AxisAligned<D>(underlay, underlay), o = AxisAligned<D>(overlay, underlay);
  const size_t       count = u->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<float> us(u->GetBufferPointer(), u->GetBufferPointer() + count);
  Blender            blend;
  blend.greyLow = Percentile(us, 0.01);
  blend.greyHigh = Percentile(us, 0.99);
  const auto range = std::minmax_element(o->GetBufferPointer(), o->GetBufferPointer() + count);
  blend.overlayLow = *range.first;
  blend.overlayHigh = *range.second;
  blend.opacity = options.opacity;
  blend.map = options.colourMap;

  auto window = vtkSmartPointer<vtkRenderWindow>::New();
  window->SetOffScreenRendering(1);
  window->SetSize(static_cast<int>(options.width), static_cast<int>(options.height));
  const auto   size = u->GetLargestPossibleRegion().GetSize();
  const double whole[4] = { 0, 0, 1, 1 };
  using Index = typename Image<float, D>::IndexType;
  if constexpr (D == 2)
  {
    window->AddRenderer(
      PictureRenderer(Slice<2>(u,
                               o,
                               blend,
                               size[0],
                               size[1],
                               [](size_t c, size_t r) {
                                 return Index{ { static_cast<IndexValueType>(c), static_cast<IndexValueType>(r) } };
                               }),
                      whole,
                      options.width,
                      options.height));
  }
  else
  {
    const auto nx = size[0], ny = size[1], nz = size[2];
    // The slices' point: given, or the overlay's brightest voxel.
    Index centre;
    if (options.at.empty())
      centre = o->ComputeIndex(static_cast<OffsetValueType>(range.second - o->GetBufferPointer()));
    else
    {
      if (options.at.size() != 3)
        throw InvalidInput("the slices' point needs 3 coordinates, has " + std::to_string(options.at.size()));
      typename Image<float, 3>::PointType p;
      for (unsigned d = 0; d < 3; ++d)
        p[d] = options.at[d];
      if (!u->TransformPhysicalPointToIndex(p, centre))
        throw InvalidInput("the slices' point lies outside the image");
    }
    const auto i0 = centre[0], j0 = centre[1], k0 = centre[2];
    const auto axial = [&] {
      return Slice<3>(u, o, blend, nx, ny, [&](size_t c, size_t r) {
        return Index{ { static_cast<IndexValueType>(c), static_cast<IndexValueType>(r), k0 } };
      });
    };
    const auto coronal = [&] {
      return Slice<3>(u, o, blend, nx, nz, [&](size_t c, size_t r) {
        return Index{ { static_cast<IndexValueType>(c), j0, static_cast<IndexValueType>(nz - 1 - r) } };
      });
    };
    const auto sagittal = [&] {
      return Slice<3>(u, o, blend, ny, nz, [&](size_t c, size_t r) {
        return Index{ { i0, static_cast<IndexValueType>(c), static_cast<IndexValueType>(nz - 1 - r) } };
      });
    };
    const double tl[4] = { 0, 0.5, 0.5, 1 }, tr[4] = { 0.5, 0.5, 1, 1 }, bl[4] = { 0, 0, 0.5, 0.5 },
                 br[4] = { 0.5, 0, 1, 0.5 };
    switch (options.view)
    {
      case SceneView::Axial:
        window->AddRenderer(PictureRenderer(axial(), whole, options.width, options.height));
        break;
      case SceneView::Coronal:
        window->AddRenderer(PictureRenderer(coronal(), whole, options.width, options.height));
        break;
      case SceneView::Sagittal:
        window->AddRenderer(PictureRenderer(sagittal(), whole, options.width, options.height));
        break;
      case SceneView::Volume:
        window->AddRenderer(VolumeRenderer(o, blend, whole));
        break;
      case SceneView::All:
        window->AddRenderer(PictureRenderer(axial(), tl, options.width, options.height));
        window->AddRenderer(PictureRenderer(coronal(), tr, options.width, options.height));
        window->AddRenderer(PictureRenderer(sagittal(), bl, options.width, options.height));
        window->AddRenderer(VolumeRenderer(o, blend, br));
        break;
    }
  }
  window->Render();
  auto grab = vtkSmartPointer<vtkWindowToImageFilter>::New();
  grab->SetInput(window);
  grab->ReadFrontBufferOff();
  grab->Update();
  auto writer = vtkSmartPointer<vtkPNGWriter>::New();
  writer->SetFileName(png.c_str());
  writer->SetInputConnection(grab->GetOutputPort());
  const bool warnings = vtkObject::GetGlobalWarningDisplay();
  vtkObject::GlobalWarningDisplayOff();
  writer->Write();
  vtkObject::SetGlobalWarningDisplay(warnings);
  if (writer->GetErrorCode() != 0)
    throw Failure("cannot write '" + png + "' (VTK's PNG writer failed)");
}

template void
RenderScene<2>(const Image<float, 2> *, const Image<float, 2> *, const SceneOptions &, const std::string &);
template void
RenderScene<3>(const Image<float, 3> *, const Image<float, 3> *, const SceneOptions &, const std::string &);
} // namespace fusion
} // namespace itk
