// Reads one process's state from /proc into the plain records the rules read.
// Only this file and the launcher touch /proc; parsing is in proc_parse.h.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "model/observation.h"
#include "parse/proc_parse.h"

namespace dc::observe {

// Everything the per-daemon rules need about pid. Parts that cannot be read
// are listed in DaemonFacts::errors. `canary` is searched for in memory when
// the environ block was rewritten.
DaemonFacts observe_daemon(pid_t pid, const std::string& canary_value);

// The pidfile at path, read without following a symbolic link, and the locks
// on its inode held through `holders` (see locks_on; 0: the checker).
PidfileState read_pidfile(const std::string& path, pid_t holders = 0);

// Only the pid a regular pidfile at path holds, if any: no lock lookup, for
// the waits that poll it.
std::optional<pid_t> pidfile_pid(const std::string& path);

// Pidfile discovery (rules.md): a regular file the daemon holds a lock on
// (or a lock whose inode the daemon has open), else a *.pid file in the usual
// places that holds the daemon's pid, else (when `places` has /run) such a
// file one folder down in /run, written since the daemon started
// (/run/NAME/NAME.pid). Returns path and how it was found.
// `holders` as for read_pidfile.
std::optional<PidfileFacts> discover_pidfile(const DaemonFacts& d,
                                             const std::vector<std::string>& places,
                                             pid_t holders = 0);

// The locks on (dev, ino) that `holders` (a process other than the checker:
// an attached daemon) or its live descendants hold or hold open, read from
// their /proc/PID/fdinfo (one entry per lock, numbered like /proc/locks
// lines); holders 0 means the checker's descendants. A lock nobody there
// holds open is not seen.
std::vector<LockLine> locks_on(unsigned long long dev, unsigned long long ino, pid_t holders = 0);

// A cheap summary of the state settle() compares between two reads: session,
// group, terminal, cwd, umask, descriptors (their numbers, and where 0, 1
// and 2 point), signal masks.
std::string fingerprint(pid_t pid);

}  // namespace dc::observe
