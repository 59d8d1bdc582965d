// daemonize::open(): the whole sequence, run in a forked child that plays the
// launched program; the test process is the subreaper that inherits the daemon.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "daemonize/daemon.h"
#include "support.h"

namespace {

using reftest::in_child;
using reftest::pid_in;
using reftest::TempDir;

// In the daemon: wait for SIGTERM on the signal fd, then close.
int serve_until_sigterm(daemonize::Daemon& daemon) {
  pollfd signals{daemon.signal_fd(), POLLIN, 0};
  while (::poll(&signals, 1, -1) >= 0 || errno == EINTR) {
    while (const auto signo = daemon.next_signal()) {
      if (*signo == SIGTERM) return daemon.close() ? 0 : 1;
    }
  }
  return 1;
}

// Sends stderr to `path`, so the test can read what the original process said.
void stderr_to(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ::dup2(fd, 2);
  ::close(fd);
}

TEST(Open, OriginalProcessExitsZeroOnceTheDaemonIsReady) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const std::string pidfile = dir / "d.pid";
  const int status = in_child([&] {
    daemonize::Options options;
    options.pidfile = pidfile;
    auto daemon = daemonize::open(options);  // the original process exits in here
    if (!daemon) return 2;
    daemon->notify_ready();
    return serve_until_sigterm(*daemon);
  });
  ASSERT_EQ(0, status);

  // The pidfile held the daemon's pid, locked, by the time the original exited.
  const auto pid = pid_in(pidfile);
  ASSERT_TRUE(pid);
  EXPECT_TRUE(daemonize::inspect_pidfile(pidfile)->locked);
  EXPECT_TRUE(reftest::alive(*pid));
  EXPECT_NE(::getsid(0), ::getsid(*pid));               // a session of its own
  EXPECT_NE(*pid, ::getsid(*pid));                      // and not its leader
  EXPECT_EQ(0, reftest::stat_field(*pid, 7));           // no controlling terminal
  EXPECT_EQ(::getpid(), reftest::stat_field(*pid, 4));  // re-parented to us, the subreaper
  EXPECT_EQ("/", std::filesystem::read_symlink("/proc/" + std::to_string(*pid) + "/cwd"));

  ::kill(*pid, SIGTERM);
  EXPECT_TRUE(reftest::wait_for_exit(*pid));
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST(Open, ChrootThenChdirAndThePidfileIsStillRemoved) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  std::filesystem::create_directory(dir / "jail");
  std::filesystem::create_directory(dir / "jail/work");
  const std::string pidfile = dir / "d.pid";  // outside the jail
  ASSERT_EQ(0, in_child([&] {
              daemonize::Options options;
              options.pidfile = pidfile;
              options.chroot_directory = dir / "jail";
              options.working_directory = "/work";  // inside the jail
              auto daemon = daemonize::open(options);
              if (!daemon) return 2;
              daemon->notify_ready();
              return serve_until_sigterm(*daemon);
            }));
  const auto pid = pid_in(pidfile);
  ASSERT_TRUE(pid);
  const std::string proc = "/proc/" + std::to_string(*pid);
  EXPECT_EQ(dir / "jail", std::filesystem::read_symlink(proc + "/root"));
  EXPECT_EQ(dir / "jail/work", std::filesystem::read_symlink(proc + "/cwd"));
  ::kill(*pid, SIGTERM);
  EXPECT_TRUE(reftest::wait_for_exit(*pid));
  EXPECT_FALSE(std::filesystem::exists(pidfile));  // unlinked through the folder's descriptor
}

TEST(Open, AFailureInTheDaemonIsRelayedToTheOriginalProcess) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const std::string pidfile = dir / "d.pid";
  const int status = in_child([&] {
    stderr_to(dir / "stderr");
    daemonize::Options options;
    options.pidfile = pidfile;
    options.working_directory = dir / "no-such-folder";
    auto daemon = daemonize::open(options);  // chdir fails after the fork
    return daemon ? 0 : 2;
  });
  EXPECT_EQ(1, status);
  EXPECT_NE(std::string::npos,
            reftest::read_file(dir / "stderr")
                .find("chdir " + dir / "no-such-folder" + ": No such file or directory"));
  EXPECT_FALSE(std::filesystem::exists(pidfile));  // the daemon removed it as it left
}

