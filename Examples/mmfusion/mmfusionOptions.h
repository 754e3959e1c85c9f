/*
 * The subcommands of mmfusion as tables: each command declares its options once, and both the
 * parser (Arguments) and `mmfusion --help` are made from that declaration. Options that several
 * commands share (-o, --backend, --type, --quiet, --progress, --replace-non-finite) are declared once
 * here, in `shared`, with one meaning everywhere. ITK-free.
 */
#ifndef mmfusionOptions_h
#define mmfusionOptions_h

#include "mmfusionArguments.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace mmfusion
{
/** One option: the parser takes a value after it unless `value` is empty (a flag); --help prints
 * "name[, alias] value" and `help`. */
struct Option
{
  std::string name;          // "--backend"
  std::string value;         // what it takes, as --help shows it ("auto|cpu|cuda|emulated"); empty: a flag
  std::string help;          // what it does, wrapped by --help
  std::string alias = "";    // a second spelling with the same meaning ("--output" for "-o")
  bool        listed = true; // false: the command's own section of --help prints it (fuse's method options)
};

/** A subcommand: what --help says of it, its options, old spellings of renamed options (each a usage
 * error naming the new one) and what it runs. */
struct Command
{
  std::string                        name;        // "fuse"
  std::string                        synopsis;    // "A B [C ...] -o OUT [options]"
  std::string                        description; // lines of text, printed as they are
  std::vector<Option>                options;
  std::map<std::string, std::string> renamed;
  int (*run)(const Arguments & args) = nullptr;
  std::string (*section)() = nullptr; // more --help after the options (fuse: the methods)
};

/** The command line of `command` (argv[2...]) under its option table. */
inline Arguments
Parse(const Command & command, int argc, const char * const argv[])
{
  std::vector<std::string> values, flags;
  for (const auto & o : command.options)
    for (const auto & name : { o.name, o.alias })
      if (!name.empty())
        (o.value.empty() ? flags : values).push_back(name);
  return Arguments(argc, argv, 2, values, flags, command.renamed);
}

/** One row of --help: `left` from column 6, `text` from column 34 (on the next line when `left` is
 * longer), wrapped at 96. */
inline void
HelpRow(std::ostream & out, const std::string & left, const std::string & text)
{
  std::string line = "      " + left;
  if (line.size() >= 33)
  {
    out << line << "\n";
    line.clear();
  }
  line += std::string(34 - line.size(), ' ');
  std::istringstream words(text);
  std::string        word;
  bool               first = true;
  while (words >> word)
  {
    if (!first && line.size() + 1 + word.size() > 96)
    {
      out << line << "\n";
      line = std::string(34, ' ');
      first = true;
    }
    line += (first ? "" : " ") + word;
    first = false;
  }
  out << line << "\n";
}

/** The --help text of one command. */
inline std::string
Help(const Command & command)
{
  std::ostringstream out;
  out << "  mmfusion " << command.name << " " << command.synopsis << "\n" << command.description;
  for (const auto & o : command.options)
    if (o.listed)
      HelpRow(out, o.name + (o.alias.empty() ? "" : ", " + o.alias) + (o.value.empty() ? "" : " " + o.value), o.help);
  if (command.section)
    out << command.section();
  return out.str();
}

/** The options that several commands share, each declared once. */
namespace shared
{
inline Option
Output(const std::string & what, const std::string & help, bool alias = true)
{
  return { "-o", what, help, alias ? "--output" : "" };
}
inline const Option &
Backend()
{
  static const Option o{ "--backend",
                         "auto|cpu|cuda|emulated",
                         "where the kernels run (default auto: a GPU if present, else all CPU cores; env "
                         "FUSION_BACKEND overrides auto); emulated runs the CUDA kernels on the CPU (for testing)" };
  return o;
}
inline const Option &
Type()
{
  static const Option o{ "--type",
                         "auto|float|double|uchar|ushort|short",
                         "output pixels (default auto: float; uchar for PNG/JPEG; ushort for a DICOM series); the "
                         "integer types hold [0, 1] scaled to their range (255, 65535, 32767)" };
  return o;
}
inline const Option &
Quiet()
{
  static const Option o{ "--quiet", "", "no progress or summary on stderr" };
  return o;
}
inline const Option &
Progress()
{
  static const Option o{ "--progress", "", "the progress bar even when stderr is not a terminal" };
  return o;
}
inline const Option &
ReplaceNonFinite()
{
  static const Option o{ "--replace-non-finite",
                         "",
                         "NaN and infinite voxels of the inputs are set to 0 (default: such an input is refused)" };
  return o;
}
} // namespace shared
} // namespace mmfusion

#endif
