// daemonctl: every verb and every exit status, run as a user would run it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "daemonctl_fixture.h"
#include "daemonize/pidfile.h"
#include "support.h"

namespace {

using reftest::Finished;
using reftest::Launch;
using reftest::read_file;
using reftest::TempDir;
using Daemonctl = reftest::Daemonctl;
using reftest::has;

TEST_F(Daemonctl, StartReturnsOnceTheCommandRuns) {
  const auto started = start({"/bin/sleep", "1000"});
  ASSERT_EQ(0, started.status) << started.err;
  const auto supervisor = reftest::pid_in(pidfile);
  ASSERT_TRUE(supervisor);
  EXPECT_TRUE(daemonize::inspect_pidfile(pidfile)->locked);
  const pid_t command = command_of(*supervisor);
  EXPECT_EQ("sleep\n", read_file("/proc/" + std::to_string(command) + "/comm"));
  const auto running = status();
  EXPECT_EQ(0, running.status);
  EXPECT_EQ("daemonctl: running (pid " + std::to_string(*supervisor) + ")\n", running.out);
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, TheCommandInheritsNothingFromTheDirtyLaunch) {
  ASSERT_EQ(0, ctl({"start", "--pidfile", pidfile, "--", "/bin/sleep", "1000"}, true).status);
  const pid_t supervisor = daemon_pid();
  for (const pid_t pid : {supervisor, command_of(supervisor)}) {
    const auto env = reftest::environ_of(pid);
    EXPECT_TRUE(std::none_of(env.begin(), env.end(), [](const auto& e) {
      return e.starts_with("DAEMONCHECK_CANARY=");
    })) << pid;
    EXPECT_EQ("0000000000000000", reftest::status_field(pid, "SigBlk"));
    EXPECT_EQ("0000", reftest::status_field(pid, "Umask"));
    EXPECT_EQ("/", std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd"));
    EXPECT_NE(pid, ::getsid(pid));
  }
  const pid_t command = command_of(supervisor);
  EXPECT_EQ("0000000000000000", reftest::status_field(command, "SigIgn"));
  std::vector<std::string> fds;
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(command) + "/fd")) {
    fds.push_back(fd.path().filename().string() + "=" +
                  std::filesystem::read_symlink(fd.path()).string());
  }
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ((std::vector<std::string>{"0=/dev/null", "1=/dev/null", "2=/dev/null"}), fds);
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, StartTwiceLeavesOneDaemonAndSaysAlreadyRunning) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
  const auto supervisor = reftest::pid_in(pidfile);
  const auto again = start({"/bin/sleep", "1000"});
  EXPECT_EQ(1, again.status);  // nothing was started, and the caller can tell
  EXPECT_EQ("daemonctl: already running as pid " + std::to_string(*supervisor) + "\n", again.err);
  EXPECT_EQ(supervisor, reftest::pid_in(pidfile));
  EXPECT_EQ(1u, reftest::children_of(::getpid()).size());
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, StopTwiceSucceedsBothTimes) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
  const pid_t supervisor = daemon_pid();
  const pid_t command = command_of(supervisor);
  const auto stopped = stop();
  EXPECT_EQ(0, stopped.status);
  EXPECT_EQ("daemonctl: stopped (pid " + std::to_string(supervisor) + ", SIGTERM)\n", stopped.out);
  EXPECT_FALSE(std::filesystem::exists(pidfile));
  EXPECT_FALSE(reftest::alive(supervisor));
  EXPECT_FALSE(reftest::alive(command));
  const auto again = stop();
  EXPECT_EQ(0, again.status);
  EXPECT_EQ("daemonctl: not running\n", again.out);
}

TEST_F(Daemonctl, StatusIsThreeWhenNotRunning) {
  const auto stopped = status();
  EXPECT_EQ(3, stopped.status);
  EXPECT_EQ("daemonctl: not running\n", stopped.out);
}

TEST_F(Daemonctl, StatusIsOneAfterSigkillAndStartTakesOver) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
  const pid_t supervisor = daemon_pid();
  const pid_t command = command_of(supervisor);
  signal(supervisor, SIGKILL);
  ASSERT_TRUE(reftest::wait_for_exit(supervisor));
  EXPECT_TRUE(reftest::wait_for_exit(command));  // its parent-death signal took it along
  const auto dead = status();
  EXPECT_EQ(1, dead.status);
  EXPECT_TRUE(has(dead.out, "dead, but pidfile " + pidfile + " remains")) << dead.out;

  const auto restarted = start({"/bin/sleep", "1000"});
  EXPECT_EQ(0, restarted.status) << restarted.err;
  EXPECT_NE(supervisor, daemon_pid());
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, APidInAnUnlockedPidfileIsNeverSignalled) {
  const pid_t innocent = bystander();
  reftest::write_file(pidfile, std::to_string(innocent) + "\n");
  const auto stopped = stop();
  EXPECT_EQ(0, stopped.status);
  EXPECT_TRUE(has(stopped.out, "not running (removed stale pidfile")) << stopped.out;
  EXPECT_TRUE(reftest::alive(innocent));
  EXPECT_EQ(3, status().status);  // stop removed the stale file
}

