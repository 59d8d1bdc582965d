// daemoncheck --unit on real units: the service started as systemd would
// start it (parent pid 1, systemd's environment only, a private /run), each
// Type='s start, ExecStartPre=, KillMode=process, the watchdog, the reload
// signal, and the bad units that cannot be checked. Each test reads the
// scorecard's `unit` and `service` objects and the journal the service wrote.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <set>
#include <string>

#include "checker_run.h"

namespace dc::test {
namespace {

std::string unit(const std::string& name) {
  return std::string(DC_SERVICE_UNITS) + "/" + name + ".service";
}
std::string bad_unit(const std::string& name) {
  return std::string(DC_SERVICE_SOURCE_UNITS) + "/" + name + ".service";
}

CheckerRun check(const std::string& unit_path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--json",           "-",      "--quiet", "--report-dir",
                                DC_SERVICE_REPORTS, "--unit", unit_path};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_checker(args, true);
}

const nlohmann::json& service(const CheckerRun& r) {
  return r.scorecard.at("service");
}

// The lines the fixture wrote on its stdout (the journal's stand-in).
std::vector<std::string> journal_lines(const CheckerRun& r, const std::string& prefix) {
  std::vector<std::string> out;
  const std::string j = service(r).at("journal");
  size_t start = 0;
  while (start < j.size()) {
    size_t end = j.find('\n', start);
    if (end == std::string::npos) end = j.size();
    std::string line = j.substr(start, end - start);
    if (line.starts_with(prefix)) out.push_back(line.substr(prefix.size()));
    start = end + 1;
  }
  return out;
}

std::string run_command(const char* cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd, "r")) {
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    ::pclose(p);
  }
  return out;
}

