// Every rule judged on hand-built Observations: a pass and a fail each, and
// the skips and errors the spec names. No processes are started here.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <set>

#include "rule_run.h"
#include "rules/catalog.h"
#include "rules/facts.h"
#include "rules/judge.h"
#include "sample_facts.h"

namespace dc {
namespace {

// A launch and one daemon that did everything right.
Observation good() {
  Observation o;
  o.launch = sample::planted_launch("/tmp/daemoncheck-x", 100, 2);
  DaemonFacts d;
  d.pid = 103;
  d.ppid = 1;
  d.pgrp = 102;
  d.sid = 102;
  d.cwd = "/";
  d.root = "/";
  d.umask = 0;
  d.fds = sample::stdio_on_dev_null();
  d.fds.push_back({3, "/tmp/daemoncheck-x/d.pid", 2049, 77, 0, S_IFREG | 0644, true});
  d.environ = {"PATH=/usr/bin:/bin"};
  d.core_known = true;
  d.core_soft = 0;
  d.core_hard = 0;
  o.daemons.push_back(d);
  PidfileState s = sample::locked_pidfile(103, 77);
  o.pidfile = PidfileFacts{"/tmp/daemoncheck-x/d.pid", "option", s};
  o.launch.pidfile_at_exit = s;
  return o;
}

// Which rules there are is checked against the man page and the cases index
// (catalogue_consistency_test); here, that each one is complete.
TEST(Catalog, EveryRuleIsFullyExplainedAndFoundById) {
  ASSERT_FALSE(catalog().empty());
  std::set<std::string> ids;
  for (const RuleDef& r : catalog()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id << " twice";
    EXPECT_EQ(find_rule(r.id), &r) << r.id;
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_TRUE((r.per_daemon == nullptr) != (r.per_run == nullptr)) << r.id;
    EXPECT_FALSE(std::string(r.doc.checks).empty()) << r.id;
    // A control rule's fix is a line of an init script: shell only.
    if (r.profiles != kControl) {
      EXPECT_FALSE(std::string(r.doc.fix_c).empty()) << r.id;
      EXPECT_FALSE(std::string(r.doc.fix_python).empty()) << r.id;
    }
    EXPECT_FALSE(std::string(r.doc.fix_shell).empty()) << r.id;
  }
  EXPECT_EQ(closest_rule("cwd-rot"), "cwd-root");
}

TEST(Judge, GoodDaemonPassesEverySnapshotRule) {
  Judgement j = judge(good(), {}, false);
  for (const auto& r : j.results)
    EXPECT_TRUE(r.status == Status::Pass || r.status == Status::Skip) << r.id << ": " << r.message;
  EXPECT_TRUE(j.pass);
  EXPECT_EQ(j.exit_status, 0);
}

TEST(ParentExits, FailsWhenLaunchedProcessNeverExits) {
  Observation o = good();
  o.launch.launched_exit.reset();
  EXPECT_EQ(status("parent-exits", o), Status::Fail);
}

// A target that kills the shell it was started from fails, whether or not
// its own exit 0 was still seen (which depends on timing): the verdict must
// not change with load.
TEST(ParentExits, SessionHolderKilledBeforeTheExitFailsEitherWay) {
  Observation o = good();
  ExitInfo holder;
  holder.pid = o.launch.holder_pid;
  holder.signal = SIGKILL;
  holder.at_ms = o.launch.launched_exit->at_ms - 0.5;
  o.launch.holder_exit = holder;
  auto seen = run("parent-exits", o);
  EXPECT_EQ(seen.status, Status::Fail);
  EXPECT_NE(seen.message.find("session holder"), std::string::npos) << seen.message;
  o.launch.launched_exit.reset();
  auto unseen = run("parent-exits", o);
  EXPECT_EQ(unseen.status, Status::Fail);
  EXPECT_NE(unseen.message.find("session holder"), std::string::npos) << unseen.message;
}

TEST(ParentExits, SessionHolderEndingAfterTheExitIsNoFault) {
  Observation o = good();
  ExitInfo holder;
  holder.pid = o.launch.holder_pid;
  holder.signal = SIGKILL;
  holder.at_ms = o.launch.launched_exit->at_ms + 5;
  o.launch.holder_exit = holder;
  EXPECT_EQ(status("parent-exits", o), Status::Pass);
}

TEST(ParentExits, FailsOnNonZeroExit) {
  Observation o = good();
  o.launch.launched_exit->exit_status = 1;
  auto r = run("parent-exits", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("status 1"), std::string::npos);
}

// rules.md v2, "What the target said".
TEST(ParentExits, FailedStartQuotesTheLastLineOnTheTerminal) {
  Observation o = good();
  o.launch.launched_exit->exit_status = 2;
  o.launch.terminal_output = "$ start\r\nsh: 0: cannot open start.sh: No such file\r\n\r\n";
  auto r = run("parent-exits", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("exited with status 2: `sh: 0: cannot open start.sh: No such file`"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(r.evidence["last_line"], "sh: 0: cannot open start.sh: No such file");
}

TEST(LastLine, SkipsBlankLinesAndCarriageReturns) {
  EXPECT_EQ(last_line("a\r\nb  \r\n \r\n"), "b");
  EXPECT_EQ(last_line("only"), "only");
  EXPECT_EQ(last_line("\n\n"), "");
  EXPECT_EQ(last_line(""), "");
}

TEST(ParentExits, NoSurvivorSaysWhatHappenedAndSkipsDaemonRules) {
  Observation o = good();
  o.daemons.clear();
  ExitInfo child;
  child.pid = 102;
  child.signal = SIGSEGV;
  child.at_ms = 4;
  o.launch.reaped = {child};
  auto r = run("parent-exits", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("pid 102 was killed by SIGSEGV"), std::string::npos) << r.message;
  auto cwd = run("cwd-root", o);
  EXPECT_EQ(cwd.status, Status::Skip);
  EXPECT_EQ(cwd.message, "no daemon survived startup");
}

TEST(ReadyBeforeExit, FailsWhenPidfileAppearedAfterExit) {
  Observation o = good();
  o.launch.pidfile_at_exit = PidfileState{};
  EXPECT_EQ(status("ready-before-exit", o), Status::Fail);
  o.pidfile.reset();
  EXPECT_EQ(status("ready-before-exit", o), Status::Skip);
}

TEST(ReadyBeforeExit, ASymlinkedPidfileIsNamedAsSuch) {
  Observation o = good();
  PidfileState link;
  link.exists = true;
  link.is_symlink = true;
  link.parse_error = "/tmp/daemoncheck-x/d.pid is a symbolic link; it is not followed";
  o.launch.pidfile_at_exit = link;
  auto r = run("ready-before-exit", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("is a symbolic link"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("held \"\""), std::string::npos) << r.message;
}

TEST(ParentExits, AStartThatNeverSettledSaysSo) {
  Observation o = good();
  o.launch.settle_timed_out = true;
  auto r = run("parent-exits", o);
  EXPECT_EQ(r.status, Status::Pass);
  EXPECT_NE(r.message.find("never named a running process"), std::string::npos) << r.message;
  EXPECT_EQ(r.evidence["settle_timed_out"], true);
  o.pidfile.reset();
  r = run("parent-exits", o);
  EXPECT_NE(r.message.find("still starting or changing"), std::string::npos) << r.message;
  EXPECT_EQ(run("parent-exits", good()).message.find("never settled"), std::string::npos);
}

TEST(NewSession, FailsInLaunchSession) {
  Observation o = good();
  o.daemons[0].sid = 100;
  EXPECT_EQ(status("new-session", o), Status::Fail);
  EXPECT_EQ(status("new-session", good()), Status::Pass);
}

TEST(NoControllingTty, FailsWithTtyNrOrFdOnLaunchTerminal) {
  Observation o = good();
  o.daemons[0].tty_nr = 34823;
  EXPECT_EQ(status("no-controlling-tty", o), Status::Fail);
  o = good();
  o.daemons[0].fds.push_back({9, "/dev/pts/7", 5, 10, makedev(136, 7), S_IFCHR | 0620, true});
  EXPECT_EQ(status("no-controlling-tty", o), Status::Fail);
}

TEST(DoubleFork, FailsForSessionLeader) {
  Observation o = good();
  o.daemons[0].sid = o.daemons[0].pid;
  EXPECT_EQ(status("double-fork", o), Status::Fail);
}

// A `nohup cmd &` child: pid != sid, but the session is the terminal's.
TEST(DoubleFork, FailsForDaemonThatNeverLeftTheLaunchSession) {
  Observation o = good();
  o.daemons[0].sid = o.launch.launch_sid;
  auto r = run("double-fork", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("never left the launch session"), std::string::npos) << r.message;
  EXPECT_EQ(status("double-fork", good()), Status::Pass);
}

TEST(CwdRoot, FailsWhenDaemonKeepsLaunchDirectory) {
  Observation o = good();
  o.daemons[0].cwd = "/tmp/daemoncheck-x";
  auto r = run("cwd-root", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("launched from"), std::string::npos);
  o.expect.cwd = "/tmp/daemoncheck-x";
  EXPECT_EQ(status("cwd-root", o), Status::Pass);
}

TEST(UmaskReset, FailsOnInheritedAndUnexpectedUmask) {
  Observation o = good();
  o.daemons[0].umask = 047;
  EXPECT_EQ(status("umask-reset", o), Status::Fail);
  o = good();
  o.expect.umask = 022;
  EXPECT_EQ(status("umask-reset", o), Status::Fail);
  o.daemons[0].umask = 022;
  EXPECT_EQ(status("umask-reset", o), Status::Pass);
  o.daemons[0].umask.reset();
  EXPECT_EQ(status("umask-reset", o), Status::Error);
}

TEST(InheritedFdsClosed, MatchesByDeviceAndInodeNotNumber) {
  Observation o = good();
  o.daemons[0].fds.push_back({17, "pipe:[12]", 14, 12, 0, S_IFIFO | 0600, true});
  auto r = run("inherited-fds-closed", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("fd 17"), std::string::npos);
  o = good();
  o.daemons[0].fds.push_back({3, "/other", 2049, 99, 0, S_IFREG, true});  // same number, other file
  EXPECT_EQ(status("inherited-fds-closed", o), Status::Pass);
}

TEST(StdioOpen, FailsWhenStdoutClosed) {
  Observation o = good();
  o.daemons[0].fds.erase(o.daemons[0].fds.begin() + 1);
  auto r = run("stdio-open", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("descriptor 1 is closed"), std::string::npos) << r.message;
}

TEST(StdioDetached, FailsWhenStdoutIsTheLaunchPty) {
  Observation o = good();
  o.daemons[0].fds[1] = {1, "/dev/pts/7", 5, 10, makedev(136, 7), S_IFCHR | 0620, true};
  EXPECT_EQ(status("stdio-detached", o), Status::Fail);
}

TEST(SignalMaskReset, FailsWhenPlantedSignalStillBlocked) {
  Observation o = good();
  o.daemons[0].sig_blk = uint64_t{1} << (SIGUSR2 - 1);
  auto r = run("signal-mask-reset", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("SIGUSR2"), std::string::npos);
}

TEST(SignalDispositionsReset, FailsWhenPlantedSignalStillIgnored) {
  Observation o = good();
  o.daemons[0].sig_ign = uint64_t{1} << (SIGRTMIN + 3 - 1);
  EXPECT_EQ(status("signal-dispositions-reset", o), Status::Fail);
}

TEST(EnvSanitized, FailsWithCanaryAndSearchesRewrittenBlocks) {
  Observation o = good();
  o.daemons[0].environ.push_back("DAEMONCHECK_CANARY=v");
  EXPECT_EQ(status("env-sanitized", o), Status::Fail);
  o = good();
  o.daemons[0].environ_key_value = false;
  EXPECT_EQ(status("env-sanitized", o), Status::Error);  // could not search: never pass
  o.daemons[0].canary_in_memory = "[stack] at 0x7ffd0000";
  EXPECT_EQ(status("env-sanitized", o), Status::Fail);
  o.daemons[0].canary_in_memory = "";
  EXPECT_EQ(status("env-sanitized", o), Status::Pass);
}

TEST(PidfileMatches, FailsOnOtherPidGarbageAndSymlink) {
  Observation o = good();
  o.pidfile->state.pid = 101;
  EXPECT_EQ(status("pidfile-matches", o), Status::Fail);
  o.pidfile->state.pid.reset();
  o.pidfile->state.parse_error = "not a number";
  EXPECT_EQ(status("pidfile-matches", o), Status::Fail);
  o = good();
  o.pidfile->state.is_symlink = true;
  o.pidfile->state.regular = false;
  EXPECT_EQ(status("pidfile-matches", o), Status::Fail);
  o.pidfile.reset();
  EXPECT_EQ(status("pidfile-matches", o), Status::Skip);
}

TEST(PidfileLocked, FlockOfExitedLauncherCountsWhenDaemonHasInodeOpen) {
  Observation o = good();
  o.pidfile->state.locks = {"1: FLOCK  ADVISORY  WRITE 101 08:01:77 0 EOF"};
  EXPECT_EQ(status("pidfile-locked", o), Status::Pass);
  o.daemons[0].fds.pop_back();  // the daemon does not have it open
  EXPECT_EQ(status("pidfile-locked", o), Status::Fail);
}

TEST(PidfileLocked, PosixLockOfAnotherProcessFails) {
  Observation o = good();
  o.pidfile->state.locks = {"1: POSIX  ADVISORY  WRITE 555 08:01:77 0 EOF"};
  EXPECT_EQ(status("pidfile-locked", o), Status::Fail);
  o.daemons[0].descendants = {555};
  EXPECT_EQ(status("pidfile-locked", o), Status::Pass);
  o.pidfile->state.locks.clear();
  EXPECT_EQ(status("pidfile-locked", o), Status::Fail);
}

TEST(CoreDumpsDisabled, FailsWhenUnlimited) {
  Observation o = good();
  o.daemons[0].core_soft.reset();
  EXPECT_EQ(status("core-dumps-disabled", o), Status::Fail);
}

// With a hard limit of 0 the launch cannot plant a core limit: a 0 in the
// daemon proves nothing.
TEST(CoreDumpsDisabled, SkipsWhenTheLaunchCouldNotRaiseTheLimit) {
  Observation o = good();
  o.launch.core_limit = 0;
  EXPECT_EQ(status("core-dumps-disabled", o), Status::Skip);
  o.launch.core_limit.reset();  // planted: unlimited
  EXPECT_EQ(status("core-dumps-disabled", o), Status::Pass);
}

TEST(PrivilegesDropped, RequiredOnlyWithExpectUser) {
  Observation o = good();
  EXPECT_EQ(status("privileges-dropped", o), Status::Skip);
  o.expect.uid = 65534;
  auto r = run("privileges-dropped", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_EQ(r.severity, Severity::Required);
  for (auto& u : o.daemons[0].uid) u = 65534;
  EXPECT_EQ(status("privileges-dropped", o), Status::Pass);
  o.daemons[0].uid[2] = 0;  // saved uid still root
  EXPECT_EQ(status("privileges-dropped", o), Status::Fail);
}

TEST(RootDirectory, RequiredOnlyWithExpectRoot) {
  Observation o = good();
  EXPECT_EQ(status("root-directory", o), Status::Skip);
  o.expect.root = "/srv/jail";
  EXPECT_EQ(status("root-directory", o), Status::Fail);
  o.daemons[0].root = "/srv/jail";
  EXPECT_EQ(status("root-directory", o), Status::Pass);
}

TEST(SurvivesHangup, FailsWhenReachableDaemonDied) {
  Observation o = good();
  o.probes.hangup.ran = true;
  EXPECT_EQ(status("survives-hangup", o), Status::Pass);
  ExitInfo e;
  e.pid = 103;
  e.signal = SIGHUP;
  o.probes.hangup.reachable = {103};
  o.probes.hangup.died = {e};
  EXPECT_EQ(status("survives-hangup", o), Status::Fail);
}

TEST(SingleInstance, FailsOnSecondDaemonKilledFirstOrChangedPidfile) {
  Observation o = good();
  o.probes.second.ran = true;
  EXPECT_EQ(status("single-instance", o), Status::Pass);
  o.probes.second.left_behind = {200};
  EXPECT_EQ(status("single-instance", o), Status::Fail);
  o = good();
  o.probes.second.ran = true;
  o.probes.second.pidfile_unchanged = false;
  o.probes.second.pidfile_change = "it was deleted";
  auto r = run("single-instance", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("deleted"), std::string::npos);
}

TEST(SecondInstanceReportsFailure, FailsOnExitZero) {
  Observation o = good();
  o.probes.second.ran = true;
  ExitInfo e;
  e.pid = 300;
  e.exit_status = 0;
  o.probes.second.launched_exit = e;
  EXPECT_EQ(status("second-instance-reports-failure", o), Status::Fail);
  o.probes.second.launched_exit->exit_status = 1;
  EXPECT_EQ(status("second-instance-reports-failure", o), Status::Pass);
}

TEST(SighupHandled, FailsWhenKilled) {
  Observation o = good();
  o.probes.sighup.ran = true;
  EXPECT_EQ(status("sighup-handled", o), Status::Pass);
  ExitInfo e;
  e.pid = 103;
  e.signal = SIGHUP;
  o.probes.sighup.died = {e};
  EXPECT_EQ(status("sighup-handled", o), Status::Fail);
}

TEST(SigtermExits, FailsWhenKilledAtTheBound) {
  Observation o = good();
  o.probes.sigterm.ran = true;
  EXPECT_EQ(status("sigterm-exits", o), Status::Pass);
  o.probes.sigterm.killed_at_bound = {103};
  EXPECT_EQ(status("sigterm-exits", o), Status::Fail);
  EXPECT_EQ(status("sigterm-cleanup", o), Status::Skip);
}

// A SIGTERM the kernel discarded (SIG_IGN) fails as the stop timeout does,
// and says why nobody waited for that timeout.
TEST(SigtermExits, DiscardedSigtermFailsAndSaysSo) {
  Observation o = good();
  o.probes.sigterm.ran = true;
  o.probes.sigterm.killed_at_bound = {103};
  o.probes.sigterm.discarded = {103};
  auto r = run("sigterm-exits", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("ignores SIGTERM"), std::string::npos) << r.message;
  EXPECT_EQ(r.evidence["discarded"], nlohmann::json::array({103}));
  EXPECT_EQ(status("sigterm-cleanup", o), Status::Skip);
  // One daemon discarded it, another outlived the stop timeout: the bound's message.
  o.probes.sigterm.killed_at_bound = {103, 104};
  r = run("sigterm-exits", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("still running"), std::string::npos) << r.message;
}

// rules.md v2, "Measure, don't skip".
TEST(SigtermExits, SaysWhenItWasMeasuredOnARelaunch) {
  Observation o = good();
  o.probes.sigterm.ran = true;
  o.probes.sigterm.relaunch = 1;
  auto r = run("sigterm-exits", o);
  EXPECT_EQ(r.status, Status::Pass);
  EXPECT_NE(r.message.find("measured on relaunch 1"), std::string::npos) << r.message;
  EXPECT_EQ(r.evidence["relaunch"], 1);
  o.probes.sigterm = {};
  o.probes.sigterm.error = "the relaunch to measure on could not be started";
  EXPECT_EQ(status("sigterm-exits", o), Status::Error);
}

// A required probe that cannot run is an error, never a skip or a pass.
TEST(SingleInstance, AProbeThatCouldNotRunIsAnError) {
  Observation o = good();
  o.probes.second.error = "the second launch could not be started: fork: Resource unavailable";
  auto r = run("single-instance", o);
  EXPECT_EQ(r.status, Status::Error);
  EXPECT_NE(r.message.find("fork"), std::string::npos) << r.message;
  EXPECT_EQ(status("second-instance-reports-failure", o), Status::Error);
}

TEST(SigtermCleanup, FailsOnLeftoverPidfileOrChildren) {
  Observation o = good();
  o.probes.sigterm.ran = true;
  o.probes.sigterm.pidfile_known = true;
  o.probes.sigterm.pidfile_removed = true;
  EXPECT_EQ(status("sigterm-cleanup", o), Status::Pass);
  o.probes.sigterm.pidfile_removed = false;
  EXPECT_EQ(status("sigterm-cleanup", o), Status::Fail);
  o.probes.sigterm.pidfile_removed = true;
  o.probes.sigterm.left_behind = {104};
  EXPECT_EQ(status("sigterm-cleanup", o), Status::Fail);
}

TEST(RaceFreeStartup, CountsTrialsAndNamesTheSignal) {
  Observation o = good();
  o.probes.race.ran = true;
  RaceTrial ok;
  ok.daemon_survived = true;
  RaceTrial bad;
  ExitInfo e;
  e.pid = 400;
  e.signal = SIGHUP;
  bad.deaths = {e};
  o.probes.race.trials = {ok, bad, ok};
  auto r = run("race-free-startup", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("1 of 3 trials"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("SIGHUP"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("setsid()"), std::string::npos) << r.message;
  o.probes.race = {};
  EXPECT_EQ(status("race-free-startup", o), Status::Skip);
}

TEST(RaceFreeStartup, TrialsThatCouldNotStartAreAnErrorNotASetsidFailure) {
  Observation o = good();
  o.probes.race.ran = true;
  RaceTrial t;
  t.exec_error = "cannot execute /x: No such file or directory";
  o.probes.race.trials = {t, t};
  auto r = run("race-free-startup", o);
  EXPECT_EQ(r.status, Status::Error);
  EXPECT_EQ(r.message.find("setsid"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("No such file"), std::string::npos) << r.message;
}

TEST(StaysInForeground, FailsWhenLaunchedProcessExited) {
  Observation o = good();
  o.profile = ProfileId::Systemd;
  o.probes.foreground.ran = true;
  EXPECT_EQ(status("stays-in-foreground", o), Status::Pass);
  o.probes.foreground.exit = o.launch.launched_exit;
  EXPECT_EQ(status("stays-in-foreground", o), Status::Fail);
}

TEST(SdNotifyReady, RequiredWithNotify) {
  Observation o = good();
  o.profile = ProfileId::Systemd;
  o.probes.foreground.ran = true;
  auto r = run("sd-notify-ready", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_EQ(r.severity, Severity::Info);
  o.notify_required = true;
  EXPECT_EQ(run("sd-notify-ready", o).severity, Severity::Required);
  o.probes.foreground.ready_ms = 3.5;
  EXPECT_EQ(status("sd-notify-ready", o), Status::Pass);
}

TEST(Judge, SeveralDaemonsCarryTheWorstStatusAndPerDaemonEvidence) {
  Observation o = good();
  DaemonFacts second = o.daemons[0];
  second.pid = 150;
  second.cwd = "/var";
  o.daemons.push_back(second);
  auto r = run("cwd-root", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("pid 150"), std::string::npos);
  EXPECT_EQ(r.evidence["daemons"].size(), 2u);
}

TEST(Judge, RecommendedFailuresGateOnlyWithStrict) {
  Observation o = good();
  o.daemons[0].sid = o.daemons[0].pid;  // double-fork, recommended
  EXPECT_TRUE(judge(o, {}, false).pass);
  Judgement strict = judge(o, {}, true);
  EXPECT_FALSE(strict.pass);
  EXPECT_EQ(strict.exit_status, 1);
}

TEST(Judge, InfoFailuresNeverGate) {
  Observation o = good();
  o.daemons[0].core_soft.reset();
  EXPECT_TRUE(judge(o, {}, true).pass);
}

TEST(Judge, WaiverTurnsFailureIntoWaivedAndUnusedWaiversAreMarked) {
  Observation o = good();
  o.daemons[0].cwd = "/srv";
  Judgement j =
      judge(o, {{"cwd-root", "runs in its data dir", false}, {"umask-reset", "x", false}}, false);
  EXPECT_TRUE(j.pass);
  EXPECT_TRUE(j.waivers[0].used);
  EXPECT_FALSE(j.waivers[1].used);
  EXPECT_EQ(j.counts["waived"], 1);
}

TEST(Judge, SystemdProfileRunsOnlyItsRules) {
  Observation o = good();
  o.profile = ProfileId::Systemd;
  Judgement j = judge(o, {}, false);
  std::set<std::string> ids;
  for (const auto& r : j.results) ids.insert(r.id);
  EXPECT_EQ(ids, (std::set<std::string>{"stays-in-foreground", "sd-notify-ready", "sigterm-exits",
                                        "sigterm-cleanup", "stdio-open", "sighup-handled"}));
}

}  // namespace
}  // namespace dc
