// The library side of "lose nothing": OutputFiles (refusals, temporaries, commit, rollback) and
// CheckImageFile on files written here byte by byte. The CLI side is Testing/CLI/test_robustness.py.
#include "itkFusionFileChecks.h"
#include "itkFusionImageIO.h"
#include "itkFusionOutputFiles.h"

#include "itkImageFileWriter.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <zlib.h>

namespace
{
using itk::fusion::CheckImageFile;
using itk::fusion::InputFileError;
using itk::fusion::OutputFileError;
using itk::fusion::OutputFiles;

class FileIO : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    char pattern[] = "/tmp/mmfusion-fileio-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    m_Folder = pattern;
  }
  void
  TearDown() override
  {
    std::system(("rm -rf '" + m_Folder + "'").c_str());
  }
  std::string
  Path(const std::string & name) const
  {
    return m_Folder + "/" + name;
  }
  void
  Write(const std::string & name, const std::string & bytes) const
  {
    std::ofstream(Path(name), std::ios::binary) << bytes;
  }
  std::string
  Read(const std::string & name) const
  {
    std::ifstream      in(Path(name), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool
  Exists(const std::string & name) const
  {
    struct stat s;
    return lstat(Path(name).c_str(), &s) == 0;
  }
  /* The names in the folder (hidden ones too). */
  std::vector<std::string>
  Names() const
  {
    std::vector<std::string> names;
    if (DIR * d = opendir(m_Folder.c_str()))
    {
      for (dirent * e; (e = readdir(d));)
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
          names.push_back(e->d_name);
      closedir(d);
    }
    return names;
  }

  std::string m_Folder;
};

TEST_F(FileIO, OutputsAreRefusedBeforeAnyWork)
{
  Write("input.txt", "keep");
  mkdir(Path("folder").c_str(), 0755);
  symlink(Path("input.txt").c_str(), Path("link.txt").c_str());
  OutputFiles outputs({ Path("input.txt") });
  EXPECT_THROW(outputs.Add(Path("input.txt")), OutputFileError);
  EXPECT_THROW(outputs.Add(Path("link.txt")), OutputFileError); // another name for the input
  EXPECT_THROW(outputs.Add(Path("folder")), OutputFileError);   // a folder for a file
  EXPECT_THROW(outputs.Add("/dev/null"), OutputFileError);      // a device
  outputs.Add(Path("a.json"));
  EXPECT_THROW(outputs.Add(Path("./a.json")), OutputFileError); // the same output twice
  Write("folder/x", "x");
  EXPECT_THROW(outputs.Add(Path("folder") + "/", true), OutputFileError); // a series into a used folder
  EXPECT_EQ(Read("input.txt"), "keep");
}

TEST_F(FileIO, CommitRenamesOnlyVerifiedTemporariesAndKeepsPermissions)
{
  Write("old.json", "old");
  chmod(Path("old.json").c_str(), 0600);
  {
    OutputFiles       outputs;
    const std::string temporary = outputs.Add(Path("old.json"));
    EXPECT_NE(temporary, Path("old.json"));
    EXPECT_EQ(temporary.substr(0, m_Folder.size()), m_Folder); // in the target's folder
    outputs.Write(
      Path("old.json"), [](const std::string & to) { itk::fusion::WriteTextFile(to, "new"); }, false);
    EXPECT_EQ(Read("old.json"), "old"); // not before the commit
    outputs.Commit();
  }
  EXPECT_EQ(Read("old.json"), "new");
  struct stat s;
  ASSERT_EQ(stat(Path("old.json").c_str(), &s), 0);
  EXPECT_EQ(s.st_mode & 0777, 0600u);
  EXPECT_EQ(Names().size(), 1u); // no temporary left
}

TEST_F(FileIO, AnErrorRemovesTemporariesAndTheFoldersTheRunMade)
{
  Write("keep.json", "keep");
  {
    OutputFiles outputs;
    outputs.Add(Path("keep.json"));
    outputs.Add(Path("new/deeper/b.json"));
    outputs.Write(
      Path("keep.json"), [](const std::string & to) { itk::fusion::WriteTextFile(to, "lost"); }, false);
    EXPECT_THROW(outputs.Write(
                   Path("new/deeper/b.json"), [](const std::string &) { throw std::runtime_error("boom"); }, false),
                 OutputFileError);
    // no Commit: the run failed
  }
  EXPECT_EQ(Read("keep.json"), "keep");
  EXPECT_FALSE(Exists("new"));
  EXPECT_EQ(Names().size(), 1u);
}

TEST_F(FileIO, RunsSideBySideShareTheFoldersTheyMake)
{
  // Many runs at once (a cohort) writing into one new folder: none fails because another made the
  // folder first, and none removes a folder another run still uses.
  std::vector<std::thread> runs;
  std::atomic<int>         failures{ 0 };
  for (int r = 0; r < 8; ++r)
    runs.emplace_back([&, r] {
      try
      {
        OutputFiles       outputs;
        const std::string target = Path("shared/deeper/out" + std::to_string(r) + ".json");
        outputs.Add(target);
        outputs.Write(
          target, [](const std::string & to) { itk::fusion::WriteTextFile(to, "x"); }, false);
        outputs.Commit();
      }
      catch (const std::exception &)
      {
        ++failures;
      }
    });
  for (auto & t : runs)
    t.join();
  EXPECT_EQ(failures, 0);
  for (int r = 0; r < 8; ++r)
    EXPECT_TRUE(Exists("shared/deeper/out" + std::to_string(r) + ".json")) << r;
}

TEST_F(FileIO, AWriteFailureNamesTheTargetNotTheTemporary)
{
  OutputFiles       outputs;
  const std::string temporary = outputs.Add(Path("x.json"));
  try
  {
    outputs.Write(
      Path("x.json"),
      [&](const std::string & to) { throw std::runtime_error("trouble writing " + to + "\nsecond line"); },
      false);
    FAIL() << "no exception";
  }
  catch (const OutputFileError & e)
  {
    const std::string what = e.what();
    EXPECT_EQ(what.find(temporary), std::string::npos) << what;
    EXPECT_NE(what.find("cannot write '" + Path("x.json") + "'"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST_F(FileIO, VerifyFindsAnEmptyOrCutImage)
{
  auto image = itk::fusion::Image2D::New();
  image->SetRegions(itk::fusion::Image2D::SizeType{ { 8, 8 } });
  image->Allocate(true);
  OutputFiles       outputs;
  const std::string temporary = outputs.Add(Path("image.nii"));
  itk::fusion::WriteImage<2>(image, temporary, "float");
  truncate(temporary.c_str(), 300); // a full disk
  EXPECT_THROW(outputs.Verify(Path("image.nii")), OutputFileError);
}

TEST_F(FileIO, CheckImageFileRefusesDamagedFilesAndKeepsIntactOnes)
{
  auto image = itk::fusion::Image2D::New();
  image->SetRegions(itk::fusion::Image2D::SizeType{ { 16, 16 } });
  image->Allocate(true);
  for (auto * p = image->GetBufferPointer(); p != image->GetBufferPointer() + 256; ++p)
    *p = static_cast<float>(p - image->GetBufferPointer());
  for (const char * name : { "intact.nii.gz", "intact.mha", "intact.nrrd", "intact.png" })
  {
    itk::fusion::WriteImage<2>(image, Path(name), "auto");
    const auto result = CheckImageFile(Path(name));
    EXPECT_EQ(result.dimension, 2u) << name;
    EXPECT_EQ(result.voxels, 256u) << name;
    const std::string bytes = Read(name);
    Write(std::string("cut_") + name, bytes.substr(0, bytes.size() * 2 / 3));
    EXPECT_THROW(CheckImageFile(Path(std::string("cut_") + name)), InputFileError) << name;
  }
  // A NaN voxel: refused, or let through when asked.
  image->GetBufferPointer()[17] = std::numeric_limits<float>::quiet_NaN();
  {
    // WriteImage refuses a non-finite result; the file is made through ITK's writer here.
    itk::fusion::QuietThirdParty quiet;
    itk::WriteImage(image, Path("nan.nii"));
  }
  try
  {
    CheckImageFile(Path("nan.nii"));
    FAIL() << "no exception";
  }
  catch (const InputFileError & e)
  {
    EXPECT_NE(std::string(e.what()).find("voxel 17 holds the non-finite value nan"), std::string::npos) << e.what();
  }
  itk::fusion::FileCheckLimits limits;
  limits.allowNonFinite = true;
  EXPECT_NO_THROW(CheckImageFile(Path("nan.nii"), limits));
  itk::fusion::ReadOptions options;
  options.replaceNonFinite = true;
  EXPECT_EQ(itk::fusion::ReadImage<2>(Path("nan.nii"), options)->GetBufferPointer()[17], 0.0f);
  EXPECT_THROW(itk::fusion::ReadImage<2>(Path("nan.nii")), InputFileError);
  // Not regular files.
  EXPECT_THROW(CheckImageFile("/dev/zero"), InputFileError);
  EXPECT_THROW(CheckImageFile(m_Folder), InputFileError);
}

TEST(FileChecks, OneLineMessage)
{
  EXPECT_EQ(itk::fusion::OneLineMessage("/a/b.hxx:12:\nITK ERROR: ImageFileReader(0x55d1): Could not\n  read\tit\n"),
            "Could not read it");
  EXPECT_EQ(itk::fusion::OneLineMessage(std::string("bad \x01 byte")), "bad ? byte");
}
} // namespace
