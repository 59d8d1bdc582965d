// Every signal the checker sends goes through this file. A process is named by
// a pidfd taken while it was a known descendant, never by a bare pid, so a
// stale or hostile pidfile can never make the checker signal a stranger; and
// no pid of 0, 1 or below ever reaches kill(). The pidfds come from
// open_descendant_pidfd() (observe/process_tree.h).
#pragma once

#include <sys/types.h>

#include "sys/fd.h"

namespace dc {

// Sends sig through the pidfd. Returns false when the process is gone.
bool send_signal(int pidfd, int sig);

// The session holder's one group signal: what a shell does on hang-up. Refuses
// pgid <= 1 and the caller's own group.
bool forward_to_job(pid_t job_pgid, int sig);

}  // namespace dc
