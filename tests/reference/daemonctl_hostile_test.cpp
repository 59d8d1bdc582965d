// daemonctl tried as a hostile user tries it: killed supervisors, commands that
// change their uid or hide behind a wrapper, forged pidfiles and readiness,
// signals close together, concurrent verbs. Each reproduction runs in a loop,
// so that a race that loses one time in ten shows.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "daemonctl_fixture.h"
#include "daemonize/fd.h"
#include "daemonize/notify.h"
#include "daemonize/pidfile.h"
#include "daemonize/process.h"
#include "support.h"

namespace {

using namespace std::chrono_literals;
using Daemonctl = reftest::Daemonctl;
using reftest::Finished;
using reftest::has;

constexpr int kLoops = 20;

// The command's status, checked while it still runs, must never be "dead" or
// "not running": that is what would let a second start in.
void expect_not_dead_while_alive(const Finished& status, pid_t command) {
  if (status.status != 0) {
    EXPECT_FALSE(reftest::alive(command)) << status.out << status.err;
  }
}

TEST_F(Daemonctl, AKilledSupervisorTakesAUidChangingCommandAlong) {
  if (::geteuid() != 0 || !std::filesystem::exists("/usr/bin/setpriv")) {
    GTEST_SKIP() << "needs root and setpriv";
  }
  // setpriv changes its uid before it execs sleep: the kernel clears a
  // parent-death signal on that change, so only the tree's keeper can end it.
  for (int loop = 0; loop < kLoops; ++loop) {
    ASSERT_EQ(0, start({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "/bin/sleep", "1016"})
                     .status);
    const pid_t supervisor = daemon_pid();
    const pid_t sleeper = await_descendant(supervisor, "sleep");
    ASSERT_GT(sleeper, 1);
    const pid_t keeper = reftest::children_of(supervisor).front();
    signal(supervisor, SIGKILL);
    expect_not_dead_while_alive(status(), sleeper);
    EXPECT_TRUE(reftest::wait_for_exit(sleeper, 5s)) << "loop " << loop;
    // The keeper lets go of the lock once the whole tree is gone, and exits.
    EXPECT_TRUE(reftest::wait_for_exit(keeper, 5s));
    EXPECT_EQ(1, status().status);  // the lock is free: dead, the pidfile remains
  }
}

TEST_F(Daemonctl, StopEndsEverythingAWrapperStarted) {
  for (int loop = 0; loop < kLoops; ++loop) {
    ASSERT_EQ(0, start({"/bin/sh", "-c", "/bin/sleep 1017; :"}).status);
    const pid_t sleeper = await_descendant(daemon_pid(), "sleep");
    ASSERT_GT(sleeper, 1);
    EXPECT_EQ(0, stop().status);
    EXPECT_FALSE(reftest::alive(sleeper)) << "loop " << loop;
    EXPECT_EQ(3, status().status);
  }
}

TEST_F(Daemonctl, AKilledSupervisorTakesAWrappersChildrenAlong) {
  for (int loop = 0; loop < kLoops; ++loop) {
    ASSERT_EQ(0, start({"/bin/sh", "-c", "/bin/sleep 1017; :"}).status);
    const pid_t supervisor = daemon_pid();
    const pid_t sleeper = await_descendant(supervisor, "sleep");
    ASSERT_GT(sleeper, 1);
    const pid_t keeper = reftest::children_of(supervisor).front();
    signal(supervisor, SIGKILL);
    expect_not_dead_while_alive(status(), sleeper);
    EXPECT_TRUE(reftest::wait_for_exit(sleeper, 5s)) << "loop " << loop;
    EXPECT_TRUE(reftest::wait_for_exit(keeper, 5s));  // then the next start may go
  }
}

TEST_F(Daemonctl, WhatACommandLeavesBehindWhenItExitsIsEnded) {
  // A command that starts something in the background and exits: the
  // supervisor exits with its status, and nothing it started runs on.
  // (Without the keeper, sleep would be re-parented to the test, a subreaper.)
  ASSERT_EQ(0, start({"/bin/sh", "-c", "/bin/sleep 1018 & exit 0"}).status);
  EXPECT_TRUE(reftest::wait_for_removal(pidfile));
  EXPECT_EQ(3, status().status);
  EXPECT_EQ(0, descendant_named(::getpid(), "sleep"));
}

TEST_F(Daemonctl, WithExecStatusNeverCallsADeadPidRunning) {
  ASSERT_EQ(0, start({"/bin/sh", "-c", "/bin/sleep 1017; :"}, {"--exec"}).status);
  const pid_t shell = daemon_pid();
  const pid_t sleeper = await_descendant(shell, "sleep");
  ASSERT_GT(sleeper, 1);
  signal(shell, SIGKILL);
  ASSERT_TRUE(reftest::wait_for_exit(shell));
  // sleep inherited the pidfile's descriptor, and with it the lock: it is what
  // runs now, and what stop stops.
  const auto running = status();
  EXPECT_EQ(0, running.status);
  EXPECT_FALSE(has(running.out, "running (pid " + std::to_string(shell) + ")")) << running.out;
  EXPECT_TRUE(has(running.out, "pid " + std::to_string(sleeper))) << running.out;
  EXPECT_EQ(0, stop().status);
  EXPECT_FALSE(reftest::alive(sleeper));
  EXPECT_EQ(3, status().status);
}

TEST_F(Daemonctl, StopSignalsTheLockHolderNeverTheNameAlone) {
  for (int loop = 0; loop < kLoops; ++loop) {
    ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
    const pid_t supervisor = daemon_pid();
    const pid_t victim = bystander(pidfile);
    reftest::write_file(pidfile, std::to_string(victim) + "\n");  // the forgery
    const auto stopped = stop();
    EXPECT_EQ(0, stopped.status) << stopped.err;
    EXPECT_TRUE(reftest::alive(victim)) << "loop " << loop << ": " << stopped.out;
    EXPECT_FALSE(reftest::alive(supervisor));
    signal(victim, SIGKILL);
    EXPECT_TRUE(reftest::wait_for_exit(victim));
  }
}

TEST_F(Daemonctl, APendingStopWinsOverAReloadByRestart) {
  // sleep dies of the forwarded SIGHUP and would be started again; a SIGTERM
  // sent 0-100 µs later must still end the supervisor.
  for (int loop = 0; loop < kLoops; ++loop) {
    ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
    const pid_t supervisor = daemon_pid();
    signal(supervisor, SIGHUP);
    std::this_thread::sleep_for(std::chrono::microseconds(loop * 5));
    signal(supervisor, SIGTERM);
    EXPECT_TRUE(reftest::wait_for_exit(supervisor, 5s)) << "loop " << loop;
  }
}

// The NOTIFY_SOCKET a process was given.
std::string notify_socket_of(pid_t pid) {
  for (const std::string& entry : reftest::environ_of(pid)) {
    if (entry.starts_with("NOTIFY_SOCKET=")) return entry.substr(14);
  }
  return "";
}

TEST_F(Daemonctl, ReadinessFromAStrangerIsIgnored) {
  Finished started;
  std::thread starting([&] {
    started = start({"/bin/sleep", "1000"}, {"--notify", "--ready-timeout", "1"});
  });
  ASSERT_TRUE(reftest::wait_for_content(pidfile, "\n"));
  const pid_t sleeper = await_descendant(daemon_pid(), "sleep");
  const std::string socket = notify_socket_of(sleeper);
  ASSERT_FALSE(socket.empty());
  EXPECT_EQ(std::string::npos, socket.find(std::to_string(daemon_pid())));  // not guessable
  ASSERT_TRUE(daemonize::sd_notify(socket, "READY=1"));  // the test is no descendant
  starting.join();
  EXPECT_EQ(1, started.status) << started.err;
  EXPECT_TRUE(has(started.err, "sent no READY=1")) << started.err;
}

TEST_F(Daemonctl, NotifyNamesBoundInAdvanceDoNotMatter) {
  // The names the supervisors of the next 400 pids would once have used.
  const long last = std::stol(reftest::read_file("/proc/sys/kernel/ns_last_pid"));
  std::vector<daemonize::UniqueFd> squatters;
  for (long pid = last + 1; pid <= last + 400; ++pid) {
    const std::string name = "daemonctl/notify/" + std::to_string(pid);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    daemonize::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address),  // NOLINT
           static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
    squatters.push_back(std::move(fd));
  }
  const auto started = start({reftest::example_daemon_path(), "--pidfile", dir / "inner.pid",
                              "--log", dir / "ex.log", "--interval-ms", "3600000"},
                             {"--notify"});
  EXPECT_EQ(0, started.status) << started.err;
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, ConcurrentStopsAllSucceed) {
  for (int loop = 0; loop < kLoops; ++loop) {
    ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
    Finished stops[3];
    std::vector<std::thread> stopping;
    for (Finished& stopped : stops) stopping.emplace_back([&] { stopped = stop(); });
    for (std::thread& thread : stopping) thread.join();
    for (const Finished& stopped : stops) EXPECT_EQ(0, stopped.status) << stopped.err;
    EXPECT_EQ(3, status().status);
  }
}

