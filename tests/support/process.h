// Runs a program to its end with stdout and stderr captured: the one way the
// tests start a process and read what it printed. Both pipes are drained with
// poll, so a chatty program never blocks on a full pipe; a deadline bounds the
// run, after which the program is killed. Nothing is left running by
// run_captured() itself (descendants that detached are the caller's to sweep).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dc::test {

struct Captured {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  bool timed_out = false;  // killed at the deadline
  pid_t pid = 0;
};

struct Spawn {
  std::vector<std::string> argv = {};  // argv[0] is a path: no PATH search
  // The whole environment; nullopt keeps this process's.
  std::optional<std::vector<std::string>> env = std::nullopt;
  // Runs in the child after stdin (/dev/null), stdout and stderr are set and
  // before exec: job control, the dirty launch's planting. A non-zero return
  // ends the child with that status instead of exec'ing.
  std::function<int()> in_child = nullptr;
  // Runs in the parent once the child is started, before its output is read.
  std::function<void(pid_t)> started = nullptr;
  std::chrono::milliseconds timeout = std::chrono::hours(1);
};

Captured run_captured(const Spawn& spawn);

// This process's environment with `changes` applied: KEY=VALUE adds or
// replaces, a value of std::nullopt removes KEY.
std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& changes);

}  // namespace dc::test
