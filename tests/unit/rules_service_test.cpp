// The service profile's rules judged on hand-built Observations: a pass and
// a fail each, and the skips where a rule does not apply. No processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <optional>
#include <string>
#include <vector>

#include "rule_run.h"
#include "rules/catalog.h"
#include "rules/judge.h"

namespace dc {
namespace {

ExecRun exec_run(const char* kind, std::vector<std::string> argv, pid_t pid,
                 std::optional<int> status = std::nullopt) {
  ExecRun e;
  e.kind = kind;
  e.argv = std::move(argv);
  e.pid = pid;
  e.exit_status = status;
  e.ended_ms = status ? 5 : -1;
  return e;
}

ServiceNotify message(pid_t sender, const char* text) {
  ServiceNotify m;
  m.at_ms = 20;
  m.sender = sender;
  m.text = text;
  m.accepted = true;
  return m;
}

// A Type=notify service that did everything right: READY=1 from the main
// process, reloaded by ExecReload=, fed its watchdog and stopped on SIGTERM.
Observation good_notify() {
  Observation o;
  o.profile = ProfileId::Service;
  ServiceFacts s;
  UnitFacts& u = s.unit;
  u.file = "/tmp/x/good.service";
  u.name = "good.service";
  u.exec_start_count = 1;
  u.exec_start_program = "/usr/bin/good";
  u.exec_start_absolute = u.exec_start_exists = u.exec_start_executable = true;
  u.type = "notify";
  u.notify_access = "main";
  u.kill_mode = "control-group";
  u.has_exec_reload = true;
  u.watchdog_usec = 30000000;
  u.watchdog_usec_used = 2000000;
  s.execs.push_back(exec_run("ExecStart", {"/usr/bin/good"}, 10));
  s.execs.push_back(exec_run("ExecReload", {"/bin/kill", "-HUP", "10"}, 12, 0));
  s.notify.push_back(message(10, "READY=1"));
  s.start.ran = true;
  s.start.exec_pid = 10;
  s.start.main_pid = 10;
  s.start.main_pid_source = "exec";
  s.start.main_alive_at_end = true;
  s.start.survivors = {10};
  s.start.survivors_comm = {"good"};
  s.start.ready_ms = 20;
  s.start.result = "success";
  s.start.ended_ms = 20;
  s.start.sig_cgt_at_ready = 1ULL << (SIGHUP - 1) | 1ULL << (SIGTERM - 1);
  s.reload.ran = true;
  s.reload.how = "ExecReload=";
  s.reload.same_main_alive = true;
  s.reload.main_pid_after = 10;
  s.watchdog.ran = true;
  s.watchdog.usec = 2000000;
  s.watchdog.from_ms = 20;
  s.watchdog.pings_ms = {1000, 2000, 3000, 4000, 5000, 6000};
  s.stop.ran = true;
  s.stop.signal = SIGTERM;
  s.stop.signal_ms = 7000;
  s.stop.main_signal = SIGTERM;
  s.stop.main_ended_ms = 7003;
  o.service = s;
  return o;
}

// A Type=forking daemon with PIDFile= written before its first process exits.
Observation good_forking() {
  Observation o = good_notify();
  ServiceFacts& s = *o.service;
  s.unit.type = "forking";
  s.unit.notify_access = "none";
  s.unit.pid_file = "/run/good.pid";
  s.unit.watchdog_usec = 0;
  s.unit.has_exec_reload = false;
  s.notify.clear();
  s.start.exec_exit_status = 0;
  s.start.exec_ended_ms = 15;
  s.start.main_pid = 12;
  s.start.main_pid_source = "pidfile";
  s.start.survivors = {12};
  s.start.ready_ms.reset();
  s.start.pidfile_at_first_exit = "12\n";
  s.start.pidfile_pid_at_first_exit = 12;
  s.start.pidfile_at_end = "12\n";
  s.start.pidfile_pid_at_end = 12;
  s.start.pidfile_pid_in_service = true;
  s.start.pidfile_seen_ms = 14;
  s.reload = ServiceReload{};
  s.watchdog = ServiceWatchdog{};
  return o;
}

bool says(const RuleResult& r, const std::string& text) {
  return r.message.find(text) != std::string::npos;
}

const char* const kServiceRules[] = {"unit-file-valid",
                                     "type-matches-behaviour",
                                     "start-completes",
                                     "main-pid-known",
                                     "pidfile-written-before-exit",
                                     "pidfile-safe",
                                     "notify-access",
                                     "mainpid-valid",
                                     "reload-protocol",
                                     "reload-keeps-service",
                                     "watchdog-kept",
                                     "stop-completes",
                                     "clean-exit-status",
                                     "no-leftover-processes",
                                     "notify-socket-not-inherited",
                                     "stdin-not-tty"};

TEST(ServiceRules, AreInTheCatalogueForTheServiceProfileOnly) {
  for (const char* id : kServiceRules) {
    const RuleDef* r = find_rule(id);
    ASSERT_NE(r, nullptr) << id;
    EXPECT_TRUE(r->profiles & kService) << id;
    EXPECT_FALSE(r->profiles & kSysv) << id;
  }
  EXPECT_TRUE(find_rule("stdio-open")->profiles & kService);
  EXPECT_TRUE(find_rule("sighup-handled")->profiles & kService);
}

TEST(ServiceRules, GoodServicesPassOrSkipEveryRule) {
  // Every rule the service profile judges (the per-daemon ones skip: these
  // Observations carry no /proc snapshot).
  for (const Observation& o : {good_notify(), good_forking()}) {
    for (const RuleDef& rule : catalog()) {
      if (!(rule.profiles & kService)) continue;
      RuleResult r = evaluate_rule(rule, o);
      EXPECT_TRUE(r.status == Status::Pass || r.status == Status::Skip)
          << o.service->unit.type << " " << r.id << ": " << r.message;
    }
  }
  EXPECT_EQ(status("watchdog-kept", good_notify()), Status::Pass);
  EXPECT_EQ(status("main-pid-known", good_forking()), Status::Pass);
}

TEST(ServiceRules, SkipWithoutTheServiceLaunchAndWhenAttached) {
  Observation none;
  none.profile = ProfileId::Service;
  Observation attached = good_notify();
  attached.attach = true;
  for (const char* id : kServiceRules) {
    EXPECT_EQ(status(id, none), Status::Skip) << id;
    // What the unit file alone says is judged all the same.
    const bool unit_alone =
        std::string(id) == "unit-file-valid" || std::string(id) == "stdin-not-tty";
    EXPECT_EQ(status(id, attached), unit_alone ? Status::Pass : Status::Skip) << id;
  }
}

TEST(UnitFileValid, FailsWithoutExecStartAndSkipsTheOtherRules) {
  Observation o = good_notify();
  o.service->unit.exec_start_count = 0;
  RuleResult r = run("unit-file-valid", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "Service has no ExecStart=")) << r.message;
  RuleResult t = run("type-matches-behaviour", o);
  EXPECT_EQ(t.status, Status::Skip);
  EXPECT_TRUE(says(t, "the unit is not valid")) << t.message;
}

TEST(UnitFileValid, FailsOnARelativeMissingOrUnresolvedSetting) {
  Observation o = good_notify();
  o.service->unit.exec_start_absolute = false;
  EXPECT_EQ(status("unit-file-valid", o), Status::Fail);
  o = good_notify();
  o.service->unit.exec_start_exists = false;
  EXPECT_TRUE(says(run("unit-file-valid", o), "203/EXEC"));
  o = good_notify();
  o.service->unit.unresolved = {"User=nobody2: no such user"};
  RuleResult r = run("unit-file-valid", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "nobody2"));
  o = good_notify();
  o.service->unit.exec_start_count = 2;
  EXPECT_EQ(status("unit-file-valid", o), Status::Fail);
  o.service->unit.type = "oneshot";
  EXPECT_EQ(status("unit-file-valid", o), Status::Pass);
}