TEST_F(Daemonctl, StartWithLsbOnARunningDaemonExitsZero) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
  const auto again = start({"/bin/sleep", "1000"}, {"--lsb"});
  EXPECT_EQ(0, again.status);
  EXPECT_TRUE(has(again.out, "already running"));
  EXPECT_EQ(1u, reftest::children_of(::getpid()).size());
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, APidfileLockedByAnotherProcessMeansAlreadyRunning) {
  auto lock = daemonize::Pidfile::acquire(pidfile);
  ASSERT_TRUE(lock);
  ASSERT_TRUE(lock->write_pid(::getpid()));
  struct stat before {};
  ::stat(pidfile.c_str(), &before);
  const auto started = start({"/bin/sleep", "1000"});
  EXPECT_EQ(1, started.status);
  EXPECT_TRUE(has(started.err, "already running as pid " + std::to_string(::getpid())));
  struct stat after {};
  ::stat(pidfile.c_str(), &after);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(std::to_string(::getpid()) + "\n", read_file(pidfile));
  EXPECT_TRUE(reftest::children_of(::getpid()).empty());
}

TEST_F(Daemonctl, CommandNotFoundExitsFiveAndLeavesNothing) {
  const auto started = start({dir / "no-such-command"});
  EXPECT_EQ(5, started.status);  // LSB: program is not installed
  EXPECT_TRUE(
      has(started.err, "execute " + dir / "no-such-command" + ": No such file or directory"))
      << started.err;
  EXPECT_TRUE(reftest::wait_for_removal(pidfile));
  EXPECT_TRUE(reftest::children_of(::getpid()).empty() ||
              reftest::wait_for_exit(reftest::children_of(::getpid()).front()));
  EXPECT_EQ(3, status().status);
}

TEST_F(Daemonctl, PermissionDeniedOnThePidfileFolderExitsFour) {
  const passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || nobody == nullptr || !std::filesystem::exists("/usr/bin/setpriv")) {
    GTEST_SKIP() << "needs root, a user nobody and setpriv";
  }
  // As nobody, in a folder only root may write to (and a copy of daemonctl
  // that nobody may execute, wherever the build folder is).
  std::filesystem::copy_file(reftest::daemonctl_path(), dir / "daemonctl");
  std::filesystem::create_directory(dir / "root-only");
  ::chmod((dir / "root-only").c_str(), 0755);
  const auto as_nobody = [&](std::vector<std::string> args) {
    Launch launch;
    launch.argv = {"/usr/bin/setpriv", "--reuid=" + std::to_string(nobody->pw_uid),
                   "--regid=" + std::to_string(nobody->pw_gid), "--clear-groups",
                   dir / "daemonctl"};
    launch.argv.insert(launch.argv.end(), args.begin(), args.end());
    return reftest::run(launch);
  };
  const auto started =
      as_nobody({"start", "--pidfile", dir / "root-only/d.pid", "--", "/bin/sleep", "1"});
  EXPECT_EQ(4, started.status);  // LSB: user had insufficient privilege
  EXPECT_TRUE(has(started.err, "Permission denied")) << started.err;

  // status cannot tell when it may not even read the pidfile: 4, unknown.
  std::filesystem::create_directory(dir / "private");
  ::chmod((dir / "private").c_str(), 0700);
  reftest::write_file(dir / "private/d.pid", "1234\n");
  const auto unknown = as_nobody({"status", "--pidfile", dir / "private/d.pid"});
  EXPECT_EQ(4, unknown.status);
  EXPECT_TRUE(has(unknown.err, "unknown")) << unknown.err;
}

