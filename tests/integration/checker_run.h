// Runs the real daemoncheck binary on a real target and returns its exit
// status, stderr and scorecard. The test process is a child subreaper, so
// anything daemoncheck leaves behind is re-parented here and counted.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dc::test {

struct CheckerRun {
  int exit_status = -1;
  int pid = 0;  // daemoncheck's
  std::string out, err;
  nlohmann::json scorecard;      // null when stdout was not JSON
  std::vector<int> left_behind;  // processes re-parented to the test after it exited
  std::string status(const std::string& rule) const;  // "" when absent
  std::string message(const std::string& rule) const;
};

// argv is daemoncheck's own (options, "--", command). --json - --quiet and
// --report-dir are added unless `raw` is true.
CheckerRun run_checker(std::vector<std::string> args, bool raw = false);

// As run_checker, for a check that observes `spare`, a child of the test
// itself: it is neither counted as left behind nor ended. `reports` ("": the
// shared report_dir()) is where its scorecard goes: a test outside the
// scorecards fixture passes its own, which scorecards_setup never empties.
CheckerRun run_checker_sparing(std::vector<std::string> args, int spare,
                               const std::string& reports = "");

// Runs daemoncheck with TMPDIR=tmpdir and sends it `signo` delay_ms after a
// file named `marker` exists anywhere one level below tmpdir (or after 10 s).
CheckerRun run_checker_interrupted(std::vector<std::string> args, const std::string& tmpdir,
                                   const std::string& marker, int signo, int delay_ms = 50);

// As run_checker_interrupted, but calls watch(daemoncheck's pid) once the
// marker exists, and sends no signal.
CheckerRun run_checker_watched(std::vector<std::string> args, const std::string& tmpdir,
                               const std::string& marker, std::function<void(pid_t)> watch);

// Entries left in a directory (temp folders, reports).
int count_entries(const std::string& dir);

// Build-tree paths, from compile definitions.
std::string checker_path();
std::string fixture_path();
std::string glibc_daemon_path();
std::string report_dir();

}  // namespace dc::test
