// daemonize::open(): turn the calling process into a well-behaved daemon, in
// one call, the way python-daemon's DaemonContext.open() does (PEP 3143), plus
// what systemd's daemon(7) "SysV Daemons" recipe asks that python-daemon
// leaves out: signal and environment resets and a readiness handshake.
//
//   daemonize::Options options;
//   options.pidfile = "/run/mydaemon.pid";
//   auto daemon = daemonize::open(options);  // the original process exits in here
//   if (!daemon) { report(daemon.error().message()); return 1; }
//   ... set up, then daemon->notify_ready(); and poll daemon->signal_fd() ...
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemonize/environment.h"
#include "daemonize/error.h"
#include "daemonize/fd.h"
#include "daemonize/pidfile.h"
#include "daemonize/signals.h"

namespace daemonize {

// Where one of stdin, stdout, stderr goes.
struct Stream {
  enum class Kind {
    automatic,    // /dev/null when detaching; otherwise kept: systemd's journal or
                  // inetd's socket were handed over on purpose
    null_device,  // /dev/null
    file,         // `path`, opened for appending (stdin: for reading), created 0640
    descriptor,   // `fd`, an open descriptor of the caller's
  };
  Kind kind = Kind::automatic;
  std::string path;
  int fd = -1;

  static Stream null_device() { return {Kind::null_device, {}, -1}; }
  static Stream file(std::string path) { return {Kind::file, std::move(path), -1}; }
  static Stream descriptor(int fd) { return {Kind::descriptor, {}, fd}; }
};

// The options of PEP 3143's DaemonContext, under its names where it has one.
struct Options {
  // chdir() here (after chroot): a process's working directory keeps its file
  // system busy, so a daemon left in /home/alice/tmp prevents unmounting it.
  std::string working_directory = "/";
  // chroot() here first, when not empty; the directory must be set up for it.
  std::string chroot_directory;
  // The daemon's own umask, not whatever the launching shell had: with 0 each
  // open() and mkdir() states the exact mode it wants.
  mode_t umask = 0;
  // Who to become, once nothing needs privilege (see resolve_credentials).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  bool initgroups = false;
  // RLIMIT_CORE 0: no core file with a root daemon's secrets in it.
  bool prevent_core = true;
  // Fork into the background? Unset: automatic (see should_detach()).
  std::optional<bool> detach_process;
  // Descriptors to keep open; every other one above 2 is closed.
  std::vector<int> files_preserve;
  // What stdin, stdout and stderr become.
  Stream stdin_to, stdout_to, stderr_to;
  // How each signal is handled; every signal not in the map gets SIG_DFL.
  SignalMap signal_map = default_signal_map();
  // The pidfile, when not empty: created, locked, and holding the daemon's pid
  // before the original process exits.
  std::string pidfile;
  // The variables that survive the scrub, and "NAME=VALUE" ones to set.
  std::vector<std::string> env_allow = default_env_allow();
  std::vector<std::string> env_set;
};

class Daemon;

// Becomes a daemon. The sequence, each step commented with its reason, is in
// daemon.cpp. When detaching, the calling process never returns from here: it
// waits until the daemon calls notify_ready() (then exits 0) or
// notify_failed() (then prints the daemon's error and exits non-zero); open()
// returns in the daemon. An Error returned from open() is always returned in
// the process that called it, before it forked (another instance running, a
// pidfile that cannot be created): print it and exit non-zero. A step that
// fails in the daemon itself is relayed to the original process in the same
// way, and the daemon exits.
Result<Daemon> open(const Options& options);

// The running daemon: its pidfile, its signals, and the channels on which it
// reports readiness. Destroying it (or close()) ends the daemon's tenure:
// systemd is told STOPPING=1 and the pidfile is removed.
class Daemon {
 public:
  Daemon(Daemon&& other) noexcept { *this = std::move(other); }
  Daemon& operator=(Daemon&& other) noexcept;  // `other` is left closed
  ~Daemon() { (void)close(); }

  bool detached() const { return detached_; }
  const Pidfile& pidfile() const { return pidfile_; }

  // Readable when a signal the map sends to `notify` arrived; next_signal()
  // returns them one by one. Poll it beside the daemon's other descriptors.
  int signal_fd() const { return signals_.fd(); }
  std::optional<int> next_signal() { return signals_.next(); }

  // daemon(7) step 14: the daemon is ready to serve. The original process
  // exits 0 (step 15), and under systemd READY=1 is sent.
  void notify_ready();
  // The daemon could not start: the original process prints `error` and exits
  // with `exit_status`; without one, it goes to stderr.
  void notify_failed(const Error& error, int exit_status = 1);
  // STATUS=... for `systemctl status`, when NOTIFY_SOCKET was set.
  void notify_status(std::string_view status);

  // Type=notify-reload: call when the reload signal (SIGHUP) arrives, before
  // re-reading the configuration, and notify_ready() once done. systemd sends
  // the signal and waits for these two messages: RELOADING=1 with the
  // CLOCK_MONOTONIC time the reload started (MONOTONIC_USEC=), then READY=1.
  void notify_reloading();

  // WatchdogSec=: how often systemd expects notify_watchdog() (half its
  // timeout), or nothing when no watchdog watches this process. Only the
  // process systemd started is watched, so a daemon that detached has none.
  std::optional<std::chrono::microseconds> watchdog_period() const;
  // WATCHDOG=1: "still alive". systemd kills a service that stays silent for
  // a whole timeout, so send it from the loop that does the work: a stuck
  // loop then stops feeding the watchdog.
  void notify_watchdog();

  // Replaces the daemon with a program (execvp: PATH is searched). The pidfile
  // stays open across exec, so its lock now belongs to the program, and the
  // original process exits 0 once exec succeeded. Under systemd the program
  // is the service's main process now, and gets NOTIFY_SOCKET, WATCHDOG_USEC
  // and WATCHDOG_PID back. Returns only on failure.
  Result<void> exec(const std::vector<std::string>& argv,
                    const std::vector<std::string>& extra_env = {});

  // STOPPING=1, and the pidfile removed. Idempotent.
  Result<void> close();

 private:
  friend Result<Daemon> open(const Options& options);
  Daemon() = default;
  // A step failed in the daemon: relay it and exit, or return it when there is
  // no original process waiting.
  Error abandon(Error error);

  bool detached_ = false;
  bool closed_ = false;
  UniqueFd readiness_;         // the daemon's end of the readiness channel
  std::string notify_socket_;  // NOTIFY_SOCKET, read before the scrub removed it
  std::optional<std::chrono::microseconds> watchdog_;  // WATCHDOG_USEC, when it is ours
  Pidfile pidfile_;
  SignalEvents signals_;
};

}  // namespace daemonize