TEST(TypeMatchesBehaviour, FailsForAForkingProgramUnderSimpleAndSaysWhatFits) {
  Observation o = good_notify();
  ServiceFacts& s = *o.service;
  s.unit.type = "simple";
  s.start.exec_exit_status = 0;
  s.start.exec_ended_ms = 5;
  s.start.survivors = {11};
  s.start.survivors_comm = {"daemon"};
  RuleResult r = run("type-matches-behaviour", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "Type=forking")) << r.message;
  EXPECT_TRUE(says(r, "consider the service dead")) << r.message;
  EXPECT_TRUE(says(r, "11 (daemon)")) << r.message;
  EXPECT_EQ(r.evidence["survivors"][0], 11);
}

TEST(TypeMatchesBehaviour, FailsForAForegroundProgramUnderForking) {
  Observation o = good_forking();
  o.service->start.exec_exit_status.reset();
  o.service->start.exec_ended_ms = -1;
  RuleResult r = run("type-matches-behaviour", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "Type=simple fits")) << r.message;
  EXPECT_TRUE(says(r, "timeout")) << r.message;
}

TEST(TypeMatchesBehaviour, OneshotPassesWhenItExitsAndFailsWhenItStays) {
  Observation o = good_notify();
  o.service->unit.type = "oneshot";
  EXPECT_EQ(status("type-matches-behaviour", o), Status::Fail);
  o.service->start.exec_exit_status = 0;
  o.service->start.exec_ended_ms = 3;
  EXPECT_EQ(status("type-matches-behaviour", o), Status::Pass);
}