// A process that holds the pidfile's lock the way another daemonctl command
// holds it for a moment: a claim on a file that still names a dead daemon (a
// stop about to remove it, a start about to empty it), or, with `whole`, the
// whole lock on an emptied file (a start that has not written its pid yet, a
// stop about to unlink it). It lets go when told, removing the file as the
// stop would, and exits 0; a signal that kills it shows in its wait status.
class BriefLocker {
 public:
  BriefLocker(const std::string& path, bool whole) {
    int ready[2], go[2];
    EXPECT_EQ(0, ::pipe2(ready, O_CLOEXEC));
    EXPECT_EQ(0, ::pipe2(go, O_CLOEXEC));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(go[1]);  // or it would never read EOF
      hold(path, whole, ready[1], go[0]);
    }
    ::close(ready[1]);
    ::close(go[0]);
    go_ = go[1];
    char byte = 0;
    while (::read(ready[0], &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(ready[0]);
    EXPECT_EQ('L', byte) << "the locker could not lock " << path;
  }
  BriefLocker(const BriefLocker&) = delete;
  BriefLocker& operator=(const BriefLocker&) = delete;
  ~BriefLocker() {
    if (go_ >= 0) (void)finish();
  }
  pid_t pid() const { return pid_; }
  // Lets go, and returns its wait status.
  int finish() {
    ::close(go_);
    go_ = -1;
    int wstatus = -1;
    while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
    }
    return wstatus;
  }

