// See process.h.
#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace dc::test {
namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<long>(left.count(), 0, 1 << 30));
}

int decode(int wstatus) {
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

[[noreturn]] void exec_child(const Spawn& spawn, int out, int err) {
  const int null = ::open("/dev/null", O_RDONLY);
  if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
  if (null > 2) ::close(null);
  if (spawn.in_child) {
    if (int status = spawn.in_child(); status != 0) ::_exit(status);
  }
  std::vector<char*> argv, envp;
  for (const auto& a : spawn.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (spawn.env) {
    for (const auto& e : *spawn.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  ::execve(argv[0], argv.data(), spawn.env ? envp.data() : environ);
  dprintf(2, "exec %s: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

// Reads both pipes until both are at end of file or the deadline passes.
void drain(int out, int err, Captured& c, Clock::time_point deadline) {
  pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  std::string* sinks[2] = {&c.out, &c.err};
  for (int open_ends = 2; open_ends > 0;) {
    const int wait_ms = millis_left(deadline);
    if (wait_ms <= 0) break;
    if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[65536];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_ends;
      }
    }
  }
  for (const pollfd& f : fds)
    if (f.fd >= 0) ::close(f.fd);
}

// Reaps our child `pid`, waiting for its exit on a pidfd and killing it
// (SIGKILL) when it is still running at the deadline.
void reap(pid_t pid, Captured& c, Clock::time_point deadline) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd exited{pidfd, POLLIN, 0};
    while (::poll(&exited, 1, millis_left(deadline)) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
  }
  int wstatus = 0;
  pid_t done;
  while ((done = ::waitpid(pid, &wstatus, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (done == 0) {
    c.timed_out = true;
    ::kill(pid, SIGKILL);  // our own unreaped child: the pid cannot have been reused
    while ((done = ::waitpid(pid, &wstatus, 0)) < 0 && errno == EINTR) {
    }
  }
  if (done == pid) c.status = decode(wstatus);
}

}  // namespace

Captured run_captured(const Spawn& spawn) {
  Captured c;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return c;
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return c;
  }
  const auto deadline = Clock::now() + spawn.timeout;
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(spawn, out[1], err[1]);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    c.err = std::string("fork: ") + std::strerror(errno);
    return c;
  }
  c.pid = pid;
  if (spawn.started) spawn.started(pid);
  drain(out[0], err[0], c, deadline);
  reap(pid, c, deadline);
  return c;
}

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& changes) {
  std::map<std::string, std::optional<std::string>> change(changes.begin(), changes.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (!change.count(entry.substr(0, entry.find('=')))) env.push_back(entry);
  }
  for (const auto& [key, value] : changes)
    if (value) env.push_back(key + "=" + *value);
  return env;
}

}  // namespace dc::test