TEST(TypeMatchesBehaviour, SkipsWhenExecStartPreFailed) {
  Observation o = good_notify();
  ServiceFacts& s = *o.service;
  s.execs.insert(s.execs.begin(), exec_run("ExecStartPre", {"/bin/false"}, 9, 1));
  s.execs.erase(s.execs.begin() + 1);
  s.start.exec_pid = 0;
  EXPECT_EQ(status("type-matches-behaviour", o), Status::Skip);
  s.start.result = "exit-code";
  RuleResult r = run("start-completes", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "'exit-code'")) << r.message;
  EXPECT_TRUE(says(r, "ExecStartPre= /bin/false exited with status 1")) << r.message;
}

TEST(StartCompletes, FailsWithTimeoutWhenReadyCameFromAChild) {
  Observation o = good_notify();
  ServiceFacts& s = *o.service;
  s.notify[0].sender = 11;
  s.notify[0].accepted = false;
  s.notify[0].rejected_why = "reception only permitted for main PID 10";
  s.start.ready_ms.reset();
  s.start.result = "timeout";
  RuleResult r = run("start-completes", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "'timeout'")) << r.message;
  EXPECT_TRUE(says(r, "pid 11")) << r.message;
  RuleResult n = run("notify-access", o);
  EXPECT_EQ(n.status, Status::Fail);
  EXPECT_TRUE(says(n, "reception only permitted for main PID")) << n.message;
}

TEST(StartCompletes, ErrorsWhenTheStartCouldNotBeRun) {
  Observation o = good_notify();
  o.service->start.error = "clone3: out of memory";
  EXPECT_EQ(status("start-completes", o), Status::Error);
  EXPECT_EQ(status("stop-completes", o), Status::Error);
  EXPECT_EQ(status("stdin-not-tty", o), Status::Pass);  // read from the unit alone
}

TEST(MainPidKnown, FailsWithTwoSurvivorsAndNoPidfile) {
  Observation o = good_forking();
  ServiceFacts& s = *o.service;
  s.unit.pid_file.reset();
  s.start.main_pid_source = "guess";
  s.start.survivors = {12, 13};
  RuleResult r = run("main-pid-known", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "2 processes survived")) << r.message;
  EXPECT_EQ(r.severity, Severity::Required);
  s.start.survivors = {12};
  EXPECT_EQ(status("main-pid-known", o), Status::Pass);
  s.unit.guess_main_pid = false;
  EXPECT_EQ(status("main-pid-known", o), Status::Fail);
}

TEST(MainPidKnown, FailsWhenThePidfileNeverNamesTheDaemonAndSkipsForSimple) {
  Observation o = good_forking();
  o.service->start.main_pid_source = "";
  o.service->start.pidfile_pid_in_service = false;
  o.service->start.pidfile_at_end.reset();
  EXPECT_TRUE(says(run("main-pid-known", o), "never appeared"));
  RuleResult r = run("main-pid-known", good_notify());
  EXPECT_EQ(r.status, Status::Skip);
  EXPECT_EQ(r.severity, Severity::Info);
}

TEST(PidfileWrittenBeforeExit, FailsWhenTheFileCameLate) {
  Observation o = good_forking();
  ServiceFacts& s = *o.service;
  s.start.pidfile_at_first_exit.reset();
  s.start.pidfile_pid_at_first_exit.reset();
  s.start.pidfile_seen_ms = 40;
  RuleResult r = run("pidfile-written-before-exit", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "not readable (yet?) after start")) << r.message;
  EXPECT_EQ(status("pidfile-written-before-exit", good_forking()), Status::Pass);
  EXPECT_EQ(status("pidfile-written-before-exit", good_notify()), Status::Skip);
}

