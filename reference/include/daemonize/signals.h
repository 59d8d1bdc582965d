// Signals: resetting what the daemon inherited (daemon(7) SysV steps 2 and 3)
// and python-daemon's signal map, delivered to a poll loop as readable bytes.
#pragma once

#include <csignal>
#include <map>
#include <optional>

#include "daemonize/error.h"
#include "daemonize/fd.h"

namespace daemonize {

enum class SignalAction {
  reset,   // SIG_DFL: the kernel's default action
  ignore,  // SIG_IGN
  notify,  // caught; its number is handed to the daemon's event loop (SignalEvents)
};
using SignalMap = std::map<int, SignalAction>;

// python-daemon's default: SIGTERM asks for an orderly shutdown, and the job
// control signals SIGTSTP, SIGTTIN and SIGTTOU, which a daemon without a
// terminal has no business obeying, are ignored. Every other signal keeps its
// default action.
SignalMap default_signal_map();

// Unblocks every signal. The mask is inherited through fork and exec, so a
// signal the launching shell blocked (a script's `trap`, a runtime that blocks
// SIGCHLD) would otherwise never reach the daemon.
Result<void> reset_signal_mask();

// Sets every signal's disposition to SIG_DFL. SIG_IGN is inherited through
// fork and exec: `nohup` ignores SIGHUP, a shell ignores SIGINT in background
// jobs, and a daemon that inherited SIG_IGN for SIGTERM could never be stopped.
Result<void> reset_signal_dispositions();

// Turns the signals that a map sends to `notify` into bytes on a pipe (the
// self-pipe trick): the handler only write()s, which is async-signal-safe, and
// the event loop polls fd() beside its other descriptors. Unlike signalfd, it
// leaves the signal mask empty, so children inherit nothing blocked.
// One per process: the handler writes to the pipe of the last one installed.
class SignalEvents {
 public:
  // Installs `map`: SIG_DFL, SIG_IGN or the handler, signal by signal.
  static Result<SignalEvents> install(const SignalMap& map);

  SignalEvents() = default;
  SignalEvents(SignalEvents&&) noexcept = default;
  SignalEvents& operator=(SignalEvents&& other) noexcept;
  ~SignalEvents() { release(); }

  int fd() const { return pipe_.read.get(); }  // readable when a signal is pending
  std::optional<int> next();                   // the next pending signal, if any

 private:
  void release();
  Pipe pipe_;
};

}  // namespace daemonize
