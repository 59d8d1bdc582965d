// Hostile and broken targets (issue 8). Each test runs the real daemoncheck on
// one fixture of this folder and wants:
//   - a scorecard (exit 0 or 1, never a crash, never a hang) with the
//     expected finding, or exit 3 with one line on stderr for a target that
//     cannot be run;
//   - nothing left running: no process re-parented to this test (a child
//     subreaper, see tests/integration/checker_run.h);
//   - nothing written outside the run's own folders: the TMPDIR given to
//     daemoncheck is empty again, the report folder holds the one scorecard,
//     / and the system files a fixture points at are unchanged.
// Every run gets small start and stop timeouts and 0 or 1 race trials, so a
// test takes seconds; each is also bounded by its ctest TIMEOUT. (A target
// that takes no pidfile lock leaves a second daemon in the second-instance
// probe, which then waits the whole start timeout: hence --start-timeout 2.)
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "checker_run.h"
#include "proc_children.h"
#include "temp_dir.h"

namespace dc::test {
namespace {

std::string hostile(const std::string& name) {
  return std::string(DC_HOSTILE_DIR) + "/" + name;
}

// A whole file, or what could be read of it: a /proc file of a process that
// exits meanwhile reads ESRCH (an exception through a stream).
std::string slurp(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

// The harness SIGKILLs what it found left behind; what those processes had
// started is re-parented here afterwards. End all of it (they are all our
// own children), for up to 5 s, and reap. Returns how many were killed.
int sweep_children() {
  int killed = 0;
  for (int round = 0; round < 500; ++round) {
    // All that daemoncheck leaves behind ends up here: the test is a child
    // subreaper once run_checker has run.
    auto left = live_children();
    int st = 0;
    while (::waitpid(-1, &st, WNOHANG) > 0) {
    }
    if (left.empty()) break;
    for (int pid : left) {
      ::kill(pid, SIGKILL);  // our own child: verified by its ppid just above
      ++killed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int st = 0;
  while (::waitpid(-1, &st, WNOHANG) > 0) {
  }
  return killed;
}

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

// A file's identity and content, to show it was not touched.
struct FileSnapshot {
  bool exists = false;
  ino_t ino = 0;
  mode_t mode = 0;
  off_t size = 0;
  timespec mtime{}, ctime{};
  std::string content;
  static FileSnapshot of(const std::string& path) {
    FileSnapshot s;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return s;
    s.exists = true;
    s.ino = st.st_ino;
    s.mode = st.st_mode;
    s.size = st.st_size;
    s.mtime = st.st_mtim;
    s.ctime = st.st_ctim;
    s.content = slurp(path);
    return s;
  }
  bool operator==(const FileSnapshot& o) const {
    return exists == o.exists && ino == o.ino && mode == o.mode && size == o.size &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec &&
           content == o.content;
  }
};

// Field 22 of /proc/PID/stat: a process's identity across pid reuse.
std::string start_time_of(int pid) {
  std::string text = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && (rest >> field); ++i) {
  }
  return field;
}

// One run's private folders: TMPDIR for daemoncheck (its {tmp} folders go
// there) and the report folder.
class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    root_dir_.emplace("dc-hostile", TempDir::kOutsideCheck);
    root_ = root_dir_->path();
    tmp_ = root_ + "/tmp";
    reports_ = root_ + "/reports";
    ASSERT_EQ(::mkdir(tmp_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(reports_.c_str(), 0755), 0);
    slash_before_ = entries("/");
  }

  void TearDown() override {
    int swept = sweep_children();
    EXPECT_EQ(swept, 0) << swept << " more processes had to be killed after the run";
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // daemoncheck ARGS with TMPDIR set to our folder, --json - --quiet, and the
  // report folder; the wall time is kept in wall_ms_.
  CheckerRun check(std::vector<std::string> args) {
    args.insert(args.begin(), {"--report-dir", reports_});
    auto t0 = std::chrono::steady_clock::now();
    CheckerRun r = run_checker_interrupted(args, tmp_, "", 0);  // signal 0: not interrupted
    wall_ms_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

  // The promises every hostile run keeps.
  void expect_clean(const CheckerRun& r, bool scorecard = true) {
    if (scorecard) {
      ASSERT_TRUE(r.scorecard.is_object()) << "exit " << r.exit_status << ", stderr: " << r.err;
      EXPECT_TRUE(r.exit_status == 0 || r.exit_status == 1)
          << "exit " << r.exit_status << ": " << r.err;
      EXPECT_EQ(count_entries(reports_), 1) << "the report folder should hold the one scorecard";
    } else {
      EXPECT_EQ(count_entries(reports_), 0) << "a report was written";
    }
    EXPECT_TRUE(r.left_behind.empty()) << r.left_behind.size() << " processes left behind";
    EXPECT_EQ(count_entries(tmp_), 0) << "a temp folder was left in " << tmp_;
    EXPECT_EQ(entries("/"), slash_before_) << "something was created or removed in /";
  }

  std::string rule_summary(const CheckerRun& r) const {
    std::string s;
    if (!r.scorecard.is_object()) return "no scorecard; stderr: " + r.err;
    for (const auto& rule : r.scorecard["rules"])
      s += std::string(rule["id"]) + "=" + std::string(rule["status"]) + " ";
    return s;
  }

  std::optional<TempDir> root_dir_;
  std::string root_, tmp_, reports_;
  std::set<std::string> slash_before_;
  double wall_ms_ = 0;
};

// --- process-count and process-identity hostility -----------------------

TEST_F(Hostile, BoundedForkBombIsJudgedAndEnded) {
  auto r = check({"--race-trials", "1", "--start-timeout", "2", "--stop-timeout", "1", "--",
                  hostile("hostile_forkbomb"), "200"});
  expect_clean(r);
  EXPECT_EQ(r.status("parent-exits"), "pass") << r.message("parent-exits");
  // The second launch makes another bomb; the first bomb's children outlive it.
  EXPECT_EQ(r.status("single-instance"), "fail") << r.message("single-instance");
  EXPECT_EQ(r.status("sigterm-cleanup"), "fail") << r.message("sigterm-cleanup");
  // Ended by the check's own bounds, within the whole check's default
  // --timeout (60 s), not by a hang (a sanitizer build needs about 30 s).
  EXPECT_LT(wall_ms_, 60000) << rule_summary(r);
}

// SIGTERM ignored (SIG_IGN): the kernel discards it as it is sent, so the
// SIGTERM probe fails at once and kills the daemon, without the stop timeout.
TEST_F(Hostile, IgnoringSigtermAndSigintFailsAtOnceAndIsKilled) {
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--stop-timeout", "20", "--",
                  hostile("hostile_ignore_term")});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("sigterm-exits"), "fail") << r.message("sigterm-exits");
  EXPECT_NE(r.message("sigterm-exits").find("discarded"), std::string::npos)
      << r.message("sigterm-exits");
  EXPECT_EQ(r.status("new-session"), "pass");
  EXPECT_LT(r.scorecard.value("duration_ms", 0.0), 20000) << "the stop timeout was waited";
}

// SIGTERM caught by a handler that does nothing: the kernel delivers it and
// only the stop timeout tells, after which the daemon is killed.
TEST_F(Hostile, CatchingSigtermWithoutExitingIsKilledAtTheStopBound) {
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--stop-timeout", "1", "--",
                  hostile("hostile_ignore_term"), "catch"});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("sigterm-exits"), "fail") << r.message("sigterm-exits");
  EXPECT_NE(r.message("sigterm-exits").find("still running"), std::string::npos)
      << r.message("sigterm-exits");
  EXPECT_EQ(r.status("new-session"), "pass");
  double ms = r.scorecard.value("duration_ms", 0.0);
  EXPECT_GT(ms, 1000) << "the stop timeout is waited";
  // At most: the second daemon awaited for the start timeout (2 s), the stop
  // timeout paid once (1 s), then SIGKILL.
  EXPECT_LT(ms, 6000) << "the stop timeout is paid once, then SIGKILL";
}

