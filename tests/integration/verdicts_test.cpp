// Verdicts on real daemonizers that the checker once got wrong (rules.md v2):
// a `nohup cmd &` child, busybox's close loop, a daemon that dies of SIGHUP
// before SIGTERM is measured, a failed start's last words, the caller's core
// limit, reloads that outlast a short window, racy daemonizers, workers forked
// during the second-instance probe, probes that cannot run.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "checker_run.h"
#include "temp_dir.h"

namespace dc::test {
namespace {

std::vector<std::string> fixture(std::vector<std::string> flags,
                                 std::vector<std::string> checker_opts = {}) {
  std::vector<std::string> args = checker_opts;
  args.insert(args.end(),
              {"--pidfile", "{tmp}/d.pid", "--", fixture_path(), "--pidfile", "{tmp}/d.pid"});
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- double-fork ------------------------------------------------------------

// v1 passed it: the child's pid differs from its sid, but the session is the
// terminal's.
TEST(DoubleFork, NohupChildOfAScriptFails) {
  auto r = run_checker(
      {"--race-trials", "0", "--", "/bin/sh", "-c", "nohup sleep 1000 >/dev/null 2>&1 &"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("new-session"), "fail");
  EXPECT_EQ(r.status("double-fork"), "fail") << r.message("double-fork");
  EXPECT_TRUE(contains(r.message("double-fork"), "never left the launch session"))
      << r.message("double-fork");
  EXPECT_TRUE(r.left_behind.empty());
}

// --- the planted descriptors --------------------------------------------------

// busybox's daemonize opens /dev/null at the first free number and closes
// only the numbers below it: with the pipe at 9 it leaks.
TEST(InheritedFds, BusyboxStartStopDaemonLeaksThePipeAtNine) {
  if (::access("/usr/bin/busybox", X_OK) != 0 && ::access("/bin/busybox", X_OK) != 0)
    GTEST_SKIP() << "busybox is not installed";
  auto r = run_checker({"--race-trials", "0", "--pidfile", "{tmp}/p.pid", "--", "busybox",
                        "start-stop-daemon", "-S", "-b", "-m", "-p", "{tmp}/p.pid", "-x",
                        "/bin/sleep", "--", "1000"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  ASSERT_EQ(r.status("parent-exits"), "pass") << r.message("parent-exits");
  EXPECT_EQ(r.status("inherited-fds-closed"), "fail") << r.message("inherited-fds-closed");
  EXPECT_TRUE(contains(r.message("inherited-fds-closed"), "fd 9"))
      << r.message("inherited-fds-closed");
  std::vector<int> planted;
  for (const auto& p : r.scorecard["launch"]["planted_fds"]) planted.push_back(p["fd"]);
  EXPECT_EQ(planted, (std::vector<int>{3, 9}));
  EXPECT_TRUE(r.left_behind.empty());
}

// --- measure, don't skip ------------------------------------------------------

// glibc daemon(0, 0) + pause() dies of SIGHUP; SIGTERM is measured on a fresh
// launch.
TEST(MeasureDontSkip, GlibcDaemonSigtermIsMeasuredOnRelaunch) {
  auto r = run_checker({"--race-trials", "0", "--", glibc_daemon_path()});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("sighup-handled"), "fail");
  EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
  EXPECT_TRUE(contains(r.message("sigterm-exits"), "measured on relaunch 1"))
      << r.message("sigterm-exits");
  EXPECT_EQ(r.scorecard["probes"]["sigterm"]["relaunch"], 1);
  EXPECT_EQ(r.status("sigterm-cleanup"), "pass") << r.message("sigterm-cleanup");
  EXPECT_TRUE(r.left_behind.empty());
}

// A daemon left in the job dies of the hang-up: every later probe runs on a
// relaunch (and the relaunch dies of SIGHUP too, so SIGTERM needs another).
TEST(MeasureDontSkip, DaemonThatDiesOfTheHangupIsRelaunched) {
  auto r = run_checker(fixture({"--no-setsid", "--single-fork", "--die-on-hup"},
                               {"--race-trials", "0", "--start-timeout", "2"}));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("survives-hangup"), "fail");
  EXPECT_EQ(r.scorecard["probes"]["second_instance"]["relaunch"], 1);
  EXPECT_EQ(r.status("single-instance"), "pass") << r.message("single-instance");
  EXPECT_EQ(r.status("sighup-handled"), "fail");
  EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
  EXPECT_TRUE(contains(r.message("sigterm-exits"), "measured on relaunch 2"))
      << r.message("sigterm-exits");
  EXPECT_TRUE(r.left_behind.empty());
}

// --- what the target said -----------------------------------------------------

TEST(TerminalOutput, FailedStartQuotesTheLastLine) {
  auto r = run_checker({"--race-trials", "0", "--", "/bin/sh", "no-such-start.sh"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("parent-exits"), "fail");
  const std::string m = r.message("parent-exits");
  EXPECT_TRUE(contains(m, "exited with status 2: `")) << m;
  EXPECT_TRUE(contains(m, "cannot open no-such-start.sh")) << m;
  const std::string said = r.scorecard["launch"]["terminal_output"];
  EXPECT_TRUE(contains(said, "no-such-start.sh")) << said;
}

TEST(TerminalOutput, KeepsOnlyTheLast4KiB) {
  auto r = run_checker({"--race-trials", "0", "--", "/bin/sh", "-c",
                        "i=0; while [ $i -lt 400 ]; do echo line $i of many; i=$((i+1)); "
                        "done; echo the end; exit 3"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const std::string said = r.scorecard["launch"]["terminal_output"];
  EXPECT_LE(said.size(), 4096u);
  EXPECT_GT(said.size(), 3000u);
  EXPECT_TRUE(contains(said, "the end")) << said;
  EXPECT_FALSE(contains(said, "line 1 of many")) << "the start should have scrolled away";
  EXPECT_TRUE(contains(r.message("parent-exits"), "exited with status 3: `the end`"))
      << r.message("parent-exits");
}

// --- the core limit -----------------------------------------------------------

// A caller with `ulimit -c 0` (soft 0, hard unlimited) must not make a daemon
// that never sets RLIMIT_CORE pass.
TEST(CoreLimit, TheLaunchRaisesItWhateverTheCallerHas) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &saved), 0);
  if (saved.rlim_max == 0) GTEST_SKIP() << "the hard core limit is 0 here";
  rlimit zero = saved;
  zero.rlim_cur = 0;
  ASSERT_EQ(::setrlimit(RLIMIT_CORE, &zero), 0);
  auto r = run_checker({"--race-trials", "0", "--", glibc_daemon_path()});
  ::setrlimit(RLIMIT_CORE, &saved);
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("core-dumps-disabled"), "fail") << r.message("core-dumps-disabled");
  auto good = run_checker(fixture({}, {"--race-trials", "0"}));
  EXPECT_EQ(good.status("core-dumps-disabled"), "pass") << good.message("core-dumps-disabled");
}

// --- decided by events, not by short windows ----------------------------------

// SIGHUP blocked and read from a signalfd: no handler shows in /proc, and the
// daemon exits only once it has read the signal.
TEST(Settling, SighupReadFromASignalfdThatEndsTheDaemonFails) {
  auto r = run_checker(fixture({"--hup-signalfd", "--hup-exit"}, {"--race-trials", "0"}));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("sighup-handled"), "fail") << r.message("sighup-handled");
  EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
  EXPECT_TRUE(r.left_behind.empty());
}

// A reload during which SIGTERM is ignored: SIGTERM must wait until the
// daemon is at rest again, or it is lost.
TEST(Settling, SigtermWaitsUntilTheSighupReloadIsOver) {
  for (int run = 0; run < 3; ++run) {
    auto r = run_checker(fixture({"--hup-signalfd", "--hup-reload-ms", "30"},
                                 {"--race-trials", "0", "--stop-timeout", "2"}));
    ASSERT_TRUE(r.scorecard.is_object()) << r.err;
    EXPECT_EQ(r.status("sighup-handled"), "pass") << r.message("sighup-handled");
    EXPECT_EQ(r.status("sigterm-exits"), "pass") << r.message("sigterm-exits");
    EXPECT_GE(r.scorecard["probes"]["sighup"]["settled_ms"].get<double>(), 20);
  }
}

// --- single-instance attributes processes to the launch that made them --------

TEST(SingleInstance, WorkersForkedMeanwhileAreNotASecondInstance) {
  for (int run = 0; run < 3; ++run) {
    auto r = run_checker(fixture({"--worker-every-ms", "5"}, {"--race-trials", "0"}));
    ASSERT_TRUE(r.scorecard.is_object()) << r.err;
    EXPECT_EQ(r.status("single-instance"), "pass") << r.message("single-instance");
    EXPECT_EQ(r.status("second-instance-reports-failure"), "pass")
        << r.message("second-instance-reports-failure");
    EXPECT_TRUE(r.left_behind.empty());
  }
}

// --- a probe that cannot run is an error, never a pass ------------------------

TEST(CannotRun, DeletedBinaryMakesSingleInstanceAnError) {
  TempDir dir("dc-verdicts");
  ASSERT_FALSE(dir.path().empty());
  const std::string copy = dir.path() + "/self-deleting";
  std::filesystem::copy_file(fixture_path(), copy);
  ::chmod(copy.c_str(), 0755);
  auto r = run_checker({"--race-trials", "2", "--pidfile", "{tmp}/d.pid", "--", copy, "--pidfile",
                        "{tmp}/d.pid", "--delete-self"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("single-instance"), "error") << r.message("single-instance");
  EXPECT_TRUE(contains(r.message("single-instance"), "could not be started"))
      << r.message("single-instance");
  EXPECT_EQ(r.status("race-free-startup"), "error") << r.message("race-free-startup");
  EXPECT_FALSE(contains(r.message("race-free-startup"), "setsid"))
      << r.message("race-free-startup");
  EXPECT_EQ(r.scorecard["summary"]["verdict"], "fail");
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_TRUE(r.left_behind.empty());
}

// --- race-free-startup is adversarial -------------------------------------------

// A daemonizer whose parent does a random 0-2 ms of work after fork() and
// exits without waiting, while the child goes straight to setsid(): left to
// chance it survives about a third of launches as session leader (measured
// under the load of a shared 2-CPU machine: 14 of 40). Adversarial trials
// never let it win, so it fails every check; at real-time priority the
// parent always runs to its exit first, so no trial survives at all.
TEST(RaceTrials, ARacyDaemonizerFailsEveryCheck) {
  int passed = 0, survived = 0;
  bool realtime = true;
  for (int check = 0; check < 8; ++check) {
    auto r = run_checker(fixture({"--race-us", "2000"}, {"--race-trials", "5"}));
    ASSERT_TRUE(r.scorecard.is_object()) << r.err;
    if (r.status("race-free-startup") != "fail") ++passed;
    const auto& race = r.scorecard["probes"]["race"];
    const std::string how = race.value("how", "");
    EXPECT_TRUE(contains(how, "pinned")) << how;
    realtime = realtime && contains(how, "real-time");
    for (const auto& t : race["trials"]) {
      if (t["daemon_survived"].get<bool>()) ++survived;
    }
    EXPECT_TRUE(r.left_behind.empty());
  }
  EXPECT_EQ(passed, 0) << "a racy daemonizer passed " << passed << " of 8 checks";
  if (realtime) {
    EXPECT_EQ(survived, 0) << survived << " of 40 trials survived";
  }
}

// --- suite -------------------------------------------------------------------

// Parallel checks must not race to create a new report folder. The targets
// cannot be executed, so each check ends right after it has looked at the
// folder, and many of them look at once.
TEST(Suite, ParallelChecksShareANewReportFolder) {
  TempDir dir("dc-verdicts");
  ASSERT_FALSE(dir.path().empty());
  nlohmann::json targets = nlohmann::json::array();
  for (int i = 0; i < 16; ++i)
    targets.push_back({{"name", "t" + std::to_string(i)}, {"command", {"/nonexistent/daemon"}}});
  std::ofstream(dir.path() + "/m.json") << targets.dump();
  int raced = 0;
  for (int run = 0; run < 25; ++run) {
    const std::string reports = dir.path() + "/new-" + std::to_string(run);
    auto r = run_checker({"suite", "--jobs", "16", "--report-dir", reports, "--json", "-",
                          "--quiet", dir.path() + "/m.json"},
                         true);
    ASSERT_TRUE(r.scorecard.is_object()) << r.out << r.err;
    for (const auto& t : r.scorecard["targets"]) {
      EXPECT_EQ(t["exit_status"], 3) << t.dump();  // cannot execute, nothing else
      for (const auto& m : t["mismatches"]) {
        if (contains(m.get<std::string>(), "report folder")) ++raced;
      }
    }
  }
  EXPECT_EQ(raced, 0) << raced << " checks could not use the new report folder";
}

}  // namespace
}  // namespace dc::test