 private:
  [[noreturn]] static void hold(const std::string& path, bool whole, int ready, int go) {
    const int fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = daemonize::kClaimOffset;
    if (fd < 0 || ::fcntl(fd, F_OFD_SETLK, &lock) != 0) ::_exit(2);
    lock.l_start = 0;
    if (whole && (::ftruncate(fd, 0) != 0 || ::fcntl(fd, F_OFD_SETLK, &lock) != 0)) ::_exit(2);
    (void)!::write(ready, "L", 1);
    char byte;
    while (::read(go, &byte, 1) < 0 && errno == EINTR) {
    }
    ::unlink(path.c_str());
    ::_exit(0);
  }

  pid_t pid_ = -1;
  int go_ = -1;
};

// A pid that names no process: one of ours that was reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

// How long a stop or status that would signal or name the brief locker gets
// to do so before the locker lets go; not a wait anything depends on.
constexpr auto kWrongMoveWindow = 300ms;

TEST_F(Daemonctl, AStopNeverSignalsAnotherDaemonctlThatHoldsTheLockForAMoment) {
  for (const bool whole : {false, true}) {
    reftest::write_file(pidfile, std::to_string(dead_pid()) + "\n");
    BriefLocker locker(pidfile, whole);
    Finished stopped;
    // --timeout 0: the wait for a brief lock is not the wait after SIGTERM.
    std::thread stopping([&] { stopped = stop({"--timeout", "0"}); });
    std::this_thread::sleep_for(kWrongMoveWindow);
    const int locker_status = locker.finish();
    stopping.join();
    EXPECT_TRUE(WIFEXITED(locker_status) && WEXITSTATUS(locker_status) == 0)
        << (whole ? "whole lock" : "claim") << ": the locker was killed by signal "
        << (WIFSIGNALED(locker_status) ? WTERMSIG(locker_status) : 0) << "; " << stopped.out;
    EXPECT_EQ(0, stopped.status) << stopped.out << stopped.err;  // not running now: stopped
    EXPECT_FALSE(has(stopped.out, std::to_string(locker.pid()))) << stopped.out;
    EXPECT_EQ(3, status().status);
  }
}

TEST_F(Daemonctl, StatusNeverNamesAnotherDaemonctlThatHoldsTheLockForAMoment) {
  for (const bool whole : {false, true}) {
    reftest::write_file(pidfile, std::to_string(dead_pid()) + "\n");
    BriefLocker locker(pidfile, whole);
    Finished queried;
    std::thread querying([&] { queried = status(); });
    std::this_thread::sleep_for(kWrongMoveWindow);
    EXPECT_EQ(0, locker.finish());
    querying.join();
    // The locker removed the file: not running, and never "running (its pid)".
    EXPECT_EQ(3, queried.status) << (whole ? "whole lock: " : "claim: ") << queried.out;
    EXPECT_FALSE(has(queried.out, std::to_string(locker.pid()))) << queried.out;
  }
}

