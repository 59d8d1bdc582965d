// The command line (CLI11): what `daemoncheck --help` lists, parsed into the
// check's options. Usage errors come back as one line for stderr (exit 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "check/check.h"
#include "rules/judge.h"

namespace dc {

struct CliOptions {
  CheckOptions check;
  std::vector<Waiver> waivers;
  bool strict = false;
  std::optional<std::string> json_path;
  std::string report_dir = "reports";
  bool quiet = false;
};

struct ParsedCli {
  enum Outcome { kRun, kExit } outcome = kRun;
  int exit_status = 0;  // for kExit
  std::string out;      // printed on stdout (help, version)
  std::string error;    // one line for stderr
  CliOptions options;
};

ParsedCli parse_cli(int argc, char** argv);

}  // namespace dc