TEST(PidfileSafe, FailsForAForeignSymlinkOrAStrangersPid) {
  Observation o = good_forking();
  o.service->start.pidfile_foreign_symlink = true;
  EXPECT_EQ(status("pidfile-safe", o), Status::Fail);
  o = good_forking();
  o.service->start.pidfile_uid = 1000;
  EXPECT_EQ(status("pidfile-safe", o), Status::Pass);
  o.service->start.pidfile_pid_in_service = false;
  RuleResult r = run("pidfile-safe", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "not owned by root. Refusing.")) << r.message;
  EXPECT_EQ(status("pidfile-safe", good_forking()), Status::Pass);
  EXPECT_EQ(status("pidfile-safe", good_notify()), Status::Skip);
}

TEST(NotifyAccess, PassesForTheMainProcessAndSkipsWithoutMessages) {
  EXPECT_EQ(status("notify-access", good_notify()), Status::Pass);
  Observation o = good_notify();
  o.service->notify.resize(1);
  EXPECT_TRUE(says(run("notify-access", o), "the one notify message came from"));
  o.service->notify[0].accepted = false;
  EXPECT_TRUE(says(run("notify-access", o), "the one notify message was ignored"));
  o.service->notify.clear();
  EXPECT_EQ(status("notify-access", o), Status::Skip);
  EXPECT_EQ(status("notify-access", good_forking()), Status::Skip);
}

TEST(MainpidValid, FailsForADeadPidAndSkipsWhenNoneWasSent) {
  Observation o = good_notify();
  EXPECT_EQ(status("mainpid-valid", o), Status::Skip);
  o.service->start.mainpid_sent = {{10, true}};
  EXPECT_EQ(status("mainpid-valid", o), Status::Pass);
  o.service->start.mainpid_sent.push_back({99, false});
  RuleResult r = run("mainpid-valid", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "MAINPID=99")) << r.message;
}

Observation notify_reload() {
  Observation o = good_notify();
  ServiceFacts& s = *o.service;
  s.unit.type = "notify-reload";
  s.unit.has_exec_reload = false;
  s.reload.how = "ReloadSignal=SIGHUP";
  s.reload.signal = SIGHUP;
  s.reload.signal_ms = 100;
  s.reload.signal_monotonic_usec = 5000000;
  s.reload.reloading_ms = 101;
  s.reload.monotonic_usec = 5000200;
  s.reload.ready_ms = 110;
  return o;
}

TEST(ReloadProtocol, PassesForTheWholeProtocolAndFailsWithoutMonotonicUsec) {
  EXPECT_EQ(status("reload-protocol", notify_reload()), Status::Pass);
  Observation o = notify_reload();
  o.service->reload.monotonic_usec.reset();
  RuleResult r = run("reload-protocol", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "MONOTONIC_USEC")) << r.message;
  o = notify_reload();
  o.service->reload.monotonic_usec = 9000000;
  EXPECT_EQ(status("reload-protocol", o), Status::Fail);
  o = notify_reload();
  o.service->start.sig_cgt_at_ready = 0;
  EXPECT_TRUE(says(run("reload-protocol", o), "neither caught (SigCgt) nor blocked"));
  // Blocked in every thread and read with a signalfd (sd-event's way): the
  // signal never meets its default action.
  o.service->start.sig_blk_at_ready = 1ULL << (SIGHUP - 1);
  EXPECT_EQ(status("reload-protocol", o), Status::Pass) << run("reload-protocol", o).message;
  o = notify_reload();
  o.service->reload.ready_ms.reset();
  EXPECT_EQ(status("reload-protocol", o), Status::Fail);
  EXPECT_EQ(status("reload-protocol", good_notify()), Status::Skip);
}

TEST(SighupHandled, SkipsForNotifyReload) {
  RuleResult r = run("sighup-handled", notify_reload());
  EXPECT_EQ(r.status, Status::Skip);
  EXPECT_TRUE(says(r, "reload-protocol")) << r.message;
}

TEST(ReloadKeepsService, FailsWhenExecReloadFailsOrTheMainProcessIsGone) {
  EXPECT_EQ(status("reload-keeps-service", good_notify()), Status::Pass);
  Observation o = good_notify();
  o.service->execs[1].exit_status = 1;
  EXPECT_TRUE(says(run("reload-keeps-service", o), "exited with status 1"));
  o = good_notify();
  o.service->reload.same_main_alive = false;
  EXPECT_EQ(status("reload-keeps-service", o), Status::Fail);
  EXPECT_EQ(status("reload-keeps-service", good_forking()), Status::Skip);
}

