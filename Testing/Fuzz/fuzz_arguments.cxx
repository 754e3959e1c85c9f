// The command-line parser: words separated by NUL bytes, parsed with fuse's option table and read
// as fuse reads them. Any outcome but UsageError is a finding.
#include "mmfusionArguments.h"

#include <string>
#include <vector>

extern "C" int
LLVMFuzzerTestOneInput(const unsigned char * data, size_t size)
{
  std::vector<std::string> words{ "mmfusion", "fuse" };
  std::string              word;
  for (size_t i = 0; i < size; ++i)
    if (data[i] == 0)
      words.push_back(word), word.clear();
    else
      word += static_cast<char>(data[i]);
  words.push_back(word);
  std::vector<const char *> argv;
  for (const auto & w : words)
    argv.push_back(w.c_str());
  try
  {
    const mmfusion::Arguments args(static_cast<int>(argv.size()),
                                   argv.data(),
                                   2,
                                   { "-o", "--levels", "--epsilon", "--range", "--method", "--mean" },
                                   { "--quiet", "--raw" });
    args.integer("--levels", 3, 1, 16);
    args.real("--epsilon", 1e-6, 1e-30, 1.0);
    if (args.has("--range"))
      args.numbers("--range", 2, "LO,HI");
    if (args.has("--mean"))
      args.numbers("--mean", 0, "numbers");
    args.choice("--method", "tdfif", { "tdfif", "max" });
    args.has("--quiet");
    args.get("-o");
    args.rejectUnread("to fuse");
  }
  catch (const mmfusion::UsageError &)
  {}
  return 0;
}
