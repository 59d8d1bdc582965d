// Integration tests of the whole checker: real daemons, real ptys, real /proc.
// Each test also requires that nothing the check started is left running.
#include <gtest/gtest.h>

#include <fstream>

#include "checker_run.h"

namespace dc::test {
namespace {

std::vector<std::string> fixture(std::vector<std::string> flags, bool pidfile = true,
                                 std::vector<std::string> checker_opts = {}) {
  std::vector<std::string> args = checker_opts;
  if (pidfile) args.insert(args.end(), {"--pidfile", "{tmp}/d.pid"});
  args.push_back("--");
  args.push_back(fixture_path());
  if (pidfile) args.insert(args.end(), {"--pidfile", "{tmp}/d.pid"});
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

// Every rule in the scorecard has the expected status; rules not listed must
// pass or skip.
void expect_statuses(const CheckerRun& r, const std::map<std::string, std::string>& want) {
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  for (const auto& rule : r.scorecard["rules"]) {
    std::string id = rule["id"], status = rule["status"];
    auto it = want.find(id);
    if (it != want.end())
      EXPECT_EQ(status, it->second) << id << ": " << rule["message"];
    else
      EXPECT_TRUE(status == "pass" || status == "skip") << id << " is " << status << ": " << rule["message"];
  }
  for (const auto& [id, status] : want) EXPECT_NE(r.status(id), "") << id << " missing";
  EXPECT_TRUE(r.left_behind.empty()) << r.left_behind.size() << " processes left behind";
}

TEST(Check, CorrectDaemonPassesEveryRule) {
  auto r = run_checker(fixture({}));
  EXPECT_EQ(r.exit_status, 0) << r.err;
  expect_statuses(r, {});
  EXPECT_EQ(r.status("pidfile-locked"), "pass");
  EXPECT_EQ(r.status("ready-before-exit"), "pass");
  EXPECT_EQ(r.status("race-free-startup"), "pass");
  EXPECT_EQ(r.scorecard["summary"]["verdict"], "pass");
}

TEST(Check, KeepsLaunchCwdFailsOnlyCwdRoot) {
  auto r = run_checker(fixture({"--keep-cwd"}));
  EXPECT_EQ(r.exit_status, 1);
  expect_statuses(r, {{"cwd-root", "fail"}});
  EXPECT_NE(r.message("cwd-root").find("launched from"), std::string::npos) << r.message("cwd-root");
}

TEST(Check, LeakedPlantedFdsFailInheritedFdsClosed) {
  auto r = run_checker(fixture({"--leak-fds"}));
  EXPECT_EQ(r.exit_status, 1);
  expect_statuses(r, {{"inherited-fds-closed", "fail"}});
}

TEST(Check, NeverDetachingFromTheTerminal) {
  auto r = run_checker(fixture({"--no-detach"}, false, {"--start-timeout", "1", "--race-trials", "1"}));
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("parent-exits"), "fail");
  EXPECT_EQ(r.status("new-session"), "fail");
  EXPECT_EQ(r.status("no-controlling-tty"), "fail");
  EXPECT_EQ(r.status("stdio-detached"), "fail");
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Check, NonZeroExitFailsParentExits) {
  auto r = run_checker(fixture({"--exit-status", "7"}, false, {"--race-trials", "1"}));
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("parent-exits"), "fail");
  EXPECT_NE(r.message("parent-exits").find("status 7"), std::string::npos) << r.message("parent-exits");
  EXPECT_EQ(r.status("cwd-root"), "skip");
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Check, NothingSurvivesSkipsPerDaemonRules) {
  auto r = run_checker(fixture({"--die"}, false, {"--race-trials", "1"}));
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.status("parent-exits"), "fail");
  EXPECT_NE(r.message("parent-exits").find("exited with status 3"), std::string::npos)
      << r.message("parent-exits");
  for (const char* id : {"new-session", "cwd-root", "umask-reset", "stdio-open"}) {
    EXPECT_EQ(r.status(id), "skip") << id;
    EXPECT_EQ(r.message(id), "no daemon survived startup") << id;
  }
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Check, UnlockedPidfileFailsPidfileLocked) {
  auto r = run_checker(fixture({"--no-lock"}));
  EXPECT_EQ(r.status("pidfile-locked"), "fail");
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Check, InheritedUmaskFailsUmaskReset) {
  auto r = run_checker(fixture({"--no-umask"}));
  expect_statuses(r, {{"umask-reset", "fail"}});
}

TEST(Check, ExpectUmaskMustMatch) {
  auto r = run_checker(fixture({}, true, {"--expect-umask", "022"}));
  EXPECT_EQ(r.status("umask-reset"), "fail");
  EXPECT_NE(r.message("umask-reset").find("expected 0022"), std::string::npos);
}

TEST(Check, KeptEnvironmentFailsEnvSanitizedButNotTheVerdict) {
  auto r = run_checker(fixture({"--keep-env"}));
  EXPECT_EQ(r.exit_status, 0);
  expect_statuses(r, {{"env-sanitized", "fail"}});
}

TEST(Check, WaiverTurnsFailureIntoWaived) {
  auto r = run_checker(fixture({"--keep-cwd"}, true, {"--waive", "cwd-root=runs from its data dir"}));
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.status("cwd-root"), "waived");
}

TEST(Check, GlibcDaemonIsFoundAndJudged) {
  auto r = run_checker({"--race-trials", "2", "--", "/bin/sh", "-c", "exec " + fixture_path() + " --single-fork --no-umask --leak-fds --keep-env"});
  EXPECT_EQ(r.status("new-session"), "pass");
  EXPECT_EQ(r.status("double-fork"), "fail");
  EXPECT_EQ(r.status("umask-reset"), "fail");
  EXPECT_EQ(r.status("inherited-fds-closed"), "fail");
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Check, ExpectCwdAcceptsTmpToken) {
  auto r = run_checker(fixture({"--keep-cwd"}, true, {"--expect-cwd", "{tmp}"}));
  EXPECT_EQ(r.status("cwd-root"), "pass") << r.message("cwd-root");
}

}  // namespace
}  // namespace dc::test