TEST(Open, NotifyFailedReachesTheOriginalProcessWithItsStatus) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const int status = in_child([&] {
    stderr_to(dir / "stderr");
    auto daemon = daemonize::open(daemonize::Options{});
    if (!daemon) return 2;
    daemon->notify_failed(daemonize::Error{"bind", "port 80", EADDRINUSE, {}}, 7);
    return 0;
  });
  EXPECT_EQ(7, status);
  EXPECT_NE(std::string::npos,
            reftest::read_file(dir / "stderr").find("bind port 80: Address already in use"));
}

TEST(Open, DaemonExitingBeforeReadinessFailsTheStart) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const int status = in_child([&] {
    stderr_to(dir / "stderr");
    auto daemon = daemonize::open(daemonize::Options{});
    return daemon ? 0 : 2;  // the daemon returns without notify_ready()
  });
  EXPECT_EQ(1, status);
  EXPECT_NE(std::string::npos, reftest::read_file(dir / "stderr").find("before it reported"));
}

TEST(Open, SecondInstanceFailsBeforeForking) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const std::string pidfile = dir / "d.pid";
  auto first = daemonize::Pidfile::acquire(pidfile);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->write_pid(::getpid()));
  const int status = in_child([&] {
    daemonize::Options options;
    options.pidfile = pidfile;
    const pid_t before = ::getpid();
    auto daemon = daemonize::open(options);
    // Still the same process: the error comes back to the caller, unforked.
    return !daemon && daemonize::is_already_running(daemon.error()) && ::getpid() == before ? 3 : 4;
  });
  EXPECT_EQ(3, status);
  EXPECT_TRUE(reftest::children_of(::getpid()).empty());
  EXPECT_EQ(std::to_string(::getpid()) + "\n", reftest::read_file(pidfile));
}

TEST(Open, UnderSystemdStaysInTheForegroundAndSpeaksSdNotify) {
  TempDir dir;
  const std::string name = "@daemonize-test/open/" + std::to_string(::getpid());
  daemonize::UniqueFd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data() + 1, name.size() - 1);
  ASSERT_EQ(0, ::bind(socket.get(), reinterpret_cast<sockaddr*>(&address),
                      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())));
  const std::string pidfile = dir / "d.pid";
  const int status = in_child([&] {
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
    const pid_t self = ::getpid();
    daemonize::Options options;
    options.pidfile = pidfile;
    auto daemon = daemonize::open(options);
    if (!daemon || daemon->detached() || ::getpid() != self) return 2;
    if (pid_in(pidfile) != self || std::getenv("NOTIFY_SOCKET") != nullptr) return 3;
    daemon->notify_status("serving");
    daemon->notify_ready();
    return daemon->close() ? 0 : 4;
  });
  EXPECT_EQ(0, status);
  std::vector<std::string> messages;
  char buffer[256];
  for (ssize_t n; (n = ::recv(socket.get(), buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) {
    messages.emplace_back(buffer, static_cast<size_t>(n));
  }
  EXPECT_EQ((std::vector<std::string>{"STATUS=serving", "READY=1", "STOPPING=1"}), messages);
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST(Open, ExecHandsThePidfileAndItsLockToTheProgram) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const std::string pidfile = dir / "d.pid";
  const int status = in_child([&] {
    daemonize::Options options;
    options.pidfile = pidfile;
    auto daemon = daemonize::open(options);
    if (!daemon) return 2;
    auto failed = daemon->exec({"sleep", "1000"});  // PATH is searched
    daemon->notify_failed(failed.error(), 5);
    return 5;
  });
  ASSERT_EQ(0, status);
  const auto pid = pid_in(pidfile);
  ASSERT_TRUE(pid);
  EXPECT_EQ("sleep", reftest::read_file("/proc/" + std::to_string(*pid) + "/comm").substr(0, 5));
  const auto state = daemonize::inspect_pidfile(pidfile);
  EXPECT_TRUE(state->locked);
  EXPECT_TRUE(*daemonize::process_holds_lock(*pid, state->dev, state->ino));
}

TEST(Open, ExecFailureIsRelayedWithTheCallersStatus) {
  reftest::ProcessSweeper sweeper;
  TempDir dir;
  const int status = in_child([&] {
    stderr_to(dir / "stderr");
    daemonize::Options options;
    options.pidfile = dir / "d.pid";
    auto daemon = daemonize::open(options);
    if (!daemon) return 2;
    auto failed = daemon->exec({dir / "no-such-program"});
    daemon->notify_failed(failed.error(), 5);
    return 5;
  });
  EXPECT_EQ(5, status);
  EXPECT_NE(std::string::npos,
            reftest::read_file(dir / "stderr").find("No such file or directory"));
  EXPECT_TRUE(reftest::wait_for_removal(dir / "d.pid"));
}

}  // namespace
