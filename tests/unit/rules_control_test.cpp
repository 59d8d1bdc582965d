// The control profile's rules (rules/control.cpp) on hand-built ControlFacts:
// a pass and a fail each, from the facts a good LSB script and a bad one
// leave; and `error`, never a pass, when the sequence broke off.
#include <gtest/gtest.h>

#include "rules/catalog.h"

namespace dc {
namespace {

ActionRun run(ControlStep step, const std::string& action, int exit_status,
              std::vector<pid_t> before = {}, std::vector<pid_t> after = {}) {
  ActionRun r;
  r.step = step;
  r.action = action;
  r.exit_status = exit_status;
  r.daemons_before = std::move(before);
  r.daemons = std::move(after);
  return r;
}

// What a good script around daemonctl leaves: every answer as LSB wants it.
ControlFacts good_control() {
  ControlFacts c;
  c.actions_requested = {"start", "stop", "status", "restart", "run", "reload", "try-restart"};
  c.pidfile = "/run/d.pid";
  c.runs = {run(ControlStep::StatusStopped, "status", 3),
            run(ControlStep::Start, "start", 0, {}, {10}),
            run(ControlStep::Start, "status", 0, {10}, {10}),
            run(ControlStep::StartRunning, "start", 0, {10}, {10}),
            run(ControlStep::Stop, "stop", 0, {10}, {}),
            run(ControlStep::Stop, "status", 3),
            run(ControlStep::Stop, "stop", 0),
            run(ControlStep::Restart, "start", 0, {}, {20}),
            run(ControlStep::Restart, "restart", 0, {20}, {30}),
            run(ControlStep::Crash, "status", 1),
            run(ControlStep::Recycled, "stop", 0),
            run(ControlStep::Recycled, "start", 0, {}, {40}),
            run(ControlStep::Unknown, "daemoncheck-no-such-action", 2),
            run(ControlStep::Optional, "reload", 0, {40}, {40}),
            run(ControlStep::Final, "stop", 0, {40}, {}),
            run(ControlStep::Optional, "try-restart", 0),
            run(ControlStep::Optional, "run", 0)};
  c.runs[12].error_output = "Usage: d {start|stop|status|restart}\n";
  c.runs.back().stayed_in_foreground = true;
  c.runs.back().exited_on_sigterm = true;
  c.runs.back().exit_status.reset();
  c.runs.back().signal = 15;
  for (const char* kind : {"pager", "namesake"}) {
    Decoy d;
    d.kind = kind;
    d.pid = kind[0] == 'p' ? 11 : 12;
    d.argv = {"less", "/usr/sbin/d"};
    d.alive_at_end = true;
    c.decoys.push_back(d);
  }
  c.decoys_planted = true;
  for (auto& r : c.runs)
    if (r.step != ControlStep::StatusStopped && r.step != ControlStep::Start)
      r.table = {{11, 1, "less", ""}, {12, 1, "d", ""}};
  c.crashed = 30;
  c.pidfile_left_by_crash = true;
  c.recycled_into_pidfile = 11;
  return c;
}

Status judge_rule(const std::string& id, const ControlFacts& c) {
  Observation o;
  o.profile = ProfileId::Control;
  o.control = c;
  const RuleDef* rule = find_rule(id);
  EXPECT_NE(rule, nullptr) << id;
  return rule ? rule->per_run(o).status : Status::Error;
}

std::string message_of(const std::string& id, const ControlFacts& c) {
  Observation o;
  o.profile = ProfileId::Control;
  o.control = c;
  const RuleDef* rule = find_rule(id);
  return rule ? rule->per_run(o).message : "";
}

ActionRun* find(ControlFacts& c, ControlStep step, const std::string& action, int nth = 0) {
  for (auto& r : c.runs)
    if (r.step == step && r.action == action && nth-- == 0) return &r;
  return nullptr;
}

const char* kRules[] = {"status-when-stopped",     "start-starts",
                        "start-when-running",      "stop-stops",
                        "stop-when-stopped",       "decoy-untouched",
                        "restart-restarts",        "status-when-dead",
                        "stale-pidfile-safe",      "bad-action-usage",
                        "actions-return-promptly", "run-stays-in-foreground",
                        "reload-keeps-pid",        "try-restart-when-stopped"};

TEST(ControlRules, AGoodScriptPassesEveryRule) {
  for (const char* id : kRules) EXPECT_EQ(judge_rule(id, good_control()), Status::Pass) << id;
}

TEST(ControlRules, EveryRuleSkipsOutsideAControlCheck) {
  Observation o;
  for (const char* id : kRules) EXPECT_EQ(find_rule(id)->per_run(o).status, Status::Skip) << id;
}

TEST(ControlRules, EveryRuleIsAnErrorNotAPassWhenTheSequenceNeverRan) {
  ControlFacts c = good_control();
  c.runs.clear();
  c.crashed = 0;
  c.recycled_into_pidfile = 0;
  c.error = "`start` left no daemon running";
  for (const char* id : kRules) {
    const Status s = judge_rule(id, c);
    EXPECT_TRUE(s == Status::Error || s == Status::Skip) << id;
    EXPECT_NE(s, Status::Pass) << id;
  }
}

TEST(ControlRules, StatusWhenStoppedFailsOnZero) {
  ControlFacts c = good_control();
  find(c, ControlStep::Stop, "status")->exit_status = 0;
  EXPECT_EQ(judge_rule("status-when-stopped", c), Status::Fail);
}

// The script's last line is quoted as it printed it, its UTF-8 included.
TEST(ControlRules, AFailedActionQuotesWhatItSaidInItsOwnCharacters) {
  ControlFacts c = good_control();
  ActionRun* status = find(c, ControlStep::StatusStopped, "status");
  status->exit_status = 127;
  status->output = "/usr/bin/env: \u2018/etc/init.d/d\u2019: No such file or directory\n";
  EXPECT_NE(message_of("status-when-stopped", c)
                .find("(it said `/usr/bin/env: \u2018/etc/init.d/d\u2019: No such file"),
            std::string::npos)
      << message_of("status-when-stopped", c);
}

TEST(ControlRules, StartStartsFailsWithoutADaemon) {
  ControlFacts c = good_control();
  find(c, ControlStep::Start, "start")->daemons.clear();
  EXPECT_EQ(judge_rule("start-starts", c), Status::Fail);
}

TEST(ControlRules, StartWhenRunningFailsOnASecondDaemon) {
  ControlFacts c = good_control();
  find(c, ControlStep::StartRunning, "start")->daemons = {10, 13};
  EXPECT_EQ(judge_rule("start-when-running", c), Status::Fail);
}

TEST(ControlRules, StopStopsFailsWhenTheDaemonOutlivesIt) {
  ControlFacts c = good_control();
  find(c, ControlStep::Stop, "stop")->daemons = {10};
  EXPECT_EQ(judge_rule("stop-stops", c), Status::Fail);
  c = good_control();
  find(c, ControlStep::Stop, "stop")->daemon_tree_left = {14};
  EXPECT_EQ(judge_rule("stop-stops", c), Status::Fail);
}

// A script that starts no daemon (a sysctl or hwclock script) gives
// nothing to stop or to start again: error, never a pass.
TEST(ControlRules, StopStopsAndStartWhenRunningNeedADaemon) {
  ControlFacts c = good_control();
  find(c, ControlStep::Stop, "stop")->daemons_before = {};
  EXPECT_EQ(judge_rule("stop-stops", c), Status::Error);
  c = good_control();
  find(c, ControlStep::StartRunning, "start")->daemons_before = {};
  find(c, ControlStep::StartRunning, "start")->daemons = {};
  EXPECT_EQ(judge_rule("start-when-running", c), Status::Error);
}

TEST(ControlRules, StopWhenStoppedFailsOnOne) {
  ControlFacts c = good_control();
  find(c, ControlStep::Stop, "stop", 1)->exit_status = 1;
  EXPECT_EQ(judge_rule("stop-when-stopped", c), Status::Fail);
}

TEST(ControlRules, DecoyUntouchedFailsOnASignalADeathOrACount) {
  ControlFacts c = good_control();
  c.decoys[0].signals = {"SIGTERM from pid 50 (kill) during `stop` (step 6)"};
  EXPECT_EQ(judge_rule("decoy-untouched", c), Status::Fail);
  c = good_control();
  c.decoys[1].alive_at_end = false;
  EXPECT_EQ(judge_rule("decoy-untouched", c), Status::Fail);
  c = good_control();
  c.decoys[1].counted_as_daemon_by = {"`status` after `stop` (step 6)"};
  EXPECT_EQ(judge_rule("decoy-untouched", c), Status::Fail);
  c = good_control();
  c.decoys.clear();
  c.no_decoy = true;
  EXPECT_EQ(judge_rule("decoy-untouched", c), Status::Skip);
}

// The message names the cause the facts show: a signal while the stale
// pidfile named the decoy is the pidfile trusted, not a search by name; a
// `status` that counted a decoy cannot say which one.
TEST(ControlRules, DecoyUntouchedNamesTheCauseTheFactsShow) {
  ControlFacts c = good_control();
  c.decoys[0].signals = {"SIGTERM from pid 50 (kill) during `stop` (step 9)"};
  c.decoys[0].signal_steps = {9};
  std::string msg = message_of("decoy-untouched", c);
  EXPECT_NE(msg.find("stale pidfile"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("by name"), std::string::npos) << msg;
  c.decoys[1].signals = {"SIGTERM from pid 51 (kill) during `stop` (step 6)"};
  c.decoys[1].signal_steps = {6};
  msg = message_of("decoy-untouched", c);
  EXPECT_NE(msg.find("the namesake decoy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("by name"), std::string::npos) << msg;
  c = good_control();
  c.decoys[0].counted_as_daemon_by = {"`status` after `stop` (step 6)"};
  c.decoys[1].counted_as_daemon_by = {"`status` after `stop` (step 6)"};
  msg = message_of("decoy-untouched", c);
  EXPECT_NE(msg.find("`status` after `stop` (step 6) exited 0 with only the decoys running"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("pager decoy"), std::string::npos) << msg;
}

TEST(ControlRules, RestartRestartsFailsWhenTheOldDaemonStays) {
  ControlFacts c = good_control();
  find(c, ControlStep::Restart, "restart")->daemons = {20, 30};
  EXPECT_EQ(judge_rule("restart-restarts", c), Status::Fail);
}

TEST(ControlRules, StatusWhenDeadFailsOnThreeAndZero) {
  for (int wrong : {0, 3}) {
    ControlFacts c = good_control();
    find(c, ControlStep::Crash, "status")->exit_status = wrong;
    EXPECT_EQ(judge_rule("status-when-dead", c), Status::Fail) << wrong;
  }
}

TEST(ControlRules, StalePidfileSafeFailsOnASignalToTheRecycledPid) {
  ControlFacts c = good_control();
  c.decoys[0].signals = {"SIGTERM from pid 60 (kill) during `stop` (step 9)"};
  EXPECT_EQ(judge_rule("stale-pidfile-safe", c), Status::Fail);
  c = good_control();
  find(c, ControlStep::Recycled, "start")->daemons.clear();
  EXPECT_EQ(judge_rule("stale-pidfile-safe", c), Status::Fail);
}

TEST(ControlRules, BadActionUsageFailsOnOneOrSilenceOrAFile) {
  ControlFacts c = good_control();
  find(c, ControlStep::Unknown, "daemoncheck-no-such-action")->exit_status = 1;
  EXPECT_EQ(judge_rule("bad-action-usage", c), Status::Fail);
  c = good_control();
  find(c, ControlStep::Unknown, "daemoncheck-no-such-action")->error_output.clear();
  EXPECT_EQ(judge_rule("bad-action-usage", c), Status::Fail);
  c = good_control();
  find(c, ControlStep::Unknown, "daemoncheck-no-such-action")->files_created = {"/run/x"};
  EXPECT_EQ(judge_rule("bad-action-usage", c), Status::Fail);
}

TEST(ControlRules, ActionsReturnPromptlyFailsOnATimeoutOrAHelper) {
  ControlFacts c = good_control();
  c.runs[0].timed_out = true;
  EXPECT_EQ(judge_rule("actions-return-promptly", c), Status::Fail);
  c = good_control();
  c.runs[1].helpers_left = {77};
  EXPECT_EQ(judge_rule("actions-return-promptly", c), Status::Fail);
}

TEST(ControlRules, RunStaysInForegroundFailsWhenItReturnsOrIgnoresSigterm) {
  ControlFacts c = good_control();
  c.runs.back().stayed_in_foreground = false;
  EXPECT_EQ(judge_rule("run-stays-in-foreground", c), Status::Fail);
  c = good_control();
  c.runs.back().exited_on_sigterm = false;
  EXPECT_EQ(judge_rule("run-stays-in-foreground", c), Status::Fail);
}

TEST(ControlRules, ReloadKeepsPidFailsWhenReloadRestarts) {
  ControlFacts c = good_control();
  find(c, ControlStep::Optional, "reload")->daemons = {41};
  EXPECT_EQ(judge_rule("reload-keeps-pid", c), Status::Fail);
}

TEST(ControlRules, TryRestartWhenStoppedFailsWhenItStarts) {
  ControlFacts c = good_control();
  find(c, ControlStep::Optional, "try-restart")->daemons = {50};
  EXPECT_EQ(judge_rule("try-restart-when-stopped", c), Status::Fail);
}

}  // namespace
}  // namespace dc
