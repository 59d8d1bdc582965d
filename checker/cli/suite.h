// `daemoncheck suite FILE...`: many checks at once. Each target is checked by
// its own daemoncheck process (its own temp folder, pty and PID namespace), at
// most `jobs` at a time; one combined summary and one exit status come back.
// A manifest is a case.json object ({"name", "command", "options", "expect"}),
// an array of them, or {"targets": [...]}. "{KEY}" in a command or option is
// replaced by --set KEY=VALUE, "{TMP}" by the run's {tmp}, "{SOURCE}" by the
// manifest's folder. With "expect", a target passes when every rule has the
// expected status and every unlisted rule passes or skips.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dc {

struct SuiteOptions {
  std::vector<std::string> files;
  int jobs = 2;
  std::map<std::string, std::string> vars;
  std::string report_dir = "reports";
  std::optional<std::string> json_path;
  bool quiet = false;
};

// Returns the combined exit status: the worst of the targets' (0 pass,
// 1 fail or mismatch, 2 bad manifest, 3 could not run).
int run_suite(const SuiteOptions& opt);

}  // namespace dc