TEST_F(Hostile, SetsidChainIsFollowedToItsLastGeneration) {
  // A 200 ms quiet window: a generation stalled for 30 ms on a loaded machine
  // must not end startup early.
  auto r = check({"--race-trials", "0", "--start-timeout", "5", "--settle-ms", "200", "--",
                  hostile("hostile_setsid_loop"), "200"});
  expect_clean(r);
  EXPECT_EQ(r.status("parent-exits"), "pass") << r.message("parent-exits");
  EXPECT_EQ(r.status("new-session"), "pass") << r.message("new-session");
  EXPECT_EQ(r.status("double-fork"), "pass") << r.message("double-fork");
  ASSERT_TRUE(r.scorecard.contains("daemons"));
  EXPECT_EQ(r.scorecard["daemons"].size(), 1u) << r.scorecard["daemons"].dump();
}

// A chain that re-forks for 3 s, longer than the start timeout: startup never
// settles, and cleanup has to catch a process whose pid changes all the time.
TEST_F(Hostile, RunawaySetsidChainIsStopped) {
  auto r = check({"--race-trials", "0", "--start-timeout", "1", "--stop-timeout", "1", "--",
                  hostile("hostile_setsid_loop"), "100000", "3"});
  expect_clean(r);
  EXPECT_LT(wall_ms_, 15000) << rule_summary(r);
}

// A 100-generation chain (about 50 ms of forking) at default settings: the
// second launch's chain is still forking while the checker's last scans run.
// A single /proc scan can miss a chain member (its parent is read, then exits
// and is reaped before its child is listed), so "one empty scan" is not
// "nothing left". Five runs, none may leave anything.
// With PID-namespace isolation the namespace dies with the checker; without
// it (--no-isolation, or where the kernel refuses a namespace) only the
// subreaper's scans stand between the chain and init.
class HostileIsolation : public Hostile, public ::testing::WithParamInterface<bool> {};