TEST_F(Daemonctl, UserDropsPrivilegesAfterThePidfileIsCreated) {
  const passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || nobody == nullptr) GTEST_SKIP() << "needs root and a user nobody";
  // The pidfile's folder is root's: only root creates the pidfile, and the
  // daemon, nobody by then, cannot unlink it, so it empties it on exit.
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}, {"--user", "nobody"}).status);
  const pid_t supervisor = daemon_pid();
  for (const pid_t pid : {supervisor, command_of(supervisor)}) {
    const std::string uids = reftest::status_field(pid, "Uid");
    const std::string id = std::to_string(nobody->pw_uid);
    EXPECT_EQ(id + "\t" + id + "\t" + id + "\t" + id, uids);
    // Root's supplementary groups are gone; nobody's (from --user NAME) are set.
    EXPECT_EQ(std::to_string(nobody->pw_gid) + " ", reftest::status_field(pid, "Groups"));
  }
  struct stat st {};
  ::stat(pidfile.c_str(), &st);
  EXPECT_EQ(0u, st.st_uid);
  signal(supervisor, SIGTERM);
  ASSERT_TRUE(reftest::wait_for_exit(supervisor));
  EXPECT_TRUE(std::filesystem::exists(pidfile));
  EXPECT_EQ("", read_file(pidfile));
  const auto stopped = status();
  EXPECT_EQ(3, stopped.status);
  EXPECT_TRUE(has(stopped.out, "empty pidfile")) << stopped.out;
}

TEST_F(Daemonctl, StopEscalatesToSigkillAndSaysSo) {
  // The command ignores SIGTERM (trap '' is inherited through exec).
  ASSERT_EQ(0, start({"/bin/sh", "-c", "trap '' TERM; exec /bin/sleep 1000"}).status);
  const pid_t supervisor = daemon_pid();
  const pid_t command = command_of(supervisor);
  const auto stopped = stop({"--timeout", "0.3"});
  EXPECT_EQ(0, stopped.status);
  EXPECT_EQ("daemonctl: stopped (pid " + std::to_string(supervisor) +
                ", SIGKILL: still running 0.3 s after SIGTERM)\n",
            stopped.out);
  EXPECT_TRUE(reftest::wait_for_exit(command));
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST_F(Daemonctl, RestartReplacesTheDaemon) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}).status);
  const pid_t first = daemon_pid();
  const auto restarted = ctl({"restart", "--pidfile", pidfile, "--", "/bin/sleep", "1000"});
  EXPECT_EQ(0, restarted.status) << restarted.err;
  const pid_t second = daemon_pid();
  EXPECT_NE(first, second);
  EXPECT_FALSE(reftest::alive(first));
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, SighupIsForwardedAndTheSupervisorSurvives) {
  const std::string log = dir / "ex.log";
  ASSERT_EQ(0, start({reftest::example_daemon_path(), "--foreground", "--pidfile",
                      dir / "inner.pid", "--log", log, "--interval-ms", "3600000"})
                   .status);
  const pid_t supervisor = daemon_pid();
  ASSERT_TRUE(reftest::wait_for_content(log, "started"));
  signal(supervisor, SIGHUP);
  EXPECT_TRUE(reftest::wait_for_content(log, "SIGHUP: reloaded configuration from defaults"));
  EXPECT_TRUE(reftest::alive(supervisor));
  EXPECT_EQ(0, stop().status);
  EXPECT_TRUE(has(read_file(log), "stopping on SIGTERM"));
  EXPECT_FALSE(std::filesystem::exists(dir / "inner.pid"));
}

