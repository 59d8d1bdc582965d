// The supervisor: the daemon of `daemonctl start` in its default mode. It runs
// the command as its child and stays its parent for the command's life: it
// forwards SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 to it, reaps it,
// removes the pidfile and exits with the command's status (128 + N when signal
// N killed it). It holds the pidfile and its lock; the command never sees them.
//
// SIGHUP means "reload": a command that handles it reloads itself; one that
// dies of it (the default action) is started again, which is how a program
// with no reload of its own is reloaded. The supervisor itself survives it. A
// stop (SIGTERM, SIGINT) that arrives while a reload is under way wins: the
// command is not started again.
//
// Between the supervisor and the command runs a keeper (keeper.h), which makes
// sure that nothing the command started outlives it or the supervisor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemonize/daemon.h"

namespace daemonctl {

// The signals the supervisor forwards, and SIGCHLD, which it needs to see.
daemonize::SignalMap supervisor_signal_map();

// LSB status for a command that could not be started: 5 "program is not
// installed" (not found), 4 "insufficient privilege", else 1.
int start_failure_status(const daemonize::Error& error);

class Supervisor {
 public:
  // `pass_fds` stay open in the command (--keep-fd). With a `ready_timeout`
  // the command gets a NOTIFY_SOCKET and the daemon is ready only once it (or
  // a process it started) sent READY=1 there (sd_notify), instead of as soon
  // as it was executed; a command that has not sent it within the timeout is
  // stopped (SIGTERM, and SIGKILL as long again later, 5 s at most), and only
  // then does the start fail.
  Supervisor(daemonize::Daemon& daemon, std::vector<std::string> command, std::vector<int> pass_fds,
             std::optional<std::chrono::milliseconds> ready_timeout);

  // Starts the command, reports readiness (or why it failed) through the
  // daemon, supervises, and returns the status to exit with.
  int run();

 private:
  daemonize::Result<void> spawn();
  daemonize::Result<void> open_notify_socket();
  void read_notifications();
  void forward(int signo);
  // The keeper, and with it the command, ended with `wstatus`: restarts it
  // (reload by restart) or returns true: supervision is over, with
  // exit_status_ and failure_ set.
  bool child_ended(int wstatus);
  // Ends supervision: the pidfile goes, then the waiting `start` is told.
  int finish();
  // How long poll() may sleep: until the next deadline, or for ever.
  int poll_timeout_ms() const;
  // Called when a deadline passed: the start has failed, the command stops.
  void on_deadline();

  daemonize::Daemon& daemon_;
  std::vector<std::string> command_;
  std::vector<int> pass_fds_;
  std::optional<std::chrono::milliseconds> ready_timeout_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // READY=1, then SIGKILL
  bool timed_out_ = false;
  bool killed_ = false;  // SIGKILL, after the command ignored SIGTERM
  bool ready_ = false;
  bool hup_forwarded_ = false;
  bool stop_requested_ = false;
  pid_t child_ = -1;  // the keeper
  int exit_status_ = 0;
  std::optional<daemonize::Error> failure_;  // why the start failed, if it did
  daemonize::UniqueFd notify_;               // our NOTIFY_SOCKET, with wait_for_ready
  std::string notify_name_;
};

}  // namespace daemonctl
