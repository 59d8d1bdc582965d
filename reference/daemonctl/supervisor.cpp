// The supervisor: spawn, forward, reap.
#include "supervisor.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "daemonize/process.h"
#include "keeper.h"

namespace daemonctl {

using daemonize::Error;
using daemonize::Result;

daemonize::SignalMap supervisor_signal_map() {
  daemonize::SignalMap map = daemonize::default_signal_map();
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD}) {
    map[signo] = daemonize::SignalAction::notify;
  }
  return map;
}

int start_failure_status(const Error& error) {
  if (error.step == "execute" && error.err == ENOENT) return 5;
  return error.err == EACCES || error.err == EPERM ? 4 : 1;
}

namespace {

// How long a command that ignores the SIGTERM of a failed start gets before
// SIGKILL: as long as it had to become ready, 5 s at most.
constexpr std::chrono::milliseconds kMaxStopGrace{5000};

// True when `pid` is `ancestor` or one of its descendants (its /proc ppid
// chain reaches it). The keeper is a subreaper, so a process the command
// started stays its descendant even after a double fork.
bool descends_from(pid_t pid, pid_t ancestor) {
  for (int depth = 0; pid > 1 && depth < 4096; ++depth, pid = daemonize::parent_of(pid)) {
    if (pid == ancestor) return true;
  }
  return false;
}

// 128 random bits, in hex: an abstract socket name nobody can bind first.
std::string random_name() {
  unsigned char bytes[16];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) return {};
  std::string hex;
  for (unsigned char byte : bytes) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", byte);
    hex += two;
  }
  return hex;
}

// One datagram and the pid the kernel vouches sent it (SO_PASSCRED), or 0.
std::optional<std::pair<std::string, pid_t>> receive_with_sender(int fd) {
  char buffer[4096];
  iovec data{buffer, sizeof buffer};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
  if (n < 0) return std::nullopt;
  pid_t sender = 0;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS) {
      ucred credentials{};
      std::memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
      sender = credentials.pid;
    }
  }
  return std::pair{std::string(buffer, static_cast<size_t>(n)), sender};
}

}  // namespace

Supervisor::Supervisor(daemonize::Daemon& daemon, std::vector<std::string> command,
                       std::vector<int> pass_fds,
                       std::optional<std::chrono::milliseconds> ready_timeout)
    : daemon_(daemon),
      command_(std::move(command)),
      pass_fds_(std::move(pass_fds)),
      ready_timeout_(ready_timeout) {}

int Supervisor::run() {
  // A subreaper: should the keeper itself be killed, the command's tree is
  // re-parented to us rather than to init, and swept.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  Result<void> started = ready_timeout_ ? open_notify_socket() : Result<void>();
  if (started) started = spawn();
  if (!started) {
    daemon_.notify_failed(started.error(), start_failure_status(started.error()));
    return start_failure_status(started.error());
  }
  if (ready_timeout_) {
    deadline_ = std::chrono::steady_clock::now() + *ready_timeout_;
  } else {
    ready_ = true;
    daemon_.notify_ready();
  }

  for (;;) {
    pollfd fds[2] = {{daemon_.signal_fd(), POLLIN, 0}, {notify_.get(), POLLIN, 0}};
    const int polled = ::poll(fds, notify_ ? 2 : 1, poll_timeout_ms());
    if (polled < 0 && errno != EINTR) return 1;
    if (polled == 0) on_deadline();
    if (fds[1].revents & POLLIN) read_notifications();
    while (const auto signo = daemon_.next_signal()) {
      if (*signo != SIGCHLD) {
        forward(*signo);
        continue;
      }
      int wstatus = 0;
      if (::waitpid(child_, &wstatus, WNOHANG) != child_) continue;
      kill_all_children();  // a killed keeper's orphans, re-parented to us
      if (child_ended(wstatus)) return finish();
    }
  }
}

void Supervisor::forward(int signo) {
  // A stop asked for during a reload must not be lost with the command that
  // was reloading: remember it, and start nothing again.
  stop_requested_ = stop_requested_ || signo == SIGTERM || signo == SIGINT;
  hup_forwarded_ = hup_forwarded_ || signo == SIGHUP;
  ::kill(child_, signo);  // our unreaped child: its pid cannot have been reused
}

int Supervisor::finish() {
  // The pidfile goes first: once `start` has returned, status must say so.
  (void)daemon_.close();
  if (failure_) daemon_.notify_failed(*failure_, 1);
  return exit_status_;
}

