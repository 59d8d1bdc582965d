// Every signal the checker sends goes through this file. A process is named by
// a pidfd taken while it was a known descendant, never by a bare pid, so a
// stale or hostile pidfile can never make the checker signal a stranger; and
// no pid of 0, 1 or below ever reaches kill().
#pragma once

#include <sys/types.h>

#include "sys/fd.h"

namespace dc {

// pidfd_open() on a process that is, at the moment of opening, a descendant
// of this process. Returns an invalid fd when it is not (or no longer) one.
UniqueFd open_descendant_pidfd(pid_t pid);

// Sends sig through the pidfd. Returns false when the process is gone.
bool send_signal(int pidfd, int sig);

// The session holder's one group signal: what a shell does on hang-up. Refuses
// pgid <= 1 and the caller's own group.
bool forward_to_job(pid_t job_pgid, int sig);

// True while the process behind the pidfd has not exited.
bool pidfd_alive(int pidfd);

}  // namespace dc