TEST_P(HostileIsolation, ShortSetsidChainIsNeverLeftBehind) {
  int leaked = 0;
  std::string where;
  for (int i = 0; i < 5; ++i) {
    std::vector<std::string> args{
        "--race-trials", "0", "--start-timeout", "2", "--", hostile("hostile_setsid_loop"), "100"};
    if (!GetParam()) args.insert(args.begin(), "--no-isolation");
    auto r = check(args);
    ASSERT_TRUE(r.scorecard.is_object()) << r.err;
    // The harness counts at once; members still in flight show up a moment later.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int late = sweep_children();
    int n = static_cast<int>(r.left_behind.size()) + late;
    if (n) where += "run " + std::to_string(i) + ": " + std::to_string(n) + " left; ";
    leaked += n;
  }
  EXPECT_EQ(leaked, 0) << where;
  EXPECT_EQ(count_entries(tmp_), 0);
}
INSTANTIATE_TEST_SUITE_P(Checker, HostileIsolation, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Isolated" : "NoIsolation";
                         });

TEST_F(Hostile, ExecIntoAnotherProgramIsObservedAsThatProgram) {
  // The exec follows the readiness byte; a 200 ms quiet window covers it.
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--stop-timeout", "1",
                  "--settle-ms", "200", "--", hostile("hostile_exec")});
  expect_clean(r);
  ASSERT_TRUE(r.scorecard.contains("daemons"));
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u) << r.scorecard["daemons"].dump();
  EXPECT_EQ(r.scorecard["daemons"][0]["comm"], "sleep");
  EXPECT_EQ(r.status("new-session"), "pass");
  EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
}

TEST_F(Hostile, DroppingToNobodyIsSeenAndStillEnded) {
  if (::geteuid() != 0) GTEST_SKIP() << "setuid needs root";
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--expect-user", "nobody", "--",
                  hostile("hostile_setuid"), "nobody"});
  expect_clean(r);
  EXPECT_EQ(r.status("privileges-dropped"), "pass") << r.message("privileges-dropped");
  EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
}

TEST_F(Hostile, DroppingToTheWrongUserFailsPrivilegesDropped) {
  if (::geteuid() != 0) GTEST_SKIP() << "setuid needs root";
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--expect-user", "root", "--",
                  hostile("hostile_setuid"), "nobody"});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("privileges-dropped"), "fail") << r.message("privileges-dropped");
}

// --- hostile pidfiles ----------------------------------------------------
// A pidfile that never names a live descendant keeps startup waiting for the
// whole start timeout (settle() waits for the pidfile to name the daemon), so
// these runs use --start-timeout 2.

TEST_F(Hostile, PidfileSymlinkToEtcPasswdIsNeverFollowed) {
  const auto before = FileSnapshot::of("/etc/passwd");
  ASSERT_TRUE(before.exists);
  auto r = check({"--race-trials", "1", "--start-timeout", "2", "--pidfile", "{tmp}/d.pid", "--",
                  hostile("hostile_pidfile"), "symlink", "{tmp}/d.pid"});
  expect_clean(r);
  EXPECT_TRUE(FileSnapshot::of("/etc/passwd") == before) << "/etc/passwd changed";
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("pidfile-matches"), "fail") << r.message("pidfile-matches");
  EXPECT_NE(r.message("pidfile-matches").find("symbolic link"), std::string::npos)
      << r.message("pidfile-matches");
  EXPECT_EQ(r.status("pidfile-locked"), "fail") << r.message("pidfile-locked");
  EXPECT_EQ(r.out.find("root:x:0:0"), std::string::npos) << "the scorecard quotes /etc/passwd";
}

// A target that writes /run, /tmp, /var/tmp and /etc writes the check's own
// private layers: the host's folders never change, while the target itself
// reads back what it wrote (the checker finds the daemon by its /run pidfile)
// and still runs from a folder of the host's /tmp. (Every other test of this
// file keeps TMPDIR in the build tree, outside the private folders, to watch
// the check's temp folders on the host.)
TEST_F(Hostile, HostRunTmpVarTmpAndEtcAreNeverWritten) {
  const std::string tag = "dc-test-" + std::to_string(::getpid());
  const std::string pidfile = "/run/" + tag + ".pid";
  const std::vector<std::string> written = {pidfile, "/tmp/" + tag, "/var/tmp/" + tag,
                                            "/etc/" + tag + ".conf"};
  char host_tmp[] = "/tmp/dc-private-XXXXXX";
  ASSERT_NE(::mkdtemp(host_tmp), nullptr);
  const std::string prog = std::string(host_tmp) + "/daemon.sh";
  {
    std::ofstream script(prog);
    script << "#!/bin/sh\n";
    for (size_t i = 1; i < written.size(); ++i) script << "echo planted > " << written[i] << "\n";
    script << "exec setsid -f /bin/sh -c 'echo $$ > " << pidfile << "; exec sleep 1000'\n";
  }
  ASSERT_EQ(::chmod(prog.c_str(), 0755), 0);
  for (const auto& path : written) ASSERT_NE(::access(path.c_str(), F_OK), 0) << path;
  const auto passwd = FileSnapshot::of("/etc/passwd");
  auto r = check({"--race-trials", "0", "--start-timeout", "5", "--pidfile", pidfile, "--", prog});
  expect_clean(r);
  for (const auto& path : written)
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << path << " was written on the host";
  EXPECT_TRUE(FileSnapshot::of("/etc/passwd") == passwd);
  ASSERT_TRUE(r.scorecard.is_object());
  EXPECT_EQ(r.scorecard["pidfile"]["exists"], true) << r.out;
  EXPECT_EQ(r.status("pidfile-matches"), "pass") << r.message("pidfile-matches");
  const auto& made = r.scorecard["isolation"]["private_dirs"];
  for (const char* dir : {"/run", "/tmp", "/var/tmp", "/etc"})
    EXPECT_NE(std::find(made.begin(), made.end(), dir), made.end()) << dir << " " << made;
  std::error_code ec;
  std::filesystem::remove_all(host_tmp, ec);
}

