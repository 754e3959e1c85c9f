/*
 * Outputs that lose nothing: every output of a run is declared before any work, refused when it
 * would destroy something (an input, a folder, a device, the same path as another output), written
 * to a temporary name in its target folder, checked, and renamed over its target only when every
 * output of the run is complete. Nothing the run did not create is ever removed; on an error, an
 * exception, SIGINT, SIGTERM or SIGHUP the temporaries (and the folders the run made) go away; a
 * run killed outright (SIGKILL) leaves at most a hidden ".mmfusion-partial-*" file, never a file
 * under the output's name. ITK-free.
 */
#ifndef itkFusionOutputFiles_h
#define itkFusionOutputFiles_h

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
/** An output path that would destroy something, or a write that failed; what() is one line. */
struct OutputFileError : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

class OutputFiles
{
public:
  /** `inputs`: the files and folders the run reads; no output may be one of them. */
  explicit OutputFiles(const std::vector<std::string> & inputs = {});
  ~OutputFiles(); // removes what was not committed
  OutputFiles(const OutputFiles &) = delete;
  OutputFiles &
  operator=(const OutputFiles &) = delete;

  /** Declares an output file (`folder`: a DICOM series folder, which must be new or empty) and
   * returns the temporary path to write it to (same folder, same extension). Throws
   * OutputFileError when the path is an input, another output, a folder (for a file), a device, a
   * pipe or a socket, or when its folder cannot be made. */
  std::string
  Add(const std::string & target, bool folder = false);

  /** The temporary path of a declared output. */
  const std::string &
  Temporary(const std::string & target) const;

  /** After the temporary was written: flushes it to disk (fsync) and checks it (not empty; an
   * image file re-read by CheckImageFile, so that a short write is found). */
  void
  Verify(const std::string & target, bool image = true);

  /** Writes a declared output: `write(temporaryPath)`, then Verify. An exception of `write`
   * becomes an OutputFileError "cannot write 'target': ..." (one line, naming the target). */
  template <typename TWrite>
  void
  Write(const std::string & target, TWrite && write, bool image = true)
  {
    const std::string & temporary = Temporary(target);
    try
    {
      write(temporary);
    }
    catch (const std::exception & e)
    {
      throw OutputFileError(WriteFailure(target, temporary, e.what()));
    }
    Verify(target, image);
  }

  /** Renames every verified temporary over its target. */
  void
  Commit();

  /** The final paths (after links are followed), in the order declared. */
  std::vector<std::string>
  Targets() const;

  /** Called once by programs: cleanup on SIGINT/SIGTERM/SIGHUP, and SIGXFSZ ignored so that a
   * file-size limit makes a write fail (EFBIG) instead of killing the process. */
  static void
  InstallSignalHandlers();

private:
  struct Entry
  {
    std::string target;    // as given
    std::string final;     // where it goes
    std::string temporary; // where it is written
    bool        folder = false;
    bool        verified = false;
    bool        committed = false;
  };
  const Entry &
  Find(const std::string & target) const;
  static std::string
  WriteFailure(const std::string & target, const std::string & temporary, const std::string & what);
  void
  Rollback();

  std::vector<std::pair<unsigned long, unsigned long>> m_Inputs; // (device, inode)
  std::vector<std::string>                             m_InputFolders;
  std::vector<Entry>                                   m_Entries;
  std::vector<std::string>                             m_MadeFolders;
};

/** Writes `text` to `path` and checks every step (write, flush, fsync, close). */
void
WriteTextFile(const std::string & path, const std::string & text);
} // namespace fusion
} // namespace itk

#endif
