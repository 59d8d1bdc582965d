// The supervisor: spawn, forward, reap.
#include "supervisor.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

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

// What a command that ignores the SIGTERM of a failed start gets before SIGKILL.
constexpr std::chrono::seconds kStopGrace{5};

}  // namespace

Supervisor::Supervisor(daemonize::Daemon& daemon, std::vector<std::string> command,
                       std::vector<int> pass_fds,
                       std::optional<std::chrono::milliseconds> ready_timeout)
    : daemon_(daemon),
      command_(std::move(command)),
      pass_fds_(std::move(pass_fds)),
      ready_timeout_(ready_timeout) {}

int Supervisor::run() {
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
        hup_forwarded_ = hup_forwarded_ || *signo == SIGHUP;
        ::kill(child_, *signo);  // our unreaped child: its pid cannot have been reused
        continue;
      }
      int wstatus = 0;
      if (::waitpid(child_, &wstatus, WNOHANG) == child_ && child_ended(wstatus)) {
        (void)daemon_.close();
        return exit_status_;
      }
    }
  }
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
    ::kill(child_, SIGKILL);  // it ignored SIGTERM for kStopGrace
    deadline_.reset();
    return;
  }
  timed_out_ = true;
  const auto waited = std::chrono::duration<double>(*ready_timeout_).count();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g s", waited);
  daemon_.notify_failed(Error{"run", command_[0], ETIMEDOUT,
                              std::string("sent no READY=1 within ") + seconds + "; stopped it"},
                        1);
  ::kill(child_, SIGTERM);  // our unreaped child: its pid cannot have been reused
  deadline_ = std::chrono::steady_clock::now() + kStopGrace;
}

bool Supervisor::child_ended(int wstatus) {
  if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGHUP && hup_forwarded_ && ready_) {
    hup_forwarded_ = false;  // reload by restart
    if (spawn()) return false;
  }
  exit_status_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  if (!ready_ && !timed_out_) {
    daemon_.notify_failed(
        Error{"run", command_[0], 0,
              "exited with status " + std::to_string(exit_status_) + " before it sent READY=1"},
        1);
  }
  return true;
}

Result<void> Supervisor::spawn() {
  auto exec_status = daemonize::make_pipe(O_CLOEXEC);
  if (!exec_status) return exec_status.error();
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  if (notify_) env.push_back("NOTIFY_SOCKET=" + notify_name_);
  std::vector<char*> argv, envp;
  for (std::string& arg : command_) argv.push_back(arg.data());
  for (std::string& entry : env) envp.push_back(entry.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  // Block every signal across fork: until the child has reset its handlers, a
  // signal would run ours in it and write into the supervisor's signal pipe.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  const pid_t supervisor = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    // The command starts clean: default dispositions (not even the job control
    // signals ignored), nothing blocked, and killed if the supervisor is killed
    // without the chance to forward anything (SIGKILL), so it never runs on
    // unsupervised, without a pidfile, beside a second instance.
    (void)daemonize::reset_signal_dispositions();
    (void)daemonize::reset_signal_mask();
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != supervisor) ::_exit(127);
    for (int fd : pass_fds_) ::fcntl(fd, F_SETFD, 0);
    ::execvpe(argv[0], argv.data(), envp.data());
    const int err = errno;  // the exec status pipe tells the supervisor why
    (void)!::write(exec_status->write.get(), &err, sizeof err);
    ::_exit(127);
  }
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
  // An abstract socket: no file to create, clean up or protect.
  notify_name_ = "@daemonctl/notify/" + std::to_string(::getpid());
  notify_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, notify_name_.data() + 1, notify_name_.size() - 1);
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notify_name_.size());
  if (!notify_ ||
      ::bind(notify_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {  // NOLINT
    return daemonize::os_error("bind notify socket", notify_name_);
  }
  return {};
}

void Supervisor::read_notifications() {
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(notify_.get(), buffer, sizeof buffer, 0)) > 0) {
    const std::string message(buffer, static_cast<size_t>(n));
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
