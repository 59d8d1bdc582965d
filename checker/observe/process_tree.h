// A view of the checker's descendants, read from /proc. The checker is a child
// subreaper, so everything the target starts stays below it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "sys/fd.h"

namespace dc {

struct ProcEntry {
  pid_t pid = 0, ppid = 0, pgrp = 0, sid = 0;
  char state = '?';
  std::string comm;
};

// Every process whose chain of parents reaches `root` (root itself excluded).
// Zombies are included with state 'Z'.
std::vector<ProcEntry> descendants_of(pid_t root);

// The live (non-zombie) descendants of root, but those in `except`.
std::vector<pid_t> live_descendants_of(pid_t root, const std::vector<pid_t>& except);

// The checker's live (non-zombie) descendants, but those in `except`.
std::vector<pid_t> live_descendants(const std::vector<pid_t>& except);

// True when pid is a live (non-zombie) descendant of root.
bool is_live_descendant(pid_t pid, pid_t root);

// The /proc/PID/stat of one process, or nullopt when it is gone or unreadable.
// A process whose main thread has exited while other threads run (its leader
// a zombie) is alive: its state is then a live thread's.
std::optional<ProcEntry> read_proc_entry(pid_t pid);

// A thread of pid that has not exited (the leader itself when it runs), or
// nullopt when every thread has exited. Per-process files (fd, cwd, root,
// environ) of a process whose leader exited are read through such a thread.
std::optional<pid_t> live_thread_of(pid_t pid);

// True when every thread of pid is asleep or stopped (/proc/PID/task/*/stat
// state S, T or t): none is running, so the process is waiting for something
// rather than in the middle of work such as a signal handler or an exec.
// False when pid is gone or unreadable.
bool all_threads_waiting(pid_t pid);

// pidfd_open() on a process that is, at the moment of opening, a descendant
// of this process. Returns an invalid fd when it is not (or no longer) one.
// The only way the checker names a process it will wait for or signal.
UniqueFd open_descendant_pidfd(pid_t pid);

// True while the process behind the pidfd has not exited.
bool pidfd_alive(int pidfd);

}  // namespace dc