TEST(Service, SimpleRunsAsAChildOfPid1WithSystemdsEnvironmentOnly) {
  CheckerRun r = check(unit("svc-simple"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.scorecard["target"]["profile"], "service");
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success");
  EXPECT_TRUE(s["start"]["main_alive_at_end"]);
  EXPECT_EQ(s["start"]["main_pid_source"], "exec");
  EXPECT_EQ(journal_lines(r, "PPID="), std::vector<std::string>{"1"});
  std::set<std::string> keys;
  for (const auto& kv : journal_lines(r, "ENV ")) keys.insert(kv.substr(0, kv.find('=')));
  // UnsetEnvironment=LANG removes the LANG systemd sets; nothing of the
  // checker's own environment (HOME, TERM, ...) leaks in.
  const std::set<std::string> expected{
      "PATH", "INVOCATION_ID", "JOURNAL_STREAM", "SYSTEMD_EXEC_PID", "FROM_UNIT", "SPACED"};
  EXPECT_EQ(keys, expected);
  const auto env = journal_lines(r, "ENV ");
  EXPECT_NE(std::find(env.begin(), env.end(), "SPACED=a b"), env.end());
  EXPECT_NE(
      std::find(env.begin(), env.end(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"),
      env.end());
  EXPECT_EQ(s["stop"]["main_signal"], "SIGTERM");
  EXPECT_TRUE(r.left_behind.empty());
  // The main process was observed: stdio on /dev/null and the stream socket.
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u);
  EXPECT_EQ(r.scorecard["daemons"][0]["ppid"], 1);
  EXPECT_EQ(r.scorecard["daemons"][0]["fds"][0]["target"], "/dev/null");
  EXPECT_EQ(r.scorecard["unit"]["type"], "simple");
}

TEST(Service, NotifyStartEndsAtAnAcceptedReady) {
  CheckerRun r = check(unit("svc-notify"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success");
  ASSERT_FALSE(s["start"]["ready_ms"].is_null());
  ASSERT_GE(s["notify"].size(), 1u);
  EXPECT_EQ(s["notify"][0]["text"], "READY=1");
  EXPECT_TRUE(s["notify"][0]["accepted"]);
  EXPECT_EQ(s["notify"][0]["sender"], s["start"]["main_pid"]);
  EXPECT_EQ(r.scorecard["unit"]["notify_access"], "main");
}

TEST(Service, ForkingPidfileInRunStaysInTheChecksOwnRun) {
  struct stat st {};
  ASSERT_NE(::stat("/run/dc-test.pid", &st), 0) << "the host already has /run/dc-test.pid";
  CheckerRun r = check(unit("svc-forking"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success");
  EXPECT_EQ(s["start"]["exec_exit_status"], 0);
  EXPECT_EQ(s["start"]["main_pid_source"], "pidfile");
  EXPECT_NE(s["start"]["main_pid"], s["start"]["exec_pid"]);
  EXPECT_FALSE(s["start"]["pidfile"]["at_first_exit"].is_null());
  EXPECT_TRUE(s["start"]["pidfile"]["pid_in_service"]);
  EXPECT_NE(::stat("/run/dc-test.pid", &st), 0) << "the service wrote the host's /run";
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, OneshotStartEndsWhenTheProcessExits) {
  CheckerRun r = check(unit("svc-oneshot"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success");
  EXPECT_EQ(s["start"]["exec_exit_status"], 0);
  EXPECT_FALSE(s["start"]["main_alive_at_end"]);
}

TEST(Service, AFailingExecStartPreStopsTheStartUnlessPrefixed) {
  CheckerRun r = check(unit("svc-pre-fails"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "exit-code");
  ASSERT_EQ(s["execs"].size(), 2u);  // ExecStart= never ran
  EXPECT_EQ(s["execs"][0]["kind"], "ExecStartPre");
  EXPECT_TRUE(s["execs"][0]["ignore_failure"]);
  EXPECT_EQ(s["execs"][0]["exit_status"], 1);
  EXPECT_EQ(s["execs"][1]["exit_status"], 1);
  EXPECT_FALSE(s["execs"][1]["ignore_failure"]);
}

TEST(Service, KillModeProcessLeavesTheChildRunning) {
  CheckerRun r = check(unit("svc-killmode-process"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["stop"]["main_signal"], "SIGTERM");
  ASSERT_EQ(s["stop"]["left_running"].size(), 1u);
  EXPECT_EQ(s["stop"]["left_running_comm"][0], "svc_fixture");
  // The checker's own cleanup ends it anyway.
  EXPECT_EQ(r.scorecard["cleanup"]["terminated"].size() + r.scorecard["cleanup"]["killed"].size(),
            1u);
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, WatchdogPingsAreCountedAtTheCappedInterval) {
  CheckerRun r = check(unit("svc-watchdog"), {"--watchdog-usec", "100000"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(r.scorecard["unit"]["watchdog_usec"], 60000000);
  EXPECT_EQ(r.scorecard["unit"]["watchdog_usec_used"], 100000);
  ASSERT_TRUE(s["watchdog"]["ran"]);
  EXPECT_EQ(s["watchdog"]["usec"], 100000);
  // Fed every 50 ms for three intervals of 100 ms: about six pings.
  EXPECT_GE(s["watchdog"]["pings_ms"].size(), 3u);
}

TEST(Service, ReloadSignalGetsReloadingWithItsMonotonicTime) {
  CheckerRun r = check(unit("svc-reload"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& rl = service(r)["reload"];
  ASSERT_TRUE(rl["ran"]) << rl.dump();
  EXPECT_EQ(rl["signal"], "SIGHUP");
  ASSERT_FALSE(rl["reloading_ms"].is_null());
  ASSERT_FALSE(rl["ready_ms"].is_null());
  ASSERT_FALSE(rl["monotonic_usec"].is_null());
  const uint64_t sent = rl["signal_monotonic_usec"], told = rl["monotonic_usec"];
  EXPECT_GE(told, sent);
  EXPECT_LT(told - sent, 1'000'000u);
  EXPECT_TRUE(rl["same_main_alive"]);
}

TEST(Service, AUnitWithoutExecStartIsAFindingAndNothingIsLaunched) {
  CheckerRun r = check(bad_unit("svc-no-execstart"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_NE(r.exit_status, 3);
  EXPECT_TRUE(r.scorecard["unit"]["fatal"]);
  EXPECT_TRUE(service(r)["execs"].empty());
  EXPECT_FALSE(service(r)["start"]["ran"]);
  CheckerRun rel = check(bad_unit("svc-relative"));
  ASSERT_TRUE(rel.scorecard.is_object()) << rel.err;
  EXPECT_FALSE(rel.scorecard["unit"]["exec_start"]["absolute"]);
  EXPECT_TRUE(rel.scorecard["unit"]["fatal"]);
  EXPECT_TRUE(service(rel)["execs"].empty());
}

TEST(Service, AMissingUnitFileOrTypeDbusIsOneLineAndExitStatus3) {
  const std::string mounts_before = run_command("findmnt -rn -o TARGET,SOURCE,FSTYPE");
  for (const std::string& path : {bad_unit("svc-missing"), bad_unit("svc-dbus")}) {
    CheckerRun r = check(path);
    EXPECT_EQ(r.exit_status, 3) << path;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    EXPECT_TRUE(r.left_behind.empty());
  }
  EXPECT_EQ(run_command("findmnt -rn -o TARGET,SOURCE,FSTYPE"), mounts_before);
}

TEST(Service, NothingMayFollowTheDoubleDashWithUnit) {
  CheckerRun r = check(unit("svc-simple"), {"--", "/bin/true"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--unit"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dc::test
