// example-daemon, launched the way daemoncheck launches it (umask 047, leaked
// descriptors, a blocked and an ignored signal, a canary variable), checked
// against the same facts daemoncheck reads from /proc.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "daemonize/notify.h"
#include "daemonize/pidfile.h"
#include "process.h"
#include "support.h"

namespace {

using reftest::Launch;
using reftest::read_file;
using reftest::TempDir;

class ExampleDaemon : public testing::Test {
 protected:
  Launch launch(std::vector<std::string> extra = {"--interval-ms", "50"}) const {
    Launch launch;
    launch.argv = {reftest::example_daemon_path(), "--pidfile", pidfile, "--log", log};
    launch.argv.insert(launch.argv.end(), extra.begin(), extra.end());
    launch.dirty = true;
    launch.cwd = dir.path();
    return launch;
  }
  // Starts the daemon and returns its pid.
  pid_t start(std::vector<std::string> extra = {"--interval-ms", "50"}) {
    const auto started = reftest::run(launch(std::move(extra)));
    EXPECT_EQ(0, started.status) << started.err;
    EXPECT_EQ("", started.err);
    const auto pid = reftest::pid_in(pidfile);
    EXPECT_TRUE(pid);
    return pid.value_or(0);
  }
  void stop(pid_t pid) {
    ASSERT_GT(pid, 1);  // kill(0) or kill(-1) would hit the test runner
    ASSERT_EQ(0, ::kill(pid, SIGTERM));
    EXPECT_TRUE(reftest::wait_for_exit(pid, std::chrono::seconds(5)));
  }

  reftest::ProcessSweeper sweeper;
  TempDir dir;
  std::string pidfile = dir / "ex.pid", log = dir / "ex.log";
};

TEST_F(ExampleDaemon, IsReadyWhenTheLaunchedProcessExits) {
  const pid_t pid = start();
  ASSERT_GT(pid, 1);
  const auto state = daemonize::inspect_pidfile(pidfile);
  EXPECT_TRUE(state->locked);
  EXPECT_TRUE(*daemonize::process_holds_lock(pid, state->dev, state->ino));
  EXPECT_NE(std::string::npos, read_file(log).find("started"));
  stop(pid);
}

TEST_F(ExampleDaemon, UndoesEverythingTheDirtyLaunchPlanted) {
  Launch dirty = launch();
  const auto started = reftest::run(dirty);
  ASSERT_EQ(0, started.status) << started.err;
  const pid_t pid = reftest::pid_in(pidfile).value_or(0);
  ASSERT_GT(pid, 1);
  const std::string proc = "/proc/" + std::to_string(pid);
  EXPECT_NE(::getsid(0), ::getsid(pid));                                // new-session
  EXPECT_NE(pid, ::getsid(pid));                                        // double-fork
  EXPECT_EQ(0, reftest::stat_field(pid, 7));                            // no-controlling-tty
  EXPECT_EQ("/", std::filesystem::read_symlink(proc + "/cwd"));         // cwd-root
  EXPECT_EQ("0000", reftest::status_field(pid, "Umask"));               // umask-reset
  EXPECT_EQ("0000000000000000", reftest::status_field(pid, "SigBlk"));  // signal-mask-reset
  // signal-dispositions-reset: only SIGTSTP, SIGTTIN, SIGTTOU (bits 20-22) ignored.
  EXPECT_EQ("0000000000380000", reftest::status_field(pid, "SigIgn"));
  for (int fd = 0; fd <= 2; ++fd) {  // stdio-open, stdio-detached
    EXPECT_EQ("/dev/null", std::filesystem::read_symlink(proc + "/fd/" + std::to_string(fd)));
  }
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    const std::string target = std::filesystem::read_symlink(entry.path());
    EXPECT_NE("/etc/hostname", target);  // inherited-fds-closed: the leaked file
    EXPECT_NE("pipe:[" + std::to_string(started.leaked_pipe) + "]", target);  // and pipe
  }
  const auto env = reftest::environ_of(pid);  // env-sanitized, in the initial block
  EXPECT_TRUE(std::none_of(env.begin(), env.end(),
                           [](const auto& e) { return e.starts_with("DAEMONCHECK_CANARY="); }));
  EXPECT_NE(env.end(), std::find(env.begin(), env.end(), "LANG=C.UTF-8"));
  EXPECT_NE(std::string::npos, read_file(proc + "/limits").find("Max core file size        0"));
  stop(pid);
}

