// Building blocks of the hand-made Observations that the rule tests, the
// report tests and the benchmarks judge: the facts a real run records, with
// made-up pids, devices and inodes. No process is started.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "model/observation.h"

namespace dc::sample {

inline ExitInfo exited(pid_t pid, int status, double at_ms) {
  ExitInfo e;
  e.pid = pid;
  e.exit_status = status;
  e.at_ms = at_ms;
  return e;
}

inline ExitInfo killed(pid_t pid, int sig, double at_ms) {
  ExitInfo e;
  e.pid = pid;
  e.signal = sig;
  e.at_ms = at_ms;
  return e;
}

// The dirty launch as the checker records it: the session holder `holder`
// leads the session on /dev/pts/7, the target is holder + 1 and leads its job,
// the checker is holder - 1; umask 047, a file (2049:11) and a pipe (14:12)
// planted at fds 3 and 9, SIGUSR2 blocked, SIGRTMIN+3 ignored, the canary set.
// The target exited 0 after exit_ms.
inline LaunchFacts planted_launch(const std::string& tmp, pid_t holder, double exit_ms) {
  LaunchFacts l;
  l.tmp_dir = tmp;
  l.checker_pid = holder - 1;
  l.holder_pid = holder;
  l.launch_sid = holder;
  l.launched_pid = holder + 1;
  l.job_pgid = holder + 1;
  l.pty_path = "/dev/pts/7";
  l.pty_rdev = makedev(136, 7);
  l.umask = 047;
  l.planted_fds = {{3, "file", tmp + "/.daemoncheck-inherited-1", 2049, 11},
                   {9, "pipe", "pipe:[12]", 14, 12}};
  l.blocked_signals = {SIGUSR2};
  l.ignored_signals = {SIGRTMIN + 3};
  l.canary_name = "DAEMONCHECK_CANARY";
  l.canary_value = "v";
  l.launched_exit = exited(holder + 1, 0, exit_ms);
  return l;
}

// Descriptors 0, 1 and 2 on `target` (a character device `rdev`).
inline std::vector<FdFact> stdio_on(const std::string& target, unsigned long long rdev,
                                    unsigned mode) {
  std::vector<FdFact> fds;
  for (int fd = 0; fd < 3; ++fd) fds.push_back({fd, target, 5, 4, rdev, S_IFCHR | mode, true});
  return fds;
}

inline std::vector<FdFact> stdio_on_dev_null() {
  return stdio_on("/dev/null", makedev(1, 3), 0666);
}

// A pidfile that holds `pid` and carries an OFD write lock (inode 2049:ino).
inline PidfileState locked_pidfile(pid_t pid, unsigned long long ino) {
  PidfileState s;
  s.exists = true;
  s.regular = true;
  s.content = std::to_string(pid) + "\n";
  s.pid = pid;
  s.dev = 2049;
  s.ino = ino;
  s.locks = {"1: OFDLCK ADVISORY  WRITE -1 08:01:" + std::to_string(ino) + " 0 EOF"};
  s.lock_pids = {-1};
  return s;
}

}  // namespace dc::sample
