#include "itkFusionOutputFiles.h"

#include "itkFusionFileChecks.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace itk
{
namespace fusion
{
namespace
{
/* Paths to remove when a signal ends the run: files first, then folders (deepest last made first).
 * Slots are written before they are published, and read by the handler only. */
constexpr int       kSlots = 8192;
std::atomic<char *> g_Files[kSlots];
std::atomic<char *> g_Folders[kSlots];

void
Publish(std::atomic<char *> * slots, const std::string & path)
{
  char * copy = strdup(path.c_str());
  for (int i = 0; i < kSlots; ++i)
  {
    char * expected = nullptr;
    if (slots[i].compare_exchange_strong(expected, copy))
      return;
  }
  std::free(copy); // full: the path is still removed by the destructor
}

void
Withdraw(std::atomic<char *> * slots, const std::string & path)
{
  for (int i = 0; i < kSlots; ++i)
  {
    char * p = slots[i].load();
    if (p && path == p && slots[i].compare_exchange_strong(p, nullptr))
    {
      std::free(p);
      return;
    }
  }
}

/* Removes the files directly inside `folder` with system calls only (async-signal-safe). */
void
EmptyFolder(const char * folder)
{
  const int fd = open(folder, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return;
  alignas(8) char buffer[8192];
  for (long n; (n = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0;)
    for (long at = 0; at < n;)
    {
      struct Entry64
      {
        uint64_t       ino;
        int64_t        off;
        unsigned short reclen;
        unsigned char  type;
        char           name[1];
      };
      const auto * e = reinterpret_cast<const Entry64 *>(buffer + at);
      if (!(e->name[0] == '.' && (e->name[1] == 0 || (e->name[1] == '.' && e->name[2] == 0))))
        unlinkat(fd, e->name, 0);
      at += e->reclen;
    }
  close(fd);
}

extern "C" void
RemoveTemporariesAndDie(int signal)
{
  for (auto & slot : g_Files)
    if (char * p = slot.load())
      unlink(p);
  for (int i = kSlots - 1; i >= 0; --i)
    if (char * p = g_Folders[i].load())
    {
      if (std::strstr(p, "/.mmfusion-partial-"))
        EmptyFolder(p); // a series folder of the run's own
      rmdir(p);
    }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

bool
StatOf(const std::string & path, struct stat & s)
{
  return stat(path.c_str(), &s) == 0;
}

std::string
Absolute(const std::string & path)
{
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved))
    return resolved;
  // Not there yet: its folder's real path and its name.
  const auto        slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (realpath(folder.c_str(), resolved))
    return std::string(resolved) + (std::string(resolved) == "/" ? "" : "/") + name;
  return path;
}

std::string
Describe(const struct stat & s)
{
  if (S_ISDIR(s.st_mode))
    return "a folder";
  if (S_ISCHR(s.st_mode) || S_ISBLK(s.st_mode))
    return "a device";
  if (S_ISFIFO(s.st_mode))
    return "a pipe";
  if (S_ISSOCK(s.st_mode))
    return "a socket";
  return "not a regular file";
}

int g_Counter = 0;
} // namespace

OutputFiles::OutputFiles(const std::vector<std::string> & inputs)
{
  for (const auto & input : inputs)
  {
    struct stat s;
    if (!StatOf(input, s))
      continue;
    m_Inputs.emplace_back(static_cast<unsigned long>(s.st_dev), static_cast<unsigned long>(s.st_ino));
    if (S_ISDIR(s.st_mode))
      m_InputFolders.push_back(Absolute(input));
  }
}

OutputFiles::~OutputFiles()
{
  Rollback();
}

std::string
OutputFiles::Add(const std::string & target, bool folder)
{
  if (target.empty())
    throw OutputFileError("an output path is empty");
  std::string path = target;
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  struct stat s;
  const bool  exists = StatOf(path, s);
  if (exists)
  {
    for (const auto & input : m_Inputs)
      if (input.first == static_cast<unsigned long>(s.st_dev) && input.second == static_cast<unsigned long>(s.st_ino))
        throw OutputFileError("the output '" + target + "' is one of the inputs; mmfusion never writes over its input");
    if (folder)
    {
      if (!S_ISDIR(s.st_mode))
        throw OutputFileError("the output folder '" + target + "' exists and is " +
                              (S_ISREG(s.st_mode) ? std::string("a file") : Describe(s)));
      DIR * d = opendir(path.c_str());
      bool  empty = true;
      if (d)
      {
        for (dirent * e; (e = readdir(d));)
          if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
            empty = false;
        closedir(d);
      }
      if (!empty)
        throw OutputFileError("the output folder '" + target + "' is not empty; name a new or empty folder");
    }
    else if (!S_ISREG(s.st_mode))
      throw OutputFileError("the output '" + target + "' is " + Describe(s) +
                            "; name a file (mmfusion writes over regular files only)");
  }
  const std::string final = Absolute(path);
  for (const auto & e : m_Entries)
    if (e.final == final)
      throw OutputFileError("the output '" + target + "' is named twice (also as '" + e.target + "')");
  const auto        slash = final.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : final.substr(0, slash == 0 ? 1 : slash);
  const std::string name = slash == std::string::npos ? final : final.substr(slash + 1);
  for (const auto & input : m_InputFolders)
    if (parent == input)
      throw OutputFileError("the output '" + target + "' lies inside the input DICOM folder '" + input + "'");
  // The target's folder (made now, removed again unless the run commits).
  std::string partial;
  for (size_t i = 1; i <= parent.size(); ++i)
    if (i == parent.size() || parent[i] == '/')
    {
      partial = parent.substr(0, i);
      struct stat p;
      if (StatOf(partial, p))
      {
        if (!S_ISDIR(p.st_mode))
          throw OutputFileError("cannot write '" + target + "': '" + partial + "' is not a folder");
        continue;
      }
      if (mkdir(partial.c_str(), 0755) != 0)
      {
        const int error = errno;
        if (error == EEXIST && StatOf(partial, p) && S_ISDIR(p.st_mode))
          continue; // another process made it meanwhile: it is not ours to remove
        throw OutputFileError("cannot write '" + target + "': cannot create the folder '" + partial +
                              "': " + std::strerror(error));
      }
      m_MadeFolders.push_back(partial);
      Publish(g_Folders, partial);
    }
  if (access(parent.c_str(), W_OK) != 0)
    throw OutputFileError("cannot write '" + target + "': the folder '" + parent + "' is not writable");
  Entry e;
  e.target = target;
  e.final = final;
  e.folder = folder;
  e.temporary = parent + (parent == "/" ? "" : "/") + ".mmfusion-partial-" + std::to_string(getpid()) + "-" +
                std::to_string(++g_Counter) + "-" + name;
  if (folder)
  {
    if (mkdir(e.temporary.c_str(), 0755) != 0)
      throw OutputFileError("cannot write '" + target + "': " + std::strerror(errno));
    Publish(g_Folders, e.temporary);
    e.temporary += "/";
  }
  else
  {
    // The name is taken now (and the folder is then not empty: a failing run beside this one, which
    // made the folder, cannot remove it).
    const int fd = open(e.temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
      throw OutputFileError("cannot write '" + target + "': " + std::strerror(errno));
    close(fd);
    Publish(g_Files, e.temporary);
  }
  m_Entries.push_back(e);
  return m_Entries.back().temporary;
}

const OutputFiles::Entry &
OutputFiles::Find(const std::string & target) const
{
  for (const auto & e : m_Entries)
    if (e.target == target)
      return e;
  throw std::logic_error("OutputFiles: '" + target + "' was not declared");
}

std::string
OutputFiles::WriteFailure(const std::string & target, const std::string & temporary, const std::string & what)
{
  std::string message = OneLineMessage(what);
  std::string written = temporary;
  while (written.size() > 1 && written.back() == '/')
    written.pop_back();
  for (size_t at; (at = message.find(written)) != std::string::npos;)
    message.replace(at, written.size(), target);
  const std::string prefix = "cannot write '" + target + "': ";
  if (message.rfind(prefix, 0) == 0)
    message.erase(0, prefix.size());
  return prefix + message;
}

const std::string &
OutputFiles::Temporary(const std::string & target) const
{
  return Find(target).temporary;
}

namespace
{
void
SyncAndCheck(const std::string & file, const std::string & target, bool image)
{
  const int fd = open(file.c_str(), O_RDONLY);
  if (fd < 0)
    throw OutputFileError("cannot write '" + target + "': the file was not written");
  const bool  synced = fsync(fd) == 0;
  const int   error = errno;
  struct stat s;
  const bool  sized = fstat(fd, &s) == 0 && s.st_size > 0;
  close(fd);
  if (!synced)
    throw OutputFileError("cannot write '" + target + "': " + std::strerror(error));
  if (!sized)
    throw OutputFileError("cannot write '" + target + "': the written file is empty (disk full?)");
  if (!image)
    return;
  try
  {
    FileCheckLimits limits;
    limits.maximumFloatBytes = ~uint64_t(0);
    limits.allowComponents = true;
    CheckImageFile(file, limits);
  }
  catch (const InputFileError &)
  {
    throw OutputFileError("cannot write '" + target +
                          "': the written file is incomplete (disk full or a file-size limit?)");
  }
}
} // namespace

void
OutputFiles::Verify(const std::string & target, bool image)
{
  auto & e = const_cast<Entry &>(Find(target));
  if (e.folder)
  {
    std::vector<std::string> inside;
    if (DIR * d = opendir(e.temporary.c_str()))
    {
      for (dirent * entry; (entry = readdir(d));)
        if (std::strcmp(entry->d_name, ".") && std::strcmp(entry->d_name, ".."))
          inside.push_back(e.temporary + entry->d_name);
      closedir(d);
    }
    if (inside.empty())
      throw OutputFileError("cannot write '" + target + "': nothing was written");
    for (const auto & f : inside)
      SyncAndCheck(f, target, image);
  }
  else
    SyncAndCheck(e.temporary, target, image);
  e.verified = true;
}

void
OutputFiles::Commit()
{
  for (const auto & e : m_Entries)
    if (!e.verified)
      throw std::logic_error("OutputFiles: '" + e.target + "' was not verified");
  for (auto & e : m_Entries)
  {
    std::string from = e.temporary;
    if (e.folder)
    {
      from.pop_back();
      rmdir(e.final.c_str()); // an empty folder given as the target
    }
    struct stat previous;
    if (!e.folder && stat(e.final.c_str(), &previous) == 0 && S_ISREG(previous.st_mode))
      chmod(from.c_str(), previous.st_mode & 07777); // a file written over keeps its permissions
    if (std::rename(from.c_str(), e.final.c_str()) != 0)
      throw OutputFileError("cannot write '" + e.target + "': " + std::strerror(errno));
    e.committed = true;
    Withdraw(e.folder ? g_Folders : g_Files, from);
  }
  for (const auto & f : m_MadeFolders)
    Withdraw(g_Folders, f);
  m_MadeFolders.clear();
}

void
OutputFiles::Rollback()
{
  for (auto & e : m_Entries)
  {
    if (e.committed)
      continue;
    if (e.folder)
    {
      // Whatever a writer left inside the run's own temporary folder.
      std::string dir = e.temporary.substr(0, e.temporary.size() - 1);
      if (DIR * d = opendir(dir.c_str()))
      {
        for (dirent * entry; (entry = readdir(d));)
          if (std::strcmp(entry->d_name, ".") && std::strcmp(entry->d_name, ".."))
            unlink((e.temporary + entry->d_name).c_str());
        closedir(d);
      }
      rmdir(dir.c_str());
      Withdraw(g_Folders, dir);
    }
    else
    {
      unlink(e.temporary.c_str());
      Withdraw(g_Files, e.temporary);
    }
  }
  for (auto it = m_MadeFolders.rbegin(); it != m_MadeFolders.rend(); ++it)
  {
    rmdir(it->c_str()); // only when empty: nothing of anybody else's goes
    Withdraw(g_Folders, *it);
  }
  m_MadeFolders.clear();
  m_Entries.clear();
}

std::vector<std::string>
OutputFiles::Targets() const
{
  std::vector<std::string> targets;
  for (const auto & e : m_Entries)
    targets.push_back(e.final);
  return targets;
}

void
OutputFiles::InstallSignalHandlers()
{
  for (int s : { SIGINT, SIGTERM, SIGHUP })
    std::signal(s, RemoveTemporariesAndDie);
  std::signal(SIGXFSZ, SIG_IGN);
}

void
WriteTextFile(const std::string & path, const std::string & text)
{
  FILE * f = std::fopen(path.c_str(), "wb");
  if (!f)
    throw OutputFileError("cannot write '" + path + "': " + std::strerror(errno));
  const bool written =
    std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const int  error = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed)
    throw OutputFileError("cannot write '" + path + "': " + std::strerror(written ? errno : error));
}
} // namespace fusion
} // namespace itk