TEST_F(Daemonctl, AStartWaitsOutAStopRemovingAStalePidfile) {
  // The stop's claim means that nothing runs: start (and restart) must not
  // say "already running", start nothing, and exit 1 (or 0 with --lsb).
  reftest::write_file(pidfile, std::to_string(dead_pid()) + "\n");
  BriefLocker locker(pidfile, false);
  Finished started;
  std::thread starting([&] { started = start({"/bin/sleep", "1000"}); });
  std::this_thread::sleep_for(kWrongMoveWindow);
  EXPECT_EQ(0, locker.finish());
  starting.join();
  EXPECT_EQ(0, started.status) << started.err;
  EXPECT_EQ(0, status().status);
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, ManyConcurrentStopsOfAStalePidfileAllSucceed) {
  // Each removes the file under its lock; none may take another for the daemon.
  for (int loop = 0; loop < 2 * kLoops; ++loop) {
    reftest::write_file(pidfile, std::to_string(dead_pid()) + "\n");
    Finished stops[6];
    std::vector<std::thread> stopping;
    for (Finished& stopped : stops) stopping.emplace_back([&] { stopped = stop(); });
    for (std::thread& thread : stopping) thread.join();
    for (const Finished& stopped : stops) {
      EXPECT_EQ(0, stopped.status) << "loop " << loop << ": " << stopped.out << stopped.err;
    }
    EXPECT_EQ(3, status().status);
  }
}

TEST_F(Daemonctl, ConcurrentRestartsAllSucceedAndLeaveOneDaemon) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
  for (int loop = 0; loop < 5; ++loop) {
    Finished restarts[4];
    std::vector<std::thread> restarting;
    for (Finished& restarted : restarts) {
      restarting.emplace_back([&] {
        restarted = ctl({"restart", "--pidfile", pidfile, "--", "/bin/sleep", "1000"});
      });
    }
    for (std::thread& thread : restarting) thread.join();
    for (const Finished& restarted : restarts) EXPECT_EQ(0, restarted.status) << restarted.err;
    const pid_t supervisor = daemon_pid();
    EXPECT_TRUE(reftest::alive(supervisor));
    for (const pid_t child : reftest::children_of(::getpid())) {
      EXPECT_TRUE(child == supervisor || reftest::wait_for_exit(child, 5s)) << "a second daemon";
    }
  }
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, StopRemovesAStalePidfile) {
  const pid_t innocent = bystander();
  reftest::write_file(pidfile, std::to_string(innocent) + "\n");
  const auto stopped = stop();
  EXPECT_EQ(0, stopped.status);
  EXPECT_TRUE(has(stopped.out, "stale pidfile")) << stopped.out;
  EXPECT_TRUE(reftest::alive(innocent));
  EXPECT_FALSE(std::filesystem::exists(pidfile));
  EXPECT_EQ(3, status().status);
}

TEST_F(Daemonctl, ANotifyTimeoutSaysStoppedOnlyOnceItIs) {
  const auto silent = start({"/bin/sh", "-c", "trap '' TERM; exec /bin/sleep 1000"},
                            {"--notify", "--ready-timeout", "0.3"});
  EXPECT_EQ(1, silent.status);
  EXPECT_TRUE(has(silent.err, "sent no READY=1 within 0.3 s; stopped it")) << silent.err;
  EXPECT_EQ(3, status().status);
  EXPECT_EQ(0, descendant_named(::getpid(), "sleep"));
}

TEST_F(Daemonctl, RunWithAMissingCommandExitsFive) {
  const auto ran = ctl({"run", "--", dir / "no-such-command"});
  EXPECT_EQ(5, ran.status);  // as start: LSB "program is not installed"
  EXPECT_TRUE(has(ran.err, "No such file or directory")) << ran.err;
}

TEST_F(Daemonctl, APidfileThatIsNotARegularFileIsUnknown) {
  ASSERT_EQ(0, ::mkfifo(pidfile.c_str(), 0644));
  for (const Finished& verb : {status(), stop()}) {
    EXPECT_EQ(4, verb.status);
    EXPECT_TRUE(has(verb.err, "not a regular file")) << verb.err;
  }
  std::filesystem::remove(pidfile);
  std::filesystem::create_directory(pidfile);
  for (const Finished& verb : {status(), stop()}) {
    EXPECT_EQ(4, verb.status);
    EXPECT_TRUE(has(verb.err, "not a regular file")) << verb.err;
  }
}

TEST_F(Daemonctl, AStartThatFailsBeforeForkingLeavesNoPidfile) {
  const auto no_folder = start({"/bin/sleep", "1000"}, {"--stdout", dir / "missing/out.log"});
  EXPECT_EQ(1, no_folder.status);
  EXPECT_TRUE(has(no_folder.err, "missing/out.log")) << no_folder.err;
  EXPECT_FALSE(std::filesystem::exists(pidfile));
  const auto no_user = start({"/bin/sleep", "1000"}, {"--user", "12345"});
  EXPECT_EQ(1, no_user.status);
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST_F(Daemonctl, ThePidfileIs0644WhateverTheUmask) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}, {"--umask", "777"}).status);
  struct stat st {};
  ASSERT_EQ(0, ::stat(pidfile.c_str(), &st));
  EXPECT_EQ(0644u, st.st_mode & 07777);
  EXPECT_EQ(0, stop().status);
}

}  // namespace
