// Processes followed through pidfds: taken while they are descendants, so that
// a wait for their exit or a signal to them never reaches a stranger.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "sys/fd.h"

namespace dc {

struct Tracked {
  pid_t pid = 0;
  UniqueFd fd;       // a pidfd (see open_descendant_pidfd)
  std::string comm;  // its name when it was found, for the report
};

// A pidfd for each pid that is still a descendant; the others are left out.
std::vector<Tracked> track(const std::vector<pid_t>& pids);

// The checker's live descendants, with their names, but those in `except`.
std::vector<Tracked> track_live_descendants(const std::vector<pid_t>& except = {});

// Waits until every tracked process has exited or the deadline passes (a
// bound only: each exit ends the wait for it as it happens).
void wait_all_exit(const std::vector<Tracked>& ts, double deadline_ms);

}  // namespace dc
