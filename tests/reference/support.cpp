// Test support: folders, launches, bounded waits, and the process sweeper.
#include "support.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
extern "C" {  // glibc 2.36's <sys/pidfd.h> lacks it
#include <sys/pidfd.h>
}

#include "daemonize/notify.h"
#include "proc_children.h"
#include "process.h"

namespace reftest {

namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<long>(0, left.count()));
}

int decode(int wstatus) {
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

// Waits for our child `pid` and returns its status; SIGKILL after `timeout`.
int reap(pid_t pid, std::chrono::milliseconds timeout) {
  if (!wait_for_exit(pid, timeout)) ADD_FAILURE() << "pid " << pid << " still running; killed";
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return decode(wstatus);
}

// Waits on inotify events for `dir` until `done()` or `timeout`.
bool wait_on_folder(const std::string& dir, const std::function<bool()>& done,
                    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  ::inotify_add_watch(
      fd, dir.c_str(),
      IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM);
  bool ok = done();
  while (!ok && Clock::now() < deadline) {
    pollfd event{fd, POLLIN, 0};
    ::poll(&event, 1, millis_left(deadline));
    char drain[4096];
    while (::read(fd, drain, sizeof drain) > 0) {
    }
    ok = done();
  }
  ::close(fd);
  return ok;
}

}  // namespace

ProcessSweeper::ProcessSweeper() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

ProcessSweeper::~ProcessSweeper() {
  // Killing a supervisor re-parents its child to us: repeat until none is left.
  for (int round = 0; round < 20; ++round) {
    const std::vector<pid_t> children = children_of(::getpid());  // zombies too: reaped here
    if (children.empty()) break;
    for (pid_t child : children) ::kill(child, SIGKILL);
    for (pid_t child : children) ::waitpid(child, nullptr, 0);
  }
}

namespace {

// The dirty launch's planting, in the child before exec; `leak` is the write
// end of the pipe it leaks.
int plant(const Launch& launch, int leak) {
  ::setpgid(0, 0);  // a job of its own, as a shell starts it
  if (launch.dirty) {
    ::umask(047);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    ::sigprocmask(SIG_BLOCK, &blocked, nullptr);
    ::signal(SIGRTMIN + 3, SIG_IGN);
    ::dup2(::open("/etc/hostname", O_RDONLY), 20);  // leaked, not close-on-exec
    ::dup2(leak, 21);
  }
  if (!launch.cwd.empty() && ::chdir(launch.cwd.c_str()) != 0) return 126;
  return 0;
}

}  // namespace

Finished run(const Launch& launch) {
  int leak[2];  // the leaked pipe: its write end goes to the target as fd 21
  if (::pipe2(leak, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  Finished finished;
  struct stat leaked {};
  ::fstat(leak[1], &leaked);
  finished.leaked_pipe = leaked.st_ino;
  std::vector<std::string> env = launch.env;
  if (launch.dirty) env.push_back(launch.canary);
  // Both outputs are read until EOF: every holder of the write ends must have
  // let go by then (a daemon that kept its launcher's stdout would hold us up
  // to the deadline, and fail its test).
  const dc::test::Captured ran = dc::test::run_captured({
      .argv = launch.argv,
      .env = env,
      .in_child = [&] { return plant(launch, leak[1]); },
      .started =
          [&](pid_t) {
            ::close(leak[0]);
            ::close(leak[1]);
          },
      .timeout = kTimeout,
  });
  if (ran.timed_out) ADD_FAILURE() << launch.argv[0] << " still running after the timeout; killed";
  finished.status = ran.status;
  finished.out = ran.out;
  finished.err = ran.err;
  return finished;
}

int in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    int status = 99;
    try {
      status = body();
    } catch (...) {
    }
    if (testing::Test::HasFailure()) status = 99;
    ::_exit(status);
  }
  return reap(pid, kTimeout);
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const int pidfd = ::pidfd_open(pid, 0);
  if (pidfd < 0) return errno == ESRCH;
  pollfd exited{pidfd, POLLIN, 0};
  const auto deadline = Clock::now() + timeout;
  int ready;
  while ((ready = ::poll(&exited, 1, millis_left(deadline))) < 0 && errno == EINTR) {
  }
  ::close(pidfd);
  return ready > 0;
}

bool wait_for_content(const std::string& path, const std::string& text,
                      std::chrono::milliseconds timeout) {
  return wait_on_folder(
      std::filesystem::path(path).parent_path(),
      [&] { return read_file(path).find(text) != std::string::npos; }, timeout);
}

bool wait_for_removal(const std::string& path, std::chrono::milliseconds timeout) {
  return wait_on_folder(
      std::filesystem::path(path).parent_path(), [&] { return !std::filesystem::exists(path); },
      timeout);
}

std::string read_file(const std::string& path) {
  return dc::test::read_whole(path);
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string status_field(pid_t pid, const std::string& name) {
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(name + ":"))
      return line.substr(line.find_first_not_of(" \t", name.size() + 1));
  }
  return "";
}

long stat_field(pid_t pid, int number) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;  // gone
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  for (int at = 3; at <= number && fields >> field; ++at) {
    if (at == number) return std::stol(field);
  }
  return -1;
}

std::vector<std::string> environ_of(pid_t pid) {
  std::vector<std::string> entries;
  std::istringstream block(read_file("/proc/" + std::to_string(pid) + "/environ"));
  for (std::string entry; std::getline(block, entry, '\0');) {
    if (!entry.empty()) entries.push_back(entry);
  }
  return entries;
}

bool alive(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

std::vector<pid_t> children_of(pid_t pid) {
  return dc::test::children_of(pid, dc::test::Zombies::Include);
}

std::optional<pid_t> pid_in(const std::string& pidfile) {
  const std::string content = read_file(pidfile);
  if (content.empty() || content.find_first_not_of("0123456789\n") != std::string::npos) {
    return std::nullopt;
  }
  const pid_t pid = std::stoi(content);
  return pid > 1 ? std::optional<pid_t>(pid) : std::nullopt;  // never a group, never init
}

std::string daemonctl_path() {
  return DAEMONCTL_PATH;
}
std::string example_daemon_path() {
  return EXAMPLE_DAEMON_PATH;
}

NotifyListener::NotifyListener() {
  static std::atomic<int> serial{0};
  address_ =
      "@daemonize-test/notify/" + std::to_string(::getpid()) + "/" + std::to_string(serial++);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, address_.data() + 1, address_.size() - 1);
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) != 0)  // NOLINT
    throw std::runtime_error("bind " + address_ + ": " + std::strerror(errno));
}

NotifyListener::~NotifyListener() {
  ::close(fd_);
}

std::optional<NotifyListener::Message> NotifyListener::next(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  pollfd readable{fd_, POLLIN, 0};
  for (;;) {
    const int ready = ::poll(&readable, 1, millis_left(deadline));
    if (ready < 0 && errno != EINTR) return std::nullopt;
    char buffer[4096];
    const ssize_t n = ready > 0 ? ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT) : -1;
    if (n >= 0)
      return Message{std::string(buffer, static_cast<size_t>(n)), daemonize::monotonic_usec()};
    if (Clock::now() >= deadline) return std::nullopt;
  }
}

std::optional<NotifyListener::Message> NotifyListener::next_starting(
    const std::string& prefix, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (auto message =
             next(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()))) {
    if (message->text.starts_with(prefix)) return message;
  }
  return std::nullopt;
}

}  // namespace reftest