TEST_F(ExampleDaemon, SecondInstanceFailsAndLeavesTheFirstUntouched) {
  const pid_t pid = start();
  struct stat before {};
  ::stat(pidfile.c_str(), &before);
  const auto second = reftest::run(launch());
  EXPECT_EQ(1, second.status);
  EXPECT_NE(std::string::npos, second.err.find("already running as pid " + std::to_string(pid)))
      << second.err;
  struct stat after {};
  ::stat(pidfile.c_str(), &after);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(std::to_string(pid) + "\n", read_file(pidfile));
  EXPECT_TRUE(reftest::alive(pid));
  stop(pid);
}

TEST_F(ExampleDaemon, StalePidfileIsTakenOver) {
  reftest::write_file(pidfile, "999999\n");
  const pid_t pid = start();
  EXPECT_NE(999999, pid);
  stop(pid);
}

TEST_F(ExampleDaemon, LogsEveryIntervalAndReloadsOnSighup) {
  const std::string config = dir / "ex.conf";
  reftest::write_file(config, "message = first\n");
  const pid_t pid = start({"--config", config, "--interval-ms", "50"});
  ASSERT_GT(pid, 1);
  EXPECT_TRUE(reftest::wait_for_content(log, "first (tick 2)"));
  reftest::write_file(config, "# changed\nmessage = second\n");
  ASSERT_EQ(0, ::kill(pid, SIGHUP));
  EXPECT_TRUE(reftest::wait_for_content(log, "SIGHUP: reloaded configuration from " + config));
  EXPECT_TRUE(reftest::wait_for_content(log, "second (tick"));
  EXPECT_TRUE(reftest::alive(pid));  // sighup-handled
  stop(pid);
}

TEST_F(ExampleDaemon, SigtermStopsItAtOnceAndRemovesThePidfile) {
  const pid_t pid = start({"--interval-ms", "3600000"});  // an hour: SIGTERM must not wait for it
  const auto before = std::chrono::steady_clock::now();
  stop(pid);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  EXPECT_FALSE(std::filesystem::exists(pidfile));
  EXPECT_TRUE(reftest::children_of(pid).empty());
  EXPECT_NE(std::string::npos, read_file(log).find("stopping on SIGTERM"));
}

TEST_F(ExampleDaemon, BadConfigurationIsReportedOnTheTerminal) {
  reftest::write_file(dir / "bad.conf", "interval_ms = soon\n");
  auto bad = launch({"--config", dir / "bad.conf"});
  const auto finished = reftest::run(bad);
  EXPECT_EQ(1, finished.status);
  EXPECT_NE(std::string::npos, finished.err.find("bad line")) << finished.err;
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST_F(ExampleDaemon, ForegroundUnderSystemdSendsReady) {
  const std::string name = "@daemonize-test/example/" + std::to_string(::getpid());
  const int socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data() + 1, name.size() - 1);
  ASSERT_EQ(0, ::bind(socket, reinterpret_cast<sockaddr*>(&address),
                      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())));
  const timeval bound{std::chrono::seconds(reftest::kTimeout).count(), 0};
  ::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  // The launcher stays in the foreground: run() would wait for it, so stop it
  // with SIGTERM as soon as it says READY=1.
  Launch foreground = launch();
  foreground.env.push_back("NOTIFY_SOCKET=" + name);
  foreground.dirty = false;
  std::thread stopper([&] {
    char buffer[256];
    for (;;) {
      const ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
      if (n <= 0 || std::string(buffer, static_cast<size_t>(n)) == "READY=1") break;
    }
    if (const auto pid = reftest::pid_in(pidfile)) ::kill(*pid, SIGTERM);
  });
  const auto finished = reftest::run(foreground);
  stopper.join();
  ::close(socket);
  EXPECT_EQ(0, finished.status) << finished.err;
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