TEST_F(Hostile, PidfileNamingPid1NeverSignalsPid1) {
  const std::string init_start = start_time_of(1);
  ASSERT_FALSE(init_start.empty());
  auto r = check({"--race-trials", "1", "--start-timeout", "2", "--stop-timeout", "1", "--pidfile",
                  "{tmp}/d.pid", "--", hostile("hostile_pidfile"), "pid1", "{tmp}/d.pid"});
  expect_clean(r);
  EXPECT_EQ(start_time_of(1), init_start) << "pid 1 is not the process it was";
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("pidfile-matches"), "fail") << r.message("pidfile-matches");
  // The daemon is found anyway (re-parented to the checker) and is the one
  // that gets the signals.
  ASSERT_TRUE(r.scorecard.contains("daemons"));
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u) << r.scorecard["daemons"].dump();
  EXPECT_NE(r.scorecard["daemons"][0]["pid"], 1);
  EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
}

TEST_F(Hostile, PidfileWithGarbageFailsPidfileMatches) {
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--pidfile", "{tmp}/d.pid", "--",
                  hostile("hostile_pidfile"), "garbage", "{tmp}/d.pid"});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("pidfile-matches"), "fail") << r.message("pidfile-matches");
  EXPECT_EQ(r.status("pidfile-locked"), "pass") << r.message("pidfile-locked");
  EXPECT_EQ(r.status("single-instance"), "pass") << r.message("single-instance");
}

TEST_F(Hostile, OneMegabytePidfileIsReadBoundedAndFails) {
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--pidfile", "{tmp}/d.pid", "--",
                  hostile("hostile_pidfile"), "huge", "{tmp}/d.pid"});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("pidfile-matches"), "fail") << r.message("pidfile-matches");
  EXPECT_LT(r.out.size(), 256u * 1024) << "the scorecard carries the pidfile's megabyte";
  EXPECT_LT(r.message("pidfile-matches").size(), 1000u)
      << r.message("pidfile-matches").substr(0, 200);
}

// --- terminal and descriptors --------------------------------------------

// The checker reads and discards what arrives on the terminal, as a terminal
// window would scroll it by, so a chatty banner far larger than the pty's
// buffer does not block the target: it daemonizes (this one skips the pidfile,
// so the single-instance rules fail; not the point here).
TEST_F(Hostile, TenMegabytesOnTheTerminalBeforeDetachingAreScrolledBy) {
  auto r = check({"--race-trials", "0", "--start-timeout", "10", "--stop-timeout", "1", "--",
                  hostile("hostile_flood_stdout"), "10"});
  expect_clean(r);
  EXPECT_EQ(r.status("parent-exits"), "pass") << r.message("parent-exits");
  EXPECT_EQ(r.status("double-fork"), "pass") << r.message("double-fork");
  EXPECT_EQ(r.status("stdio-detached"), "pass") << r.message("stdio-detached");
  EXPECT_EQ(r.status("survives-hangup"), "pass") << r.message("survives-hangup");
}

TEST_F(Hostile, ClosingEveryDescriptorFailsStdioOpen) {
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--settle-ms", "200", "--",
                  hostile("hostile_close_all")});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("stdio-open"), "fail") << r.message("stdio-open");
  EXPECT_EQ(r.status("inherited-fds-closed"), "pass") << r.message("inherited-fds-closed");
  EXPECT_EQ(r.status("no-controlling-tty"), "pass") << r.message("no-controlling-tty");
}

// --- targets that cannot run ----------------------------------------------