// reload: SIGHUP to the daemon holding the lock, which passes it on; never
// to the pid of a stale pidfile (LSB 7, "not running").
TEST_F(Daemonctl, ReloadSendsSighupOnlyToTheLockHolder) {
  EXPECT_EQ(7, ctl({"reload", "--pidfile", pidfile}).status);
  const pid_t innocent = bystander();
  reftest::write_file(pidfile, std::to_string(innocent) + "\n");
  const auto stale = ctl({"reload", "--pidfile", pidfile});
  EXPECT_EQ(7, stale.status);
  EXPECT_TRUE(has(stale.err, "its pid was not signalled")) << stale.err;
  EXPECT_TRUE(reftest::alive(innocent));
  std::filesystem::remove(pidfile);

  const std::string log = dir / "ex.log";
  ASSERT_EQ(0, start({reftest::example_daemon_path(), "--foreground", "--pidfile",
                      dir / "inner.pid", "--log", log, "--interval-ms", "3600000"})
                   .status);
  const pid_t supervisor = daemon_pid();
  ASSERT_TRUE(reftest::wait_for_content(log, "started"));
  const auto reloaded = ctl({"reload", "--pidfile", pidfile});
  EXPECT_EQ(0, reloaded.status) << reloaded.err;
  EXPECT_TRUE(has(reloaded.out, "reloading (pid " + std::to_string(supervisor) + ", SIGHUP)"))
      << reloaded.out;
  EXPECT_TRUE(reftest::wait_for_content(log, "SIGHUP: reloaded configuration from defaults"));
  EXPECT_EQ(supervisor, daemon_pid());
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, ACommandKilledByTheForwardedSighupIsStartedAgain) {
  const std::string starts = dir / "starts";
  ASSERT_EQ(
      0, start({"/bin/sh", "-c", "echo started >> " + starts + "; exec /bin/sleep 1000"}).status);
  const pid_t supervisor = daemon_pid();
  ASSERT_TRUE(reftest::wait_for_content(starts, "started\n"));
  signal(supervisor, SIGHUP);
  EXPECT_TRUE(reftest::wait_for_content(starts, "started\nstarted\n"));
  EXPECT_TRUE(reftest::alive(supervisor));
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, TheSupervisorExitsWithTheCommandsStatus) {
  ASSERT_EQ(0, start({"/bin/sh", "-c", "exit 3"}).status);
  EXPECT_TRUE(reftest::wait_for_removal(pidfile));
  const auto ran = ctl({"run", "--", "/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(7, ran.status);
}

TEST_F(Daemonctl, RunSetsUpLikeStartWithoutDetaching) {
  const auto ran = ctl({"run", "--umask", "027", "--", "/bin/sh", "-c",
                        "pwd; umask; echo \"[$DAEMONCHECK_CANARY]\"; ls /proc/self/fd"},
                       true);
  EXPECT_EQ(0, ran.status) << ran.err;
  EXPECT_EQ("/\n0027\n[]\n0\n1\n2\n3\n", ran.out);  // 3: ls's own listing of the folder
}

TEST_F(Daemonctl, StdoutGoesToTheGivenFile) {
  const std::string out = dir / "out.log";
  ASSERT_EQ(0,
            start({"/bin/sh", "-c", "echo hello; exec /bin/sleep 1000"}, {"--stdout", out}).status);
  EXPECT_TRUE(reftest::wait_for_content(out, "hello\n"));
  EXPECT_EQ(0, stop().status);
}

TEST_F(Daemonctl, KeepFdPassesADescriptorToTheCommand) {
  // The shell opens descriptor 5 and execs daemonctl, which must keep it open
  // for the command, while every other inherited descriptor is closed.
  Launch launch;
  launch.argv = {"/bin/sh", "-c",
                 "exec 5</etc/hostname 6</etc/hostname; exec " + reftest::daemonctl_path() +
                     " run --keep-fd 5 -- /bin/sh -c 'readlink /proc/self/fd/5; ls /proc/self/fd'"};
  const auto ran = reftest::run(launch);
  EXPECT_EQ(0, ran.status) << ran.err;
  EXPECT_EQ("/etc/hostname\n0\n1\n2\n3\n5\n", ran.out);  // 3: ls's listing; 6 is gone
}

TEST_F(Daemonctl, ExecReplacesTheSupervisorAndKeepsTheLock) {
  ASSERT_EQ(0, start({"/bin/sleep", "1000"}, {"--exec"}).status);
  const pid_t pid = daemon_pid();
  EXPECT_EQ("sleep\n", read_file("/proc/" + std::to_string(pid) + "/comm"));
  EXPECT_TRUE(daemonize::inspect_pidfile(pidfile)->locked);
  EXPECT_EQ(0, status().status);
  EXPECT_EQ(0, stop().status);
  EXPECT_FALSE(std::filesystem::exists(pidfile));  // stop removed what sleep could not
}

TEST_F(Daemonctl, NotifyWaitsForReady) {
  const std::string log = dir / "ex.log";
  const auto started = start({reftest::example_daemon_path(), "--pidfile", dir / "inner.pid",
                              "--log", log, "--interval-ms", "3600000"},
                             {"--notify"});
  ASSERT_EQ(0, started.status) << started.err;
  EXPECT_TRUE(has(read_file(log), "started"));  // written before READY=1, so before we returned
  EXPECT_EQ(0, stop().status);

  const auto never_ready = start({"/bin/sh", "-c", "exit 0"}, {"--notify"});
  EXPECT_EQ(1, never_ready.status);
  EXPECT_TRUE(has(never_ready.err, "before it sent READY=1")) << never_ready.err;
}

// A command that runs but never says READY=1 fails the start at the timeout
// and is stopped: nothing is left running and the pidfile is gone.
TEST_F(Daemonctl, NotifyGivesUpAtTheReadyTimeout) {
  const auto silent = start({"/bin/sleep", "1000"}, {"--notify", "--ready-timeout", "0.2"});
  EXPECT_EQ(1, silent.status);
  EXPECT_TRUE(has(silent.err, "sent no READY=1 within 0.2 s")) << silent.err;
  EXPECT_EQ(3, status().status);  // not running
  EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST_F(Daemonctl, UsageErrorsExitTwo) {
  EXPECT_EQ(2, ctl({"start", "--", "/bin/sleep", "1"}).status);  // no --pidfile
  EXPECT_EQ(2, ctl({"frobnicate"}).status);
  EXPECT_EQ(2, start({"/bin/sleep", "1"}, {"--umask", "999"}).status);
}

}  // namespace
