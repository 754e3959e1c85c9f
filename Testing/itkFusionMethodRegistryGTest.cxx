/* The registry of fusion methods (itkFusionMethods.h): names, parameter descriptions that carry the
 * filters' own defaults, parameters applied only when given, and one-line errors for bad values. */
#include "itkFusionMethods.h"
#include "itkFusionTestHelpers.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace
{
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;

template <typename TImage>
const itk::fusion::FusionMethod<TImage> &
Find(const std::string & name)
{
  return itk::fusion::FindFusionMethod<TImage>(name);
}

/* FusionError, one line, holding `words`. */
const auto ExpectInvalid = fusiontest::ExpectThrow<itk::fusion::FusionError>;

TEST(FusionMethodRegistry, EveryMethodOnceWithTheDefaultFirst)
{
  std::vector<std::string> names;
  for (const auto & m : itk::fusion::FusionMethods<Image2>())
  {
    names.push_back(m.name);
    EXPECT_FALSE(m.summary.empty()) << m.name;
    std::set<std::string> parameters;
    for (const auto & p : m.parameters)
    {
      EXPECT_TRUE(parameters.insert(p.name).second) << m.name << " repeats " << p.name;
      EXPECT_FALSE(p.description.empty()) << m.name << " --" << p.name;
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{
              "tdfif-net", "tdfif", "dwt-cnn", "dwt", "average", "max", "pca", "laplacian", "activity" }));
  EXPECT_EQ(itk::fusion::FusionMethods<Image3>().size(), names.size()) << "2D and 3D have the same methods";
  ExpectInvalid([] { Find<Image2>("median"); }, "unknown method 'median' (methods: tdfif-net, tdfif, dwt-cnn");
}

TEST(FusionMethodRegistry, DefaultsAreTheFiltersOwn)
{
  const auto & tdfif = Find<Image2>("tdfif");
  const auto   filter = itk::TDFIFFusionFilter<Image2>::New();
  EXPECT_EQ(tdfif.Parameter("weight-power")->defaultValue, itk::fusion::NumberText(filter->GetWeightPower()));
  EXPECT_EQ(tdfif.Parameter("weight-power")->defaultValue, "4");
  EXPECT_EQ(tdfif.Parameter("glcm-levels")->defaultValue, "8");
  EXPECT_EQ(tdfif.Parameter("radius")->defaultValue, "2");
  EXPECT_EQ(Find<Image2>("laplacian").Parameter("levels")->defaultValue, "4");
  EXPECT_EQ(Find<Image2>("dwt").Parameter("wavelet")->defaultValue, "db2");
  EXPECT_EQ(Find<Image2>("dwt").Parameter("levels")->defaultValue, "3");
  EXPECT_EQ(Find<Image2>("dwt").Parameter("mode")->defaultValue, "symmetric");
  EXPECT_EQ(Find<Image2>("activity").Parameter("epsilon")->defaultValue, "1e-06");

  // Nothing given: the filter as a new one is.
  const auto filterMade = tdfif.New();
  auto       made = dynamic_cast<itk::TDFIFFusionFilter<Image2> *>(filterMade.GetPointer());
  ASSERT_NE(made, nullptr);
  EXPECT_EQ(made->GetWeightPower(), filter->GetWeightPower());
  EXPECT_EQ(made->GetNumberOfLevels(), filter->GetNumberOfLevels());
  EXPECT_TRUE(made->GetTexture());
}

TEST(FusionMethodRegistry, GivenParametersAreApplied)
{
  auto tdfif = Find<Image2>("tdfif").New({ { "weight-power", "2.5" }, { "radius", "3" }, { "no-texture", "" } });
  auto t = dynamic_cast<itk::TDFIFFusionFilter<Image2> *>(tdfif.GetPointer());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->GetWeightPower(), 2.5);
  EXPECT_EQ(t->GetRadius(), 3u);
  EXPECT_FALSE(t->GetTexture());

  using Wavelet = itk::WaveletFeatureFusionFilter<Image3>;
  auto dwt = Find<Image3>("dwt").New({ { "wavelet", "sym4" }, { "levels", "2" }, { "mode", "periodization" } });
  auto w = dynamic_cast<Wavelet *>(dwt.GetPointer());
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(std::string(w->GetWavelet()), "sym4");
  EXPECT_EQ(w->GetLevels(), 2u);
  EXPECT_EQ(w->GetMode(), itk::fusion::WaveletMode::Periodization);
  EXPECT_EQ(w->GetApproximationRule(), Wavelet::Rule::Average);
  EXPECT_EQ(w->GetDetailRule(), Wavelet::Rule::MaxAbs);
  const auto cnnMade = Find<Image3>("dwt-cnn").New({ { "detail-rule", "maxabs" } });
  auto       cnn = dynamic_cast<Wavelet *>(cnnMade.GetPointer());
  ASSERT_NE(cnn, nullptr);
  EXPECT_EQ(cnn->GetDetailRule(), Wavelet::Rule::MaxAbs);
  EXPECT_EQ(cnn->GetApproximationRule(), Wavelet::Rule::ActivityWeighted);

  using Classical = itk::ClassicalFusionFilter<Image2>;
  const auto lMade = Find<Image2>("laplacian").New({ { "levels", "6" } });
  auto       l = dynamic_cast<Classical *>(lMade.GetPointer());
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->GetRule(), Classical::Rule::LaplacianPyramid);
  EXPECT_EQ(l->GetLevels(), 6u);
  const auto aMade = Find<Image2>("activity").New({ { "epsilon", "0.001" } });
  auto       a = dynamic_cast<Classical *>(aMade.GetPointer());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->GetRule(), Classical::Rule::ActivityRatio);
  EXPECT_EQ(a->GetEpsilon(), 0.001);
}

TEST(FusionMethodRegistry, BadParametersAreOneLineErrors)
{
  ExpectInvalid(
    [] {
      Find<Image2>("max").New({ { "levels", "3" } });
    },
    "option '--levels' does not apply to --method max");
  ExpectInvalid(
    [] {
      Find<Image2>("tdfif").New({ { "weight-power", "x" } });
    },
    "--weight-power takes a number from 0 to 64, not 'x'");
  ExpectInvalid([] { Find<Image2>("tdfif").New({ { "weight-power", "inf" } }); }, "not 'inf'");
  ExpectInvalid(
    [] {
      Find<Image2>("tdfif").New({ { "glcm-levels", "1" } });
    },
    "--glcm-levels takes a whole number from 2 to 256, not '1'");
  ExpectInvalid([] { Find<Image2>("tdfif").New({ { "radius", "2.5" } }); }, "not '2.5'");
  ExpectInvalid([] { Find<Image2>("dwt").New({ { "mode", "mirror" } }); }, "--mode takes zero, constant");
  ExpectInvalid(
    [] {
      Find<Image2>("activity").New({ { "epsilon", "0" } });
    },
    "--epsilon takes a number from 1e-30 to 1");
}
} // namespace