TEST_F(Hostile, NonExecutableTargetExits3WithoutAReport) {
  std::string target = root_ + "/not-executable";
  {
    std::ofstream f(target);
    f << "#!/bin/sh\nexit 0\n";
  }
  ASSERT_EQ(::chmod(target.c_str(), 0644), 0);
  auto r = check({"--race-trials", "0", "--", target});
  EXPECT_EQ(r.exit_status, 3) << r.err;
  EXPECT_NE(r.err.find("not executable"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_clean(r, false);
}

TEST_F(Hostile, MissingInterpreterExits3WithoutAReport) {
  std::string target = root_ + "/bad-interpreter";
  {
    std::ofstream f(target);
    f << "#!/nonexistent/interpreter\n";
  }
  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  auto r = check({"--race-trials", "0", "--", target});
  EXPECT_EQ(r.exit_status, 3) << r.err << rule_summary(r);
  EXPECT_NE(r.err.find("cannot execute"), std::string::npos) << r.err;
  expect_clean(r, false);
}

// --- a checker its target cannot hurt -------------------------------------

// Lines of this process's mountinfo whose mount point lies under dir.
int mounts_under(const std::string& dir) {
  std::istringstream lines(slurp("/proc/self/mountinfo"));
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string f[5];
    for (auto& x : f) fields >> x;
    if (f[4].starts_with(dir + "/")) ++n;
  }
  return n;
}

// The pids cgroups a daemoncheck made (daemoncheck-PID) for one of `pids`.
int cgroups_of(const std::vector<int>& pids) {
  int n = 0;
  for (int pid : pids)
    for (const char* root : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"})
      if (::access((std::string(root) + "/daemoncheck-" + std::to_string(pid)).c_str(), F_OK) == 0)
        ++n;
  return n;
}

bool isolation_works(const CheckerRun& r) {
  return r.scorecard.is_object() && r.scorecard["isolation"]["pid_namespace"] == true;
}

// A bind mount inside {tmp} (a chroot jail binding /usr) and a symbolic
// link to the same folder: removing the temp folder detaches the mount and
// removes the link, and deletes nothing of the folder they point at.
TEST_F(Hostile, MountAndLinkInsideTheTempFolderDeleteNothingOutsideIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "mount needs root";
  const std::string outside = root_ + "/outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((outside + "/sub").c_str(), 0755), 0);
  std::ofstream(outside + "/sentinel") << "keep me\n";
  std::ofstream(outside + "/sub/deeper") << "keep me too\n";
  for (bool isolate : {true, false}) {
    SCOPED_TRACE(isolate ? "isolated" : "--no-isolation");
    std::vector<std::string> args{"--race-trials",
                                  "0",
                                  "--start-timeout",
                                  "2",
                                  "--stop-timeout",
                                  "1",
                                  "--",
                                  hostile("hostile_mount"),
                                  outside,
                                  "{tmp}/jail",
                                  "{tmp}/link"};
    if (!isolate) args.insert(args.begin(), "--no-isolation");
    auto r = check(args);
    expect_clean(r);
    EXPECT_EQ(slurp(outside + "/sentinel"), "keep me\n");
    EXPECT_EQ(slurp(outside + "/sub/deeper"), "keep me too\n");
    EXPECT_EQ(mounts_under(tmp_), 0) << "a mount was left below " << tmp_;
    std::error_code ec;
    std::filesystem::remove_all(reports_, ec);
    ::mkdir(reports_.c_str(), 0755);
  }
}

// The start-up sweep removes only folders that carry daemoncheck's mark and
// whose owner is gone; a user's folder with a daemoncheck-like name stays.
TEST_F(Hostile, SweepRemovesOnlyMarkedFoldersOfGoneCheckers) {
  const std::string users = tmp_ + "/daemoncheck-my-notes-99999-keep";
  ASSERT_EQ(::mkdir(users.c_str(), 0700), 0);
  std::ofstream(users + "/notes.txt") << "mine\n";
  // A folder a killed checker left: its mark names a process that is gone.
  const std::string stale = tmp_ + "/daemoncheck-99999-Ab12Cd";
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0);
  std::ofstream(stale + "/.daemoncheck-owner") << "daemoncheck-temp-folder 99999 1\n";
  std::ofstream(stale + "/d.pid") << "123\n";
  // A marked folder whose owner runs (this test, with its real start time).
  const std::string live = tmp_ + "/daemoncheck-" + std::to_string(::getpid()) + "-Zz99Yy";
  ASSERT_EQ(::mkdir(live.c_str(), 0755), 0);
  std::ofstream(live + "/.daemoncheck-owner")
      << "daemoncheck-temp-folder " << ::getpid() << " " << start_time_of(::getpid()) << "\n";
  auto r = check({"--race-trials", "0", "--pidfile", "{tmp}/d.pid", "--", fixture_path(),
                  "--pidfile", "{tmp}/d.pid"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(slurp(users + "/notes.txt"), "mine\n") << "a user's folder was removed";
  EXPECT_NE(::access(stale.c_str(), F_OK), 0) << "a stale marked folder was kept";
  EXPECT_EQ(::access(live.c_str(), F_OK), 0) << "the folder of a running checker was removed";
  EXPECT_EQ(entries(tmp_), (std::set<std::string>{".", "..", "daemoncheck-my-notes-99999-keep",
                                                  live.substr(tmp_.size() + 1)}));
}

// A target that swaps the report folder for a symbolic link mid-run: the
// scorecard still lands in the folder that was named, never in the link's
// target.
TEST_F(Hostile, ReportFolderSwappedForALinkStillGetsTheScorecard) {
  const std::string elsewhere = root_ + "/elsewhere";
  ASSERT_EQ(::mkdir(elsewhere.c_str(), 0755), 0);
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--stop-timeout", "1", "--markdown",
                  reports_ + "/r.md", "--", hostile("hostile_swap_dir"), reports_, elsewhere});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(count_entries(elsewhere), 0) << "a report was written through the swapped link";
  EXPECT_EQ(count_entries(reports_ + ".orig"), 2) << "scorecard and markdown";
  EXPECT_TRUE(r.left_behind.empty());
  EXPECT_EQ(count_entries(tmp_), 0);
}

// A daemon that signals its parent (the checker, which it was re-parented
// to, in the first launch and in the race trials) when ready and every 20 ms
// after. The check still ends with a scorecard and leaves nothing. SIGKILL and SIGSTOP can only be
// kept from the checker when it runs as its PID namespace's init; without isolation the catchable
// ones are ignored or told apart by their sender.
struct ParentSignal {
  const char* sig;
  bool isolate;
};
class HostileParentSignal : public Hostile, public ::testing::WithParamInterface<ParentSignal> {};

TEST_P(HostileParentSignal, TheCheckEndsWithAScorecardAndLeavesNothing) {
  const ParentSignal p = GetParam();
  std::vector<std::string> args{"--race-trials",
                                "2",
                                "--start-timeout",
                                "2",
                                "--stop-timeout",
                                "1",
                                "--",
                                hostile("hostile_signal_parent"),
                                p.sig,
                                "daemon"};
  if (!p.isolate) args.insert(args.begin(), "--no-isolation");
  auto r = check(args);
  if (p.isolate && r.scorecard.is_object() && !isolation_works(r))
    GTEST_SKIP() << "no PID namespace here";
  expect_clean(r);
  EXPECT_EQ(mounts_under(tmp_), 0);
  EXPECT_EQ(cgroups_of({r.pid}), 0);
  EXPECT_LT(wall_ms_, 20000) << rule_summary(r);
}
INSTANTIATE_TEST_SUITE_P(Checker, HostileParentSignal,
                         ::testing::Values(ParentSignal{"usr1", true}, ParentSignal{"term", true},
                                           ParentSignal{"kill", true}, ParentSignal{"stop", true},
                                           ParentSignal{"usr1", false},
                                           ParentSignal{"term", false}),
                         [](const ::testing::TestParamInfo<ParentSignal>& i) {
                           return std::string(i.param.sig) +
                                  (i.param.isolate ? "Isolated" : "NoIsolation");
                         });

// Twenty times: a target that kills its parent, one that stops it, and a
// daemoncheck killed with SIGKILL at a random moment. Nothing is left:
// processes, temp folders, cgroups, mounts.
TEST_F(Hostile, TwentyHostileEndingsLeaveNothing) {
  int processes = 0, temp = 0, cgroups = 0, mounts = 0, reports = 0;
  std::vector<int> checkers;
  unsigned seed = static_cast<unsigned>(::getpid());
  for (int i = 0; i < 20; ++i) {
    for (const char* sig : {"kill", "stop"}) {
      auto r = check({"--race-trials", "1", "--start-timeout", "2", "--stop-timeout", "1", "--",
                      hostile("hostile_signal_parent"), sig, "daemon"});
      if (r.scorecard.is_object() && !isolation_works(r)) GTEST_SKIP() << "no PID namespace here";
      reports += r.scorecard.is_object() ? 0 : 1;
      processes += static_cast<int>(r.left_behind.size()) + sweep_children();
      checkers.push_back(r.pid);
    }
    // SIGKILL of daemoncheck itself, 0 to 400 ms after its temp folder exists.
    const int delay_ms = static_cast<int>(::rand_r(&seed) % 400);
    auto r =
        run_checker_interrupted({"--report-dir", reports_, "--race-trials", "1", "--start-timeout",
                                 "2", "--", fixture_path(), "--pidfile", "{tmp}/d.pid"},
                                tmp_, ".daemoncheck-owner", SIGKILL, delay_ms);
    processes += static_cast<int>(r.left_behind.size()) + sweep_children();
    checkers.push_back(r.pid);
    temp += count_entries(tmp_);
    mounts += mounts_under(tmp_);
  }
  cgroups = cgroups_of(checkers);
  EXPECT_EQ(processes, 0) << "processes left";
  EXPECT_EQ(temp, 0) << "temp folders left";
  EXPECT_EQ(cgroups, 0) << "cgroups left";
  EXPECT_EQ(mounts, 0) << "mounts left";
  EXPECT_EQ(reports, 0) << "checks of a target that signals its parent without a scorecard";
}

// --no-isolation: the checker can be killed (no PID namespace keeps the
// target's signals away), by the target or by the user. Ten times each: a
// daemon that SIGKILLs its parent (the checker) once, when ready (one that
// kept killing its parent would kill the keeper next, the limit the manual
// names), and a SIGKILL of
// daemoncheck at a random moment. The keeper ends what is left: no process,
// temp folder or cgroup remains.
TEST_F(Hostile, KilledCheckerWithoutIsolationLeavesNothing) {
  int processes = 0, temp = 0;
  std::vector<int> checkers;
  unsigned seed = static_cast<unsigned>(::getpid());
  for (int i = 0; i < 10; ++i) {
    auto r =
        check({"--no-isolation", "--race-trials", "1", "--start-timeout", "2", "--stop-timeout",
               "1", "--", hostile("hostile_signal_parent"), "kill", "daemon-once"});
    EXPECT_EQ(r.exit_status, 128 + SIGKILL) << "the checker was killed: " << r.err;
    processes += static_cast<int>(r.left_behind.size()) + sweep_children();
    checkers.push_back(r.pid);
    temp += count_entries(tmp_);
    const int delay_ms = static_cast<int>(::rand_r(&seed) % 400);
    auto k = run_checker_interrupted(
        {"--no-isolation", "--report-dir", reports_, "--race-trials", "1", "--start-timeout", "2",
         "--", fixture_path(), "--pidfile", "{tmp}/d.pid"},
        tmp_, ".daemoncheck-owner", SIGKILL, delay_ms);
    processes += static_cast<int>(k.left_behind.size()) + sweep_children();
    checkers.push_back(k.pid);
    temp += count_entries(tmp_);
  }
  EXPECT_EQ(processes, 0) << "processes left";
  EXPECT_EQ(temp, 0) << "temp folders left";
  EXPECT_EQ(cgroups_of(checkers), 0) << "cgroups left";
  EXPECT_EQ(mounts_under(tmp_), 0) << "mounts left";
}

// A pidfile naming the checker's own session holder: the holder is never
// judged as the daemon, and the run is not slowed down by it.
TEST_F(Hostile, PidfileNamingTheSessionHolderIsNotTheDaemon) {
  auto r = check({"--race-trials", "0", "--start-timeout", "5", "--stop-timeout", "1", "--pidfile",
                  "{tmp}/d.pid", "--", hostile("hostile_pidfile"), "parent", "{tmp}/d.pid"});
  expect_clean(r);
  ASSERT_TRUE(r.scorecard.contains("daemons"));
  const int holder = r.scorecard["launch"].value("holder_pid", -1);
  for (const auto& d : r.scorecard["daemons"]) EXPECT_NE(d["pid"], holder) << d.dump();
  EXPECT_EQ(r.scorecard["daemons"].size(), 1u) << r.scorecard["daemons"].dump();
  EXPECT_LT(wall_ms_, 8000) << rule_summary(r);
}

// A master that never detaches and a textbook worker that writes the pidfile:
// both survivors are daemons, the master is judged (and fails), and
// sigterm-cleanup does not blame the worker for the master.
TEST_F(Hostile, EverySurvivorIsJudgedNotOnlyThePidfilesProcess) {
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--stop-timeout", "1", "--pidfile",
                  "{tmp}/d.pid", "--", hostile("hostile_two_survivors"), "{tmp}/d.pid"});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1) << rule_summary(r);
  ASSERT_EQ(r.scorecard["daemons"].size(), 2u) << r.scorecard["daemons"].dump();
  EXPECT_EQ(r.status("no-controlling-tty"), "fail") << r.message("no-controlling-tty");
  EXPECT_EQ(r.status("cwd-root"), "fail") << r.message("cwd-root");
  EXPECT_EQ(r.status("sigterm-cleanup"), "pass") << r.message("sigterm-cleanup");
}

