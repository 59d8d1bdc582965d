// status and stop: finding the daemon a pidfile names, by the pidfile *and
// its lock*, never by searching the process list (the seed's `ps aux | grep`
// matches the wrong process and races), and never trusting a bare pid.
#pragma once

#include <chrono>
#include <string>

namespace daemonctl {

// An outcome: what to print, and the LSB exit status.
struct Outcome {
  int status = 0;
  std::string message;
  bool is_error = false;  // print on stderr rather than stdout
};

// LSB status: 0 running, 1 dead but the pidfile exists, 3 not running, 4 unknown.
Outcome status(const std::string& pidfile);

// SIGHUP to the daemon that holds the pidfile's lock (the supervisor passes
// it on to CMD): 0 when sent, 7 when it is not running (LSB: a stale pidfile's
// pid is never signalled), 4 when the file cannot be read.
Outcome reload(const std::string& pidfile);

// SIGTERM, wait up to `timeout` (pidfd), then SIGKILL. 0 also when it was not
// running; 1 when it could not be stopped; 4 without the privilege to.
Outcome stop(const std::string& pidfile, std::chrono::milliseconds timeout);

}  // namespace daemonctl