int Supervisor::poll_timeout_ms() const {
  if (ready_ || !deadline_) return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, 60'000));
}

void Supervisor::on_deadline() {
  if (ready_ || !deadline_ || std::chrono::steady_clock::now() < *deadline_) return;
  if (timed_out_) {
    killed_ = true;
    ::kill(child_, SIGKILL);  // it ignored SIGTERM; its orphans come to us
    deadline_.reset();
    return;
  }
  timed_out_ = true;
  ::kill(child_, SIGTERM);  // our unreaped child: its pid cannot have been reused
  deadline_ = std::chrono::steady_clock::now() + std::min(*ready_timeout_, kMaxStopGrace);
}

bool Supervisor::child_ended(int wstatus) {
  if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGHUP && hup_forwarded_ && ready_ &&
      !stop_requested_) {
    hup_forwarded_ = false;  // reload by restart
    if (spawn()) return false;
  }
  exit_status_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  if (timed_out_) {
    const auto waited = std::chrono::duration<double>(*ready_timeout_).count();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g s", waited);
    failure_ = Error{"run", command_[0], ETIMEDOUT,
                     std::string("sent no READY=1 within ") + seconds + "; stopped it" +
                         (killed_ ? " with SIGKILL (it ignored SIGTERM)" : "")};
  } else if (!ready_) {
    failure_ =
        Error{"run", command_[0], 0,
              "exited with status " + std::to_string(exit_status_) + " before it sent READY=1"};
  }
  return true;
}

Result<void> Supervisor::spawn() {
  auto exec_status = daemonize::make_pipe(O_CLOEXEC);
  if (!exec_status) return exec_status.error();
  CommandLine command{command_, {}, pass_fds_, daemon_.pidfile().fd(), exec_status->write.get()};
  for (char** entry = environ; *entry != nullptr; ++entry) command.env.emplace_back(*entry);
  if (notify_) command.env.push_back("NOTIFY_SOCKET=" + notify_name_);

  // Block every signal across fork: the keeper reads them from a signalfd,
  // and until then a signal must neither be lost nor run our handler in it.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  const pid_t supervisor = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) keep(supervisor, command);
  const int fork_errno = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (child < 0) return daemonize::os_error("fork", command_[0], fork_errno);

  // The pipe is close-on-exec: EOF means exec succeeded, an errno means it failed.
  exec_status->write.reset();
  int err = 0;
  ssize_t n;
  while ((n = ::read(exec_status->read.get(), &err, sizeof err)) < 0 && errno == EINTR) {
  }
  if (n == sizeof err) {
    ::waitpid(child, nullptr, 0);
    return daemonize::os_error("execute", command_[0], err);
  }
  child_ = child;
  return {};
}

Result<void> Supervisor::open_notify_socket() {
  // An abstract socket (no file to create, clean up or protect) under a
  // random name, so that nobody can bind it first. Anyone may still send to
  // it: read_notifications() checks who did.
  notify_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int on = 1;
  if (!notify_ || ::setsockopt(notify_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    return daemonize::os_error("open notify socket", "");
  }
  for (int attempt = 0;; ++attempt) {
    notify_name_ = "@daemonctl/notify/" + random_name();
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, notify_name_.data() + 1, notify_name_.size() - 1);
    const auto length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notify_name_.size());
    if (::bind(notify_.get(), reinterpret_cast<const sockaddr*>(&address), length) ==
        0) {  // NOLINT
      return {};
    }
    if (errno != EADDRINUSE || attempt == 8) {
      return daemonize::os_error("bind notify socket", notify_name_);
    }
  }
}

void Supervisor::read_notifications() {
  while (const auto received = receive_with_sender(notify_.get())) {
    // Only the command and what it started speak for it; anyone else on the
    // machine can reach an abstract socket.
    if (!descends_from(received->second, child_)) continue;
    const std::string& message = received->first;
    size_t at = 0;
    while (at < message.size()) {  // newline-separated assignments
      size_t end = message.find('\n', at);
      if (end == std::string::npos) end = message.size();
      const std::string line = message.substr(at, end - at);
      at = end + 1;
      if (line == "READY=1" && !ready_ && !timed_out_) {
        ready_ = true;
        daemon_.notify_ready();
      }
      if (line.starts_with("STATUS=")) daemon_.notify_status(line.substr(7));
    }
  }
}

}  // namespace daemonctl