// A daemon whose main thread exited while another thread runs is alive: it
// is judged, and ended as a whole (with --no-isolation too).
TEST_F(Hostile, DaemonWhoseMainThreadExitedIsJudgedAndEnded) {
  for (bool isolate : {true, false}) {
    SCOPED_TRACE(isolate ? "isolated" : "--no-isolation");
    std::vector<std::string> args{
        "--race-trials",           "0", "--start-timeout", "2", "--stop-timeout", "1", "--",
        hostile("hostile_threads")};
    if (!isolate) args.insert(args.begin(), "--no-isolation");
    auto r = check(args);
    expect_clean(r);
    ASSERT_EQ(r.scorecard["daemons"].size(), 1u) << rule_summary(r);
    EXPECT_EQ(r.status("parent-exits"), "pass") << r.message("parent-exits");
    EXPECT_EQ(r.status("cwd-root"), "pass") << r.message("cwd-root");
    std::error_code ec;
    std::filesystem::remove_all(reports_, ec);
    ::mkdir(reports_.c_str(), 0755);
  }
}

// A chrooted daemon at the top of its new root, with --expect-root: its
// working directory is / inside the root.
TEST_F(Hostile, ChrootedDaemonsCwdIsJudgedInsideItsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root";
  auto r = check({"--race-trials", "0", "--start-timeout", "2", "--stop-timeout", "1",
                  "--expect-root", "{tmp}/jail", "--", hostile("hostile_chroot"), "{tmp}/jail"});
  expect_clean(r);
  EXPECT_EQ(r.status("root-directory"), "pass") << r.message("root-directory");
  EXPECT_EQ(r.status("cwd-root"), "pass") << r.message("cwd-root");
}