TEST(WatchdogKept, FailsWhenAnIntervalHasNoPing) {
  Observation o = good_notify();
  o.service->watchdog.pings_ms = {1000, 5000};  // nothing in 2020-4020 ms
  RuleResult r = run("watchdog-kept", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "interval 2 of 3")) << r.message;
  EXPECT_TRUE(says(r, "SIGABRT")) << r.message;
  o.service->watchdog.pings_ms.clear();
  EXPECT_EQ(status("watchdog-kept", o), Status::Fail);
  EXPECT_EQ(status("watchdog-kept", good_forking()), Status::Skip);
}

TEST(StopCompletes, FailsWhenTheMainProcessNeededSigkill) {
  Observation o = good_notify();
  ServiceStop& st = o.service->stop;
  st.main_signal = SIGKILL;
  st.main_ended_ms = 97000;
  st.sigkilled = {10};
  RuleResult r = run("stop-completes", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "result timeout")) << r.message;
  RuleResult c = run("clean-exit-status", o);
  EXPECT_EQ(c.status, Status::Fail);
  EXPECT_TRUE(says(c, "SIGKILLed")) << c.message;
  EXPECT_EQ(status("no-leftover-processes", o), Status::Fail);
  o.service->stop = ServiceStop{};
  o.service->stop.skipped = "the main process died during start-up";
  EXPECT_EQ(status("stop-completes", o), Status::Skip);
}

// pg_ctlcluster's ExecStop= ends postgres itself: the main process is gone
// before KillSignal= is sent, and the message says so rather than giving a
// negative time after the signal.
TEST(StopCompletes, AMainProcessEndedByExecStopIsNamedAsSuch) {
  Observation o = good_notify();
  o.service->unit.has_exec_stop = true;
  ServiceStop& st = o.service->stop;
  st.main_exit_status = 0;
  st.main_signal.reset();
  st.signal_ms = 3628;
  st.main_ended_ms = 3528;
  RuleResult r = run("stop-completes", o);
  EXPECT_EQ(r.status, Status::Pass) << r.message;
  EXPECT_TRUE(says(r, "during ExecStop=, before SIGTERM was sent")) << r.message;
  EXPECT_FALSE(says(r, "-100")) << r.message;
  st.main_ended_ms = 3700;
  EXPECT_TRUE(says(run("stop-completes", o), "72.0 ms after SIGTERM"))
      << run("stop-completes", o).message;
}

// A service whose main process was gone (or unknown) when start-up ended
// was never running for systemd: its stop is not judged as a slow one.
TEST(StopCompletes, SkipsWhenNoMainProcessRanAtTheEndOfStartUp) {
  Observation o = good_notify();
  ServiceStop& st = o.service->stop;
  st.main_ended_ms = -1;  // never seen to end during the stop
  st.main_exit_status.reset();
  st.main_signal.reset();
  ASSERT_EQ(status("stop-completes", o), Status::Fail);
  o.service->start.main_alive_at_end = false;
  for (const char* id : {"stop-completes", "clean-exit-status", "no-leftover-processes"}) {
    RuleResult r = run(id, o);
    EXPECT_EQ(r.status, Status::Skip) << id;
    EXPECT_TRUE(says(r, "had already exited")) << r.message;
  }
  o.service->start.main_pid = 0;
  EXPECT_EQ(status("stop-completes", o), Status::Skip);
}

// The SIGHUP probe ended the first instance: the stop acted on a relaunch,
// whose main process is the one that needed SIGKILL, and every stop rule
// says so.
TEST(StopCompletes, SaysItWasMeasuredOnARelaunchAndJudgesItsMainProcess) {
  Observation o = good_notify();
  ServiceFacts& s = *o.service;
  ServiceRelaunch& r = s.relaunches.emplace_back();
  r.why = "the SIGHUP probe ended the main process, which was killed by SIGHUP";
  r.start.result = "success";
  r.start.main_pid = 20;
  s.stop.relaunch = 1;
  s.stop.main_pid = 20;
  for (const char* id : {"stop-completes", "clean-exit-status", "no-leftover-processes"}) {
    RuleResult v = run(id, o);
    EXPECT_EQ(v.status, Status::Pass) << id << ": " << v.message;
    EXPECT_TRUE(says(v,
                     "(measured on relaunch 1: the SIGHUP probe ended the main process, which "
                     "was killed by SIGHUP)"))
        << v.message;
  }
  s.stop.sigkilled = {20};
  EXPECT_EQ(status("stop-completes", o), Status::Fail);
  s.stop.relaunch = 0;
  EXPECT_FALSE(says(run("no-leftover-processes", o), "relaunch"));
}

