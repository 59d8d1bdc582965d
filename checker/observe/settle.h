// Settling: after the launched process exits, wait until the daemon is ready,
// then decide which processes are "the daemon". Event-driven and bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/observation.h"

namespace dc {

// With a pidfile: until it exists and names a live descendant (inotify on its
// folder), or until nothing but the holder is left. A pidfile naming the
// holder, the checker or one of `not_daemons` (a control check's decoys, one
// of which a stale pidfile names) is wrong or stale, not late: then as
// without one. Without: until the set of descendants and their /proc state
// stay the same for one quiet window.
// Returns false when the deadline ended the wait. `root` (0: the checker)
// is whose descendants are watched: a race trial's stand-in parent, so that
// trials run side by side never wait on each other's processes.
bool settle(std::optional<std::string> pidfile, pid_t holder, double quiet_ms, double deadline_ms,
            pid_t root = 0, const std::vector<pid_t>& not_daemons = {});

// The daemons (rules.md): the pidfile's pid when it is a live descendant (and
// not the session holder), and every other live process re-parented to the
// checker (those besides the pidfile's are first awaited until they exit or
// deadline_ms, so a middle child on its way out is not taken); without either, the
// launched process itself, when it never exited. `why` says which.
struct DaemonPick {
  pid_t pid;
  std::string why;
};
std::vector<DaemonPick> pick_daemons(const std::optional<std::string>& pidfile,
                                     const LaunchFacts& launch, double deadline_ms);
// How long a survivor besides the pidfile's process gets to settle (or to
// exit, as the middle child of a double fork does) before it is judged.
constexpr double kSurvivorSettleMs = 500;

// CPU time (ns) every thread of pid has run (/proc/PID/task/*/schedstat); 0
// when gone. Time a process has had on a CPU, unlike wall-clock time, does not
// pass while a loaded machine keeps it waiting to run.
uint64_t cpu_time_ns(pid_t pid);

}  // namespace dc
