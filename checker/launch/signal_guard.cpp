// The only place in the checker that sends signals (see signal_guard.h).
#include "launch/signal_guard.h"

#include <signal.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace dc {

bool send_signal(int pidfd, int sig) {
  if (pidfd < 0) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
}

bool forward_to_job(pid_t job_pgid, int sig) {
  if (job_pgid <= 1 || job_pgid == ::getpgrp()) return false;
  return ::kill(-job_pgid, sig) == 0;
}

}  // namespace dc
