// Isolation makes cleanup airtight even when the checker itself is killed
// with SIGKILL: the check runs inside a fresh PID namespace (and a mount
// namespace, for a /proc that shows it) under a small init. When daemoncheck
// dies, init (told by its parent-death signal) kills every process of the
// namespace, removes the check's temp folders and its cgroup, and exits,
// and the kernel kills whatever could remain. A pids cgroup caps how many
// processes the target can make. Where
// the kernel refuses (no root, no user namespaces), the checker falls back to
// the subreaper alone and says so in the scorecard.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace dc {

struct Isolation {
  bool pid_namespace = false;
  std::string cgroup;  // the pids cgroup, "" when none
  long pids_max = 0;   // its cap, 0 when none
  std::string note;    // why isolation is partial or absent
};

// Call once, early in main(), before any other process is started. In the
// calling process it does not return when isolation works: that process
// becomes the outer waiter (forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT) and
// exits with the check's status. It returns in the checker, which runs as pid 2
// of the new namespace under a small init.
Isolation enter_isolation(long pids_max);

// The host pid of a process of the check's namespace (for the scorecard), or
// nullopt when not isolated or not found.
std::optional<pid_t> host_pid_of(pid_t pid);

// Whether the check's pids cgroup holds no task but init and the checker:
// exact, counting a process mid-fork and a zombie not yet reaped, which a scan
// of /proc can miss. nullopt without a joined cgroup.
std::optional<bool> only_checker_left();

}  // namespace dc
