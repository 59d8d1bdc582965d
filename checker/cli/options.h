// The command line (CLI11): what `daemoncheck --help` lists, parsed into the
// check's options, the reports to write, or one of the commands that need no
// run (--list-rules, --explain, render). Usage errors come back as one line
// for stderr with exit status 2.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/check.h"
#include "cli/suite.h"
#include "report/render.h"
#include "rules/judge.h"

namespace dc {

enum class ColorMode { Auto, Always, Never };

struct CliOptions {
  CheckOptions check;
  std::vector<Waiver> waivers;
  bool strict = false;
  std::string report_dir = "reports";
  // Reports besides the scorecard in report_dir, in the order given; a path
  // of "-" is stdout (at most one report goes there).
  std::vector<std::pair<Format, std::string>> reports;
  ColorMode color = ColorMode::Auto;
  bool quiet = false;
  bool isolate = true;  // PID namespace and pids cgroup (--no-isolation turns off)
};

// `daemoncheck render SCORECARD.json --format F [-o PATH]`.
struct RenderRequest {
  std::string input;
  Format format = Format::Text;
  std::string output = "-";
  ColorMode color = ColorMode::Auto;
};

struct ParsedCli {
  enum Outcome { kRun, kRender, kSuite, kExit } outcome = kRun;
  int exit_status = 0;   // for kExit
  std::string out;       // printed on stdout (help, version, --list-rules, --explain)
  std::string error;     // one line for stderr
  CliOptions options;    // for kRun
  RenderRequest render;  // for kRender
  SuiteOptions suite;    // for kSuite
};

ParsedCli parse_cli(int argc, char** argv);

// Whether to colour text written to `fd`: --color, then NO_COLOR (set and
// not empty: no colour) and TERM=dumb, then whether fd is a terminal.
bool use_color(ColorMode mode, int fd);

}  // namespace dc