TEST(CleanExitStatus, FailsForExit143UnlessSuccessExitStatusListsIt) {
  Observation o = good_notify();
  o.service->stop.main_signal.reset();
  o.service->stop.main_exit_status = 143;
  RuleResult r = run("clean-exit-status", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "SuccessExitStatus=143")) << r.message;
  EXPECT_TRUE(says(r, "exit-code")) << r.message;
  o.service->unit.success_exit_status = {143};
  EXPECT_EQ(status("clean-exit-status", o), Status::Pass);
  EXPECT_EQ(status("clean-exit-status", good_notify()), Status::Pass);
}

TEST(NoLeftoverProcesses, FailsForAChildKillModeProcessLeaves) {
  Observation o = good_notify();
  o.service->unit.kill_mode = "process";
  o.service->stop.left_running = {11};
  o.service->stop.left_running_comm = {"worker"};
  RuleResult r = run("no-leftover-processes", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "11 (worker)")) << r.message;
  EXPECT_TRUE(says(r, "KillMode=process")) << r.message;
  o = good_notify();
  o.service->stop.sigkilled = {11};
  EXPECT_EQ(status("no-leftover-processes", o), Status::Fail);
  EXPECT_EQ(status("no-leftover-processes", good_notify()), Status::Pass);
}

TEST(NotifySocketNotInherited, FailsForAChildWithTheSocket) {
  Observation o = good_notify();
  EXPECT_EQ(status("notify-socket-not-inherited", o), Status::Skip);  // no children
  o.service->children_seen = true;
  o.service->children_judged = true;
  EXPECT_EQ(status("notify-socket-not-inherited", o), Status::Pass);
  o.service->children_with_notify_socket = {11};
  EXPECT_EQ(status("notify-socket-not-inherited", o), Status::Fail);
  // A forked copy's /proc environ is its parent's start-up one: no evidence,
  // neither for a pass nor for a fail.
  o = good_notify();
  o.service->children_seen = true;
  o.service->children_not_execed = {12};
  EXPECT_EQ(status("notify-socket-not-inherited", o), Status::Skip);
  o.service->children_judged = true;
  RuleResult r = run("notify-socket-not-inherited", o);
  EXPECT_EQ(r.status, Status::Pass);
  EXPECT_TRUE(says(r, "pid 12, a child that has not called exec")) << r.message;
  Observation f = good_forking();
  f.service->children_seen = true;
  EXPECT_EQ(status("notify-socket-not-inherited", f), Status::Skip);
}

// A worker the daemon starts after READY=1 (on a reload, a SIGHUP, a timer)
// is judged by the same rule, and the message says when it was seen.
TEST(NotifySocketNotInherited, FailsForAChildStartedAfterReady) {
  Observation o = good_notify();
  o.service->children_seen = true;
  o.service->children_judged = true;
  o.service->children_with_notify_socket = {21};
  o.service->children_with_notify_socket_seen = {"after the SIGHUP probe"};
  RuleResult r = run("notify-socket-not-inherited", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "pid 21 (after the SIGHUP probe)")) << r.message;
  EXPECT_TRUE(says(r, "a worker started after READY=1 inherits it too")) << r.message;
  EXPECT_EQ(r.evidence["children_with_notify_socket_seen"][0], "after the SIGHUP probe");
  o.service->children_with_notify_socket_seen = {"when start-up ended"};
  r = run("notify-socket-not-inherited", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_FALSE(says(r, "after READY=1")) << r.message;
}

TEST(StdinNotTty, FailsForTtyForce) {
  Observation o = good_notify();
  EXPECT_EQ(status("stdin-not-tty", o), Status::Pass);
  o.service->unit.standard_input = "tty-force";
  RuleResult r = run("stdin-not-tty", o);
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_TRUE(says(r, "by force")) << r.message;
  EXPECT_EQ(r.evidence["standard_input"], "tty-force");
}

}  // namespace
}  // namespace dc