// Under systemd (Type=notify-reload, WatchdogSec=): runs the daemon in the
// foreground with NOTIFY_SOCKET and WATCHDOG_USEC, and hands each of its
// messages to `check` until it returns false; then stops the daemon.
void as_service(const Launch& base, const std::string& pidfile, const std::string& watchdog_usec,
                const std::function<bool(reftest::NotifyListener&, pid_t)>& check) {
  reftest::NotifyListener systemd;
  Launch service = base;
  service.dirty = false;
  service.env.push_back("NOTIFY_SOCKET=" + systemd.address());
  service.env.push_back("WATCHDOG_USEC=" + watchdog_usec);
  std::thread manager([&] {
    const auto ready = systemd.next_starting("READY=1");
    const auto pid = reftest::pid_in(pidfile);
    EXPECT_TRUE(ready && pid);
    if (ready && pid) {
      check(systemd, *pid);
      ::kill(*pid, SIGTERM);
      EXPECT_TRUE(systemd.next_starting("STOPPING=1"));
    }
  });
  const auto finished = reftest::run(service);  // the foreground process is the daemon
  manager.join();
  EXPECT_EQ(0, finished.status) << finished.err;
}

TEST_F(ExampleDaemon, ReloadsWithReloadingAndTheMonotonicTimeThenReady) {
  as_service(launch(), pidfile, "0", [](reftest::NotifyListener& systemd, pid_t pid) {
    const uint64_t signalled = daemonize::monotonic_usec();
    EXPECT_EQ(0, ::kill(pid, SIGHUP));
    const auto reloading = systemd.next_starting("RELOADING=1");
    EXPECT_TRUE(reloading);
    if (!reloading) return false;
    const std::string field = "\nMONOTONIC_USEC=";
    const size_t at = reloading->text.find(field);
    EXPECT_NE(std::string::npos, at) << reloading->text;
    if (at == std::string::npos) return false;
    const uint64_t usec = std::stoull(reloading->text.substr(at + field.size()));
    EXPECT_GE(usec, signalled);
    EXPECT_LT(usec, signalled + 1'000'000);  // what systemd accepts: within a second
    EXPECT_TRUE(systemd.next_starting("READY=1"));
    return true;
  });
  EXPECT_NE(std::string::npos, read_file(log).find("SIGHUP: reloaded"));
}

TEST_F(ExampleDaemon, FeedsTheWatchdogAtHalfItsTimeout) {
  as_service(launch(), pidfile, "400000", [](reftest::NotifyListener& systemd, pid_t) {
    std::vector<uint64_t> pings;
    while (pings.size() < 5) {
      const auto ping = systemd.next_starting("WATCHDOG=1");
      EXPECT_TRUE(ping);
      if (!ping) return false;
      pings.push_back(ping->at_usec);
    }
    for (size_t i = 1; i < pings.size(); ++i) {
      EXPECT_GE(pings[i] - pings[i - 1], 150'000u);  // every 200 ms, not in a busy loop
      EXPECT_LT(pings[i] - pings[i - 1], 400'000u);  // never a whole timeout apart
    }
    return true;
  });
}

// Under systemd the journal is the log and systemd knows the main process:
// no pidfile, no log file, the lines on stderr.
TEST_F(ExampleDaemon, UnderSystemdNeedsNoPidfileAndLogsToStderr) {
  reftest::NotifyListener systemd;
  std::atomic<pid_t> daemon{0};
  std::thread manager([&] {
    EXPECT_TRUE(systemd.next_starting("READY=1"));
    const pid_t pid = daemon.load();
    if (pid > 1) ::kill(pid, SIGTERM);
  });
  const auto finished = dc::test::run_captured({
      .argv = {reftest::example_daemon_path(), "--interval-ms", "50"},
      .env = std::vector<std::string>{"NOTIFY_SOCKET=" + systemd.address()},
      .started = [&](pid_t pid) { daemon = pid; },
      .timeout = reftest::kTimeout,
  });
  manager.join();
  EXPECT_EQ(0, finished.status) << finished.err;
  EXPECT_NE(std::string::npos, finished.err.find("] started\n")) << finished.err;
  EXPECT_NE(std::string::npos, finished.err.find("] stopped\n")) << finished.err;
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

}  // namespace
