// Signal mask, dispositions, and the self-pipe that carries mapped signals.
#include "daemonize/signals.h"

#include <unistd.h>

#include <atomic>

namespace daemonize {

namespace {

// The write end of the installed SignalEvents' pipe; -1 when none.
std::atomic<int> g_signal_pipe{-1};

void on_signal(int signo) {
  const int saved_errno = errno;  // the interrupted code may be reading errno
  const unsigned char byte = static_cast<unsigned char>(signo);
  const int fd = g_signal_pipe.load();
  if (fd >= 0) (void)!::write(fd, &byte, 1);  // full pipe: a wakeup is already pending
  errno = saved_errno;
}

Result<void> set_action(int signo, SignalAction action) {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = action == SignalAction::ignore ? SIG_IGN : SIG_DFL;
  if (action == SignalAction::notify) {
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
  }
  if (::sigaction(signo, &sa, nullptr) != 0) {
    return os_error("sigaction", "signal " + std::to_string(signo));
  }
  return {};
}

}  // namespace

SignalMap default_signal_map() {
  return {{SIGTERM, SignalAction::notify},
          {SIGTSTP, SignalAction::ignore},
          {SIGTTIN, SignalAction::ignore},
          {SIGTTOU, SignalAction::ignore}};
}

Result<void> reset_signal_mask() {
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) return os_error("sigprocmask", "");
  return {};
}

Result<void> reset_signal_dispositions() {
  // _NSIG is one more than the highest signal number (64 on Linux).
  for (int signo = 1; signo < _NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;  // cannot be changed
    // glibc reserves two real-time signals for its threads (EINVAL): skip them.
    if (auto reset = set_action(signo, SignalAction::reset);
        !reset && reset.error().err != EINVAL) {
      return reset;
    }
  }
  return {};
}

Result<SignalEvents> SignalEvents::install(const SignalMap& map) {
  auto pipe = make_pipe(O_CLOEXEC | O_NONBLOCK);
  if (!pipe) return pipe.error();
  SignalEvents events;
  events.pipe_ = std::move(*pipe);
  g_signal_pipe.store(events.pipe_.write.get());
  for (const auto& [signo, action] : map) {
    if (auto set = set_action(signo, action); !set) return set.error();
  }
  return events;
}

SignalEvents& SignalEvents::operator=(SignalEvents&& other) noexcept {
  if (this != &other) {
    release();
    pipe_ = std::move(other.pipe_);
  }
  return *this;
}

void SignalEvents::release() {
  // Detach the handler before the pipe closes, so that a late signal never
  // writes into whatever file reuses the descriptor number.
  int mine = pipe_.write.get();
  if (mine >= 0) g_signal_pipe.compare_exchange_strong(mine, -1);
  pipe_ = Pipe{};
}

std::optional<int> SignalEvents::next() {
  unsigned char byte = 0;
  if (::read(pipe_.read.get(), &byte, 1) == 1) return byte;
  return std::nullopt;
}

}  // namespace daemonize