TEST_F(Hostile, CrlfScriptNamesTheInterpreterItCouldNotFind) {
  std::string target = root_ + "/crlf.sh";
  std::ofstream(target) << "#!/bin/sh\r\nexit 0\r\n";
  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  auto r = check({"--race-trials", "0", "--", target});
  EXPECT_EQ(r.exit_status, 3) << r.err;
  EXPECT_NE(r.err.find("/bin/sh\\r"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CRLF line endings?"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_clean(r, false);
}

// The launched process kills the session holder (its parent) at once: the
// check says what happened, quickly, not "still running after the start
// timeout".
TEST_F(Hostile, SessionHolderKilledByTheTargetIsReportedAsSuch) {
  auto r = check({"--race-trials", "0", "--start-timeout", "10", "--stop-timeout", "1", "--",
                  hostile("hostile_signal_parent"), "kill", "launched"});
  expect_clean(r);
  EXPECT_EQ(r.message("parent-exits").find("start timeout"), std::string::npos)
      << r.message("parent-exits");
  EXPECT_LT(r.scorecard["launch"].value("ready_ms", 1e9), 5000.0) << r.message("parent-exits");
  EXPECT_NE(r.message("parent-exits").find("session holder"), std::string::npos)
      << r.message("parent-exits");
}

// A target that never exits: the whole check ends by --timeout, and the
// scorecard says so. Its exit was not measured (the start timeout is longer):
// parent-exits is `error`, and so is every probe that could not run.
TEST_F(Hostile, TargetThatNeverExitsEndsByTheTimeout) {
  auto r = check({"--timeout", "3", "--start-timeout", "10", "--stop-timeout", "1", "--",
                  "/bin/sleep", "1000"});
  expect_clean(r);
  EXPECT_EQ(r.exit_status, 1) << rule_summary(r);
  EXPECT_EQ(r.status("parent-exits"), "error") << r.message("parent-exits");
  EXPECT_NE(r.message("parent-exits").find("--timeout"), std::string::npos)
      << r.message("parent-exits");
  EXPECT_LT(wall_ms_, 8000) << rule_summary(r);
  EXPECT_NE(r.scorecard["notes"].dump().find("--timeout"), std::string::npos)
      << r.scorecard["notes"].dump();
}

// Every rule the check's --timeout kept from being measured is `error` with
// the reason; the check ends within --timeout and a small cleanup margin.
void expect_cut_by_timeout(const CheckerRun& r, const std::vector<std::string>& rules,
                           double wall_ms, double timeout_s) {
  ASSERT_TRUE(r.scorecard.is_object()) << "exit " << r.exit_status << ": " << r.err;
  EXPECT_EQ(r.exit_status, 1) << "a required rule is error: the verdict fails";
  for (const auto& id : rules) {
    EXPECT_EQ(r.status(id), "error") << id << ": " << r.message(id);
    EXPECT_NE(r.message(id).find("--timeout"), std::string::npos) << id << ": " << r.message(id);
  }
  EXPECT_LT(wall_ms, timeout_s * 1000 + 5000) << r.scorecard["timings_ms"].dump();
  EXPECT_NE(r.scorecard["notes"].dump().find("--timeout"), std::string::npos)
      << r.scorecard["notes"].dump();
}

// The launched process never exits and ignores SIGTERM, SIGINT and SIGHUP.
TEST_F(Hostile, TargetThatNeverExitsAndIgnoresSigtermEndsByTheTimeout) {
  auto r = check({"--timeout", "3", "--start-timeout", "30", "--stop-timeout", "30", "--",
                  hostile("hostile_ignore_term"), "stay"});
  expect_clean(r);
  expect_cut_by_timeout(r, {"parent-exits", "sigterm-exits", "race-free-startup"}, wall_ms_, 3);
}

// A daemon that ignores SIGTERM and SIGHUP: the SIGTERM probe's own bound
// (30 s) is longer than the check; the check's --timeout ends it.
TEST_F(Hostile, SigtermProbeLongerThanTheCheckEndsByTheTimeout) {
  auto r = check({"--timeout", "4", "--start-timeout", "30", "--stop-timeout", "30",
                  "--race-trials", "3", "--", hostile("hostile_ignore_term"), "catch"});
  expect_clean(r);
  expect_cut_by_timeout(r, {"sigterm-exits", "sigterm-cleanup", "race-free-startup"}, wall_ms_, 4);
}

// The same daemon, whose second launch hangs: the second-instance probe's
// own bound (the 30 s start timeout) is cut, and the probes after it never run.
TEST_F(Hostile, HangingSecondInstanceEndsByTheTimeout) {
  auto r =
      check({"--timeout", "3", "--start-timeout", "30", "--stop-timeout", "30", "--race-trials",
             "3", "--", hostile("hostile_ignore_term"), "hang-second", "{tmp}/lock"});
  expect_clean(r);
  expect_cut_by_timeout(r,
                        {"single-instance", "second-instance-reports-failure", "sighup-handled",
                         "sigterm-exits", "sigterm-cleanup", "race-free-startup"},
                        wall_ms_, 3);
}

// Ten daemons with 5,000 descriptors each: every one is observed (the cost
// grows with the descriptors, once per daemon), and the run stays short.
TEST_F(Hostile, ManyDaemonsWithManyDescriptorsAreObservedInLinearTime) {
  auto r = check({"--race-trials", "0", "--start-timeout", "10", "--stop-timeout", "1", "--",
                  hostile("hostile_many_fds"), "10", "5000"});
  expect_clean(r);
  ASSERT_EQ(r.scorecard["daemons"].size(), 10u) << rule_summary(r);
  size_t fds = 0;
  for (const auto& d : r.scorecard["daemons"]) fds += d["fds"].size();
  EXPECT_GE(fds, 50000u);
  EXPECT_LT(wall_ms_, 30000) << r.scorecard["timings_ms"].dump();
}

}  // namespace
}  // namespace dc::test
