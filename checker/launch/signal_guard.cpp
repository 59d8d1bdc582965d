// The only place in the checker that sends signals (see signal_guard.h).
#include "launch/signal_guard.h"

#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "observe/process_tree.h"

namespace dc {

UniqueFd open_descendant_pidfd(pid_t pid) {
  if (pid <= 1) return UniqueFd();
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid()) return UniqueFd();
  // The pidfd pins one process. Check ancestry after opening, then check that
  // the pinned process is still alive: a live process keeps its pid, so the
  // /proc read in between was of that same process.
  if (!is_live_descendant(pid, ::getpid()) || !pidfd_alive(fd.get())) return UniqueFd();
  return fd;
}

bool send_signal(int pidfd, int sig) {
  if (pidfd < 0) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
}

bool forward_to_job(pid_t job_pgid, int sig) {
  if (job_pgid <= 1 || job_pgid == ::getpgrp()) return false;
  return ::kill(-job_pgid, sig) == 0;
}

bool pidfd_alive(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace dc
