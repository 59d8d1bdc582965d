// Isolation keeps the checker out of the target's reach and makes cleanup
// airtight: the check runs inside a fresh PID namespace (and a mount
// namespace, for a /proc that shows it) whose init is the checker itself.
// A namespace's init cannot be killed or stopped from inside it, and the
// kernel drops every signal it leaves at the default action, so a target that
// signals its parent (SIGUSR1 when ready, SIGKILL, SIGSTOP) or everybody
// (kill -1) cannot end or stop the check. When daemoncheck is killed, even
// with SIGKILL, the checker gets its parent-death signal and tears the check
// down (processes, temp folders, cgroup); when the checker itself ends, the
// kernel kills whatever could remain. A pids cgroup caps how many processes
// the target can make. Where the kernel refuses (no root, no user
// namespaces), the checker falls back to the subreaper alone and says so in
// the scorecard.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "launch/private_dirs.h"

namespace dc {

struct Isolation {
  bool pid_namespace = false;
  std::string cgroup;                     // the pids cgroup, "" when none
  long pids_max = 0;                      // its cap, 0 when none
  std::string note;                       // why isolation is partial or absent
  std::vector<std::string> private_dirs;  // host folders the target cannot write
  std::vector<std::string> kept;          // host entries shown in a fresh one (private_dirs.h)
};

// What the outer process does with a result the checker handed over
// (hand_over_result): writes the scorecard and the reports, and returns the
// exit status.
using Publish = std::function<int(int status, const std::string& scorecard)>;

// Call once, early in main(), before any other process is started. In the
// calling process it does not return when isolation works: that process
// becomes the outer waiter (forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT) and
// exits with the check's status, or with what `publish` returned when the
// checker handed a result over. It returns in the checker, pid 1 of the new
// namespaces, with those signals blocked (the Reaper reads them). Only the
// checker is in the new mount namespace, where /proc shows the check and
// /run, /tmp, /var/tmp and /etc are private (private_dirs.h): the outer
// process is back in the caller's.
// `keep`: the paths the target's command names, passed to
// make_host_dirs_private().
Isolation enter_isolation(long pids_max, PrivateStyle style = PrivateStyle::kOverlay,
                          Publish publish = {}, const std::vector<std::string>& keep = {});

// In the checker, once every process of the check is gone: gives the
// scorecard's text and the exit status to the outer process, which publishes
// them while the checker exits. The checker's exit takes its namespaces down
// (the kernel unmounts every mount the check made, which waits for an RCU
// grace period), so the reports are written meanwhile instead of after it.
// False when there is no outer process that takes a result (no namespace, or
// no `publish`): the caller publishes it itself. Call it once.
bool hand_over_result(int status, const std::string& scorecard);

// The host pid of a process of the check's namespace (for the scorecard), or
// nullopt when not isolated or not found.
std::optional<pid_t> host_pid_of(pid_t pid);

// Whether the check's pids cgroup holds no task but init and the checker:
// exact, counting a process mid-fork and a zombie not yet reaped, which a scan
// of /proc can miss. nullopt without a joined cgroup.
std::optional<bool> only_checker_left();

// --no-isolation: daemoncheck forks, and the calling process becomes the
// keeper, a child subreaper that waits for the checker (forwarding
// SIGINT/SIGTERM/SIGHUP/SIGQUIT) and does not return. When the checker dies,
// even of a SIGKILL the target sent it, what the target left is re-parented to
// the keeper, which kills and reaps it, removes the checker's marked temp
// folders and exits with the checker's status (128+signal when it was
// killed). The checker gets SIGHUP should the keeper die first. A root target
// that finds and kills the keeper as well can still outlive the check: only
// the PID namespace protects against that. Returns in the checker; returns
// without forking when the keeper cannot be set up.
void enter_keeper();

// Sets every catchable signal the checker does not use to SIG_IGN, so that a
// target signalling its parent (the checker, in the race trials and once
// re-parented) cannot end it. Children reset their dispositions before exec.
void ignore_unused_signals();

}  // namespace dc
