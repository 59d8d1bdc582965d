// daemoncheck --unit on real units: the service started as systemd would
// start it (parent pid 1, systemd's environment only, a private /run), each
// Type='s start, ExecStartPre=, KillMode=process, the watchdog, the reload
// signal, and the bad units that cannot be checked. Each test reads the
// scorecard's `unit` and `service` objects and the journal the service wrote.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
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

const nlohmann::json* exec_of(const nlohmann::json& s, const std::string& kind) {
  for (const auto& e : s["execs"])
    if (e["kind"] == kind) return &e;
  return nullptr;
}

// Type=simple's start job ends at fork(), Type=exec's at execve(); whether
// the program then stays in the foreground is decided by an event: its end,
// the service at rest, or the program busy on a CPU.
TEST(Service, ForegroundIsDecidedByAnEventAfterTheStartJob) {
  CheckerRun simple = check(unit("svc-simple"));
  ASSERT_TRUE(simple.scorecard.is_object()) << simple.err;
  const auto& st = service(simple)["start"];
  EXPECT_EQ(st["watch_end"], "at rest") << st.dump();
  ASSERT_TRUE(st["watched_until_ms"].is_number()) << st.dump();
  EXPECT_GE(st["watched_until_ms"].get<double>(), st["ended_ms"].get<double>());
  EXPECT_EQ(simple.status("type-matches-behaviour"), "pass");

  CheckerRun forks = check(unit("svc-forks"));
  ASSERT_TRUE(forks.scorecard.is_object()) << forks.err;
  EXPECT_EQ(service(forks)["start"]["watch_end"], "exited");
  EXPECT_EQ(forks.status("type-matches-behaviour"), "fail")
      << forks.message("type-matches-behaviour");

  // Always on a CPU: decided by its CPU time; ExecStartPost= ran at once,
  // while it was still being watched.
  CheckerRun spin = check(unit("svc-spin"));
  ASSERT_TRUE(spin.scorecard.is_object()) << spin.err;
  const auto& sp = service(spin)["start"];
  EXPECT_EQ(sp["watch_end"], "busy") << sp.dump();
  const auto* post = exec_of(service(spin), "ExecStartPost");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ((*post)["exit_status"], 0);
  EXPECT_LT((*post)["started_ms"].get<double>(), sp["watched_until_ms"].get<double>());
  EXPECT_EQ(spin.status("type-matches-behaviour"), "pass");
  EXPECT_TRUE(spin.left_behind.empty());

  // Type=exec: ExecStartPost= runs once execve() succeeded.
  CheckerRun exec = check(unit("svc-exec"));
  ASSERT_TRUE(exec.scorecard.is_object()) << exec.err;
  const auto& ex = service(exec)["start"];
  ASSERT_TRUE(ex["exec_ms"].is_number()) << ex.dump();
  const auto* expost = exec_of(service(exec), "ExecStartPost");
  ASSERT_NE(expost, nullptr);
  EXPECT_LE(ex["exec_ms"].get<double>(), (*expost)["started_ms"].get<double>());
  EXPECT_EQ(ex["watch_end"], "at rest");
  EXPECT_EQ(exec.status("type-matches-behaviour"), "pass");
}

// Busy loops on every CPU, twice over, for the life of the object: a loaded
// machine, on which a runnable process waits its turn for a CPU. A keeper
// process (the test's child, spared by the leftover count) starts them and,
// once its pipe closes, kills and reaps them, its own children.
class CpuHogs {
 public:
  CpuHogs() {
    int p[2];
    if (::pipe(p) != 0) return;
    keeper_ = ::fork();
    if (keeper_ == 0) {
      ::close(p[1]);
      std::vector<pid_t> hogs;
      const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
      for (long i = 0; i < 2 * std::max(1L, cpus); ++i) {
        const pid_t pid = ::fork();
        if (pid == 0) {
          ::execl("/bin/sh", "sh", "-c", "while :; do :; done", static_cast<char*>(nullptr));
          ::_exit(127);
        }
        if (pid > 0) hogs.push_back(pid);
      }
      char c;
      while (::read(p[0], &c, 1) != 0) {
      }
      for (pid_t pid : hogs) ::kill(pid, SIGKILL);
      for (pid_t pid : hogs) ::waitpid(pid, nullptr, 0);
      ::_exit(0);
    }
    ::close(p[0]);
    stop_ = p[1];
  }
  ~CpuHogs() {
    ::close(stop_);
    if (keeper_ > 0) ::waitpid(keeper_, nullptr, 0);
  }
  CpuHogs(const CpuHogs&) = delete;
  CpuHogs& operator=(const CpuHogs&) = delete;
  pid_t keeper() const { return keeper_; }

 private:
  pid_t keeper_ = -1;
  int stop_ = -1;
};

TEST(Service, TheForegroundVerdictsHoldOnAnOversubscribedMachine) {
  CpuHogs hogs;
  ASSERT_GT(hogs.keeper(), 0);
  // {unit, type-matches-behaviour, stop-completes}: a program that forked
  // away left systemd no service to stop.
  const std::vector<std::array<std::string, 3>> expected{{"svc-simple", "pass", "pass"},
                                                         {"svc-forks", "fail", "skip"},
                                                         {"svc-exec", "pass", "pass"},
                                                         {"svc-nohup", "pass", "pass"}};
  for (int run = 0; run < 3; ++run) {
    for (const auto& [name, status, stop] : expected) {
      // Its scorecards go with the other service tests', not into the shared
      // folder, which scorecards_setup (a fixture these tests are not in)
      // may empty while a check runs.
      CheckerRun r = run_checker_sparing({"--unit", unit(name)}, hogs.keeper(), DC_SERVICE_REPORTS);
      ASSERT_TRUE(r.scorecard.is_object()) << name << ": " << r.err;
      EXPECT_EQ(r.status("type-matches-behaviour"), status)
          << name << " run " << run << ": " << r.message("type-matches-behaviour");
      EXPECT_EQ(r.status("start-completes"), "pass")
          << name << ": " << r.message("start-completes");
      EXPECT_EQ(r.status("stop-completes"), stop) << name << ": " << r.message("stop-completes");
      EXPECT_TRUE(r.left_behind.empty()) << name;
    }
  }
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
  // The start job ended on reading the file, which named the daemon when the
  // first process exited; the daemon was then observed once at rest.
  EXPECT_EQ(s["start"]["watch_end"], "at rest") << s["start"].dump();
  EXPECT_GE(s["start"]["pidfile"]["seen_ms"].get<double>(),
            s["start"]["exec_ended_ms"].get<double>());
  EXPECT_LE(s["start"]["pidfile"]["seen_ms"].get<double>(), s["start"]["ended_ms"].get<double>());
}

// systemd reads the pidfile once the first process exited and, when it is
// not there yet, waits for it with inotify: here a grandchild writes it, in
// a folder it makes, 300 ms after the first process exited.
TEST(Service, ForkingWaitsForAPidfileWrittenAfterTheFirstProcessExited) {
  CheckerRun r = check(unit("svc-forking-late"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& st = service(r)["start"];
  EXPECT_EQ(st["result"], "success") << st.dump();
  EXPECT_EQ(st["exec_exit_status"], 0);
  EXPECT_EQ(st["main_pid_source"], "pidfile");
  EXPECT_TRUE(st["pidfile"]["at_first_exit"].is_null()) << st.dump();
  ASSERT_TRUE(st["pidfile"]["seen_ms"].is_number()) << st.dump();
  EXPECT_EQ(st["pidfile"]["pid_at_end"], st["main_pid"]);
  EXPECT_GE(st["pidfile"]["seen_ms"].get<double>() - st["exec_ended_ms"].get<double>(), 250)
      << st.dump();
  EXPECT_GE(st["ended_ms"].get<double>(), st["pidfile"]["seen_ms"].get<double>());
  EXPECT_EQ(st["watch_end"], "at rest") << st.dump();
  EXPECT_TRUE(st["main_alive_at_end"]);
  EXPECT_EQ(r.status("start-completes"), "pass") << r.message("start-completes");
  EXPECT_EQ(r.status("main-pid-known"), "pass") << r.message("main-pid-known");
  EXPECT_EQ(r.status("type-matches-behaviour"), "pass") << r.message("type-matches-behaviour");
  EXPECT_EQ(r.status("pidfile-written-before-exit"), "fail")
      << r.message("pidfile-written-before-exit");
  EXPECT_EQ(r.status("stop-completes"), "pass") << r.message("stop-completes");
  EXPECT_TRUE(r.left_behind.empty());
}

// A first process that exits 0 while its child runs on and never writes the
// pidfile: systemd waits for the file until TimeoutStartSec= (1 s in the
// unit, below the check's own 10 s) and fails the start with "timeout".
TEST(Service, ForkingWithoutItsPidfileTimesOutAtTheUnitsTimeoutStartSec) {
  CheckerRun r = check(unit("svc-forking-silent"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  const auto& st = s["start"];
  EXPECT_EQ(st["result"], "timeout") << st.dump();
  EXPECT_EQ(st["exec_exit_status"], 0);
  EXPECT_EQ(st["main_pid"], 0);
  EXPECT_TRUE(st["pidfile"]["at_end"].is_null()) << st.dump();
  const auto* start = exec_of(s, "ExecStart");
  ASSERT_NE(start, nullptr);
  const double waited = st["ended_ms"].get<double>() - (*start)["started_ms"].get<double>();
  EXPECT_GE(waited, 990) << st.dump();
  EXPECT_LT(waited, 5000) << st.dump();
  EXPECT_EQ(r.status("start-completes"), "fail") << r.message("start-completes");
  EXPECT_NE(r.message("start-completes").find("timeout"), std::string::npos)
      << r.message("start-completes");
  EXPECT_EQ(r.status("main-pid-known"), "fail") << r.message("main-pid-known");
  EXPECT_NE(r.message("main-pid-known").find("never appeared"), std::string::npos)
      << r.message("main-pid-known");
  EXPECT_TRUE(r.left_behind.empty());
}

// Nothing left to write the pidfile once the first process exited: systemd
// ("Daemon never wrote its PID file") fails the start with "protocol" then,
// not at TimeoutStartSec= (5 s in the unit).
TEST(Service, ForkingFailsAsSoonAsNothingIsLeftToWriteThePidfile) {
  CheckerRun r = check(unit("svc-forking-gone"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& st = service(r)["start"];
  EXPECT_EQ(st["result"], "protocol") << st.dump();
  EXPECT_EQ(st["exec_exit_status"], 0);
  EXPECT_LT(st["ended_ms"].get<double>() - st["exec_ended_ms"].get<double>(), 2000) << st.dump();
  EXPECT_EQ(r.status("start-completes"), "fail") << r.message("start-completes");
  EXPECT_EQ(r.status("main-pid-known"), "fail") << r.message("main-pid-known");
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

// $TMPDIR below /tmp (pam_tmpdir's /tmp/user/0): the service's fresh /tmp
// does not have it, so the check makes it again there for its temp folders,
// and the host's folder stays empty.
TEST(Service, ATmpdirBelowTmpStillHoldsTheChecksTempFolders) {
  char base[] = "/tmp/dc-test-tmpdir-XXXXXX";
  ASSERT_NE(::mkdtemp(base), nullptr);
  struct Cleanup {
    std::string path;
    std::optional<std::string> old_tmpdir;
    ~Cleanup() {
      if (old_tmpdir)
        ::setenv("TMPDIR", old_tmpdir->c_str(), 1);
      else
        ::unsetenv("TMPDIR");
      std::filesystem::remove_all(path);
    }
  } cleanup{base, std::getenv("TMPDIR") ? std::optional<std::string>(std::getenv("TMPDIR"))
                                        : std::nullopt};
  const std::string tmpdir = std::string(base) + "/user/0";
  std::filesystem::create_directories(tmpdir);
  ::setenv("TMPDIR", tmpdir.c_str(), 1);
  CheckerRun r = check(unit("svc-oneshot"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(service(r)["start"]["result"], "success");
  EXPECT_EQ(count_entries(tmpdir), 0);
  EXPECT_TRUE(r.left_behind.empty());
}

// Programs kept in the host's /tmp (a project cloned there) still run: the
// fresh /tmp shows the link, the folder and the file the unit's commands
// name, also to the relaunch after the SIGHUP probe ended the service
// (a relaunch empties /tmp again), and nothing the service does there
// reaches the host.
TEST(Service, ProgramsInTheHostsTmpStillRunInTheFreshTmp) {
  char dir[] = "/tmp/dc-test-kept-XXXXXX";
  char file[] = "/tmp/dc-test-prog-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const int fd = ::mkstemp(file);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const std::string link = std::string(dir) + "-link";
  struct Cleanup {
    std::vector<std::string> paths;
    ~Cleanup() {
      for (const auto& p : paths) std::filesystem::remove_all(p);
    }
  } cleanup{{dir, file, link}};
  namespace fs = std::filesystem;
  const std::string program = std::string(dir) + "/fixture";
  fs::copy_file(DC_SERVICE_STATIC_FIXTURE, program);
  fs::copy_file(DC_SERVICE_STATIC_FIXTURE, file, fs::copy_options::overwrite_existing);
  fs::permissions(file, fs::perms::owner_all);
  fs::create_directory_symlink(dir, link);
  const std::string unit_path = std::string(dir) + "/kept.service";
  std::ofstream(unit_path) << "[Service]\nType=simple\nRuntimeDirectory=dc-kept\nExecStart=" << link
                           << "/fixture nohup /run/dc-kept/started\nExecStartPost=" << program
                           << " oneshot\nExecStop=" << file << " oneshot\n";
  CheckerRun r = check(unit_path);
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success");
  ASSERT_NE(exec_of(s, "ExecStartPost"), nullptr);
  EXPECT_EQ((*exec_of(s, "ExecStartPost"))["exit_status"], 0);
  ASSERT_NE(exec_of(s, "ExecStop"), nullptr);
  EXPECT_EQ((*exec_of(s, "ExecStop"))["exit_status"], 0);
  EXPECT_EQ(s["relaunches"].size(), 1u) << s["relaunches"];
  EXPECT_EQ(s["stop"]["relaunch"], 1);
  // Every command ran, the relaunch's too (203: it could not be executed).
  int starts = 0;
  for (const auto& e : s["execs"]) {
    EXPECT_TRUE(e["exit_status"].is_null() || e["exit_status"] == 0) << e.dump();
    starts += e["kind"] == "ExecStart" ? 1 : 0;
  }
  EXPECT_EQ(starts, 2);
  EXPECT_EQ(r.scorecard["isolation"]["kept_from_host"],
            nlohmann::json::array({link, std::string(dir), std::string(file)}));
  EXPECT_EQ(count_entries(dir), 2);  // the fixture and the unit
  EXPECT_TRUE(r.left_behind.empty());
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

// A notify-reload service that blocks SIGHUP and reads it from a signalfd
// (sd-event's way) has no handler for it, yet its reloads work.
TEST(Service, AReloadSignalReadFromASignalfdPassesTheReloadProtocol) {
  CheckerRun r = check(unit("svc-reload-signalfd"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("reload-protocol"), "pass") << r.message("reload-protocol");
  EXPECT_EQ(service(r)["start"]["sig_blk_at_ready"]["signals"], nlohmann::json::array({"SIGHUP"}))
      << service(r)["start"].dump();
}

// Numbers too long for any integer in a notify message are refused, as
// systemd refuses them, and the check goes on to its scorecard.
TEST(Service, NotifyNumbersTooLongForAnIntegerAreRefused) {
  CheckerRun r = check(unit("svc-reload-huge"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& rl = service(r)["reload"];
  ASSERT_TRUE(rl["ran"]) << rl.dump();
  ASSERT_FALSE(rl["reloading_ms"].is_null());
  EXPECT_TRUE(rl["monotonic_usec"].is_null()) << rl.dump();
  EXPECT_EQ(r.status("reload-protocol"), "fail");
  EXPECT_NE(r.message("reload-protocol").find("without MONOTONIC_USEC="), std::string::npos)
      << r.message("reload-protocol");
}

// A numeric User= or Group= too long for a uid is no such user, a finding
// of unit-file-valid, and the check still writes its scorecard.
TEST(Service, AUidTooLongForAnIntegerIsNoSuchUser) {
  CheckerRun r = check(bad_unit("svc-huge-ids"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.exit_status, 1) << r.err;
  EXPECT_EQ(r.status("unit-file-valid"), "fail");
  EXPECT_NE(r.message("unit-file-valid").find("no such user"), std::string::npos)
      << r.message("unit-file-valid");
  EXPECT_TRUE(service(r)["execs"].empty());
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

TEST(Service, ASocketItsUnitRequiresIsPassedAsSystemdPassesIt) {
  struct stat st {};
  ASSERT_NE(::lstat("/run/svc-listen", &st), 0) << "the host has /run/svc-listen already";
  CheckerRun r = check(unit("svc-listen"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& sockets = r.scorecard["unit"]["sockets"];
  ASSERT_EQ(sockets.size(), 1u) << r.scorecard["unit"].dump();
  EXPECT_EQ(sockets[0]["unit"], "svc-listen.socket");
  EXPECT_EQ(sockets[0]["listen"], "ListenStream=/run/svc-listen/sock");
  EXPECT_EQ(sockets[0]["fd"], 3);
  // ExecStart= found LISTEN_PID its own pid and a listening socket at 3.
  EXPECT_EQ(journal_lines(r, "LISTEN "), std::vector<std::string>{"ok 1 svc-listen.socket"})
      << service(r)["journal"];
  // Both commands wrote their environment; only ExecStart= was given the
  // socket (EXEC_PASS_FDS is ExecStart='s alone).
  const auto env = journal_lines(r, "ENV ");
  EXPECT_EQ(std::count_if(env.begin(), env.end(),
                          [](const std::string& e) { return e.starts_with("PATH="); }),
            2);
  EXPECT_EQ(std::count(env.begin(), env.end(),
                       "LISTEN_PID=" + std::to_string(service(r)["start"]["main_pid"].get<int>())),
            1);
  EXPECT_EQ(std::count(env.begin(), env.end(), "LISTEN_FDS=1"), 1);
  EXPECT_EQ(service(r)["start"]["result"], "success");
  // ExecReload= connects to the socket's path and the service answers.
  EXPECT_EQ(r.status("reload-keeps-service"), "pass") << r.message("reload-keeps-service");
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(::lstat("/run/svc-listen", &st), 0) << "the socket was made in the host's /run";
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, ASocketOnTheHostsNetworkIsOneLineAndExitStatus3) {
  const std::string path = bad_unit("svc-port");
  CheckerRun r = check(path);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("svc-port.socket: ListenStream=127.0.0.1:8080"), std::string::npos) << r.err;
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, TheSighupProbeRunsOnTheMainProcess) {
  CheckerRun kept = check(unit("svc-simple"));
  ASSERT_TRUE(kept.scorecard.is_object()) << kept.err;
  const auto& p = kept.scorecard["probes"]["sighup"];
  EXPECT_TRUE(p["ran"]) << p.dump();
  EXPECT_TRUE(p["died"].empty()) << p.dump();
  EXPECT_EQ(kept.scorecard["service"]["stop"]["main_signal"], "SIGTERM");
  CheckerRun died = check(unit("svc-nohup"));
  ASSERT_TRUE(died.scorecard.is_object()) << died.err;
  const auto& q = died.scorecard["probes"]["sighup"];
  ASSERT_EQ(q["died"].size(), 1u) << q.dump();
  EXPECT_EQ(q["died"][0]["signal"], "SIGHUP");
  CheckerRun reload = check(unit("svc-reload"));
  ASSERT_TRUE(reload.scorecard.is_object()) << reload.err;
  EXPECT_FALSE(reload.scorecard["probes"]["sighup"]["ran"]);
}

TEST(Service, WhenTheSighupProbeEndsTheServiceItsStopIsMeasuredOnAFreshRelaunch) {
  CheckerRun r = check(unit("svc-nohup"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  ASSERT_EQ(r.scorecard["probes"]["sighup"]["died"].size(), 1u);
  const auto& stop = s["stop"];
  ASSERT_TRUE(stop["ran"]) << stop.dump();
  EXPECT_EQ(stop["relaunch"], 1);
  EXPECT_NE(stop["main_pid"], s["start"]["main_pid"]);
  EXPECT_EQ(stop["main_signal"], "SIGTERM");
  // The relaunch's ExecStart= is in the scorecard's list, marked; the start
  // rules still judge the first start only.
  std::vector<std::pair<std::string, int>> runs;
  for (const auto& e : s["execs"]) runs.emplace_back(e["kind"], e["relaunch"].get<int>());
  EXPECT_EQ(runs, (std::vector<std::pair<std::string, int>>{{"ExecStart", 0}, {"ExecStart", 1}}));
  EXPECT_EQ(s["execs"][1]["pid"], stop["main_pid"]);
  EXPECT_EQ(s["relaunches"].size(), 1u);
  EXPECT_EQ(r.status("start-completes"), "pass");
  // The relaunch made its O_EXCL file again: RuntimeDirectory= was fresh.
  EXPECT_EQ(journal_lines(r, "PPID=").size(), 2u) << s["journal"];
  EXPECT_TRUE(journal_lines(r, "cannot make").empty()) << s["journal"];
  for (const char* rule : {"stop-completes", "clean-exit-status", "no-leftover-processes"}) {
    EXPECT_EQ(r.status(rule), "pass") << rule << ": " << r.message(rule);
    EXPECT_NE(r.message(rule).find("(measured on relaunch 1: the SIGHUP probe ended the main "
                                   "process, which was killed by SIGHUP)"),
              std::string::npos)
        << r.message(rule);
  }
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, WhenTheReloadEndsTheServiceTheSighupProbeAndTheStopRunOnARelaunch) {
  CheckerRun r = check(unit("svc-reload-kills"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_FALSE(s["reload"]["same_main_alive"]);
  EXPECT_EQ(r.status("reload-keeps-service"), "fail");
  const auto& p = r.scorecard["probes"]["sighup"];
  ASSERT_TRUE(p["ran"]) << p.dump();
  EXPECT_EQ(p["relaunch"], 1);
  EXPECT_TRUE(p["died"].empty());
  EXPECT_EQ(r.status("sighup-handled"), "pass") << r.message("sighup-handled");
  EXPECT_EQ(s["stop"]["relaunch"], 1);
  EXPECT_EQ(s["stop"]["main_signal"], "SIGTERM");
  EXPECT_NE(r.message("stop-completes")
                .find("measured on relaunch 1: the reload (ExecReload=) "
                      "ended the main process, which was killed by SIGTERM"),
            std::string::npos)
      << r.message("stop-completes");
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, AChildsReadyIsRejectedUnderNotifyAccessMainAndItsEnvironmentSeen) {
  CheckerRun r = check(unit("svc-notify-child"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  ASSERT_GE(s["notify"].size(), 2u) << s["notify"].dump();
  const auto& first = s["notify"][0];
  EXPECT_FALSE(first["accepted"]);
  EXPECT_NE(first["sender"], s["start"]["main_pid"]);
  EXPECT_NE(first["rejected_why"].get<std::string>().find("reception only permitted for main PID"),
            std::string::npos);
  EXPECT_TRUE(s["notify"][1]["accepted"]);
  EXPECT_EQ(s["start"]["result"], "success");
  EXPECT_TRUE(s["children_seen"]);
  ASSERT_EQ(s["children_with_notify_socket"].size(), 1u);
  EXPECT_EQ(s["children_with_notify_socket"][0], first["sender"]);
}

// A worker the daemon starts only after READY=1 (here on the SIGHUP probe's
// signal: event-driven, no timer) keeps NOTIFY_SOCKET: the later
// observation points find it, and the rule fails.
TEST(Service, AChildStartedAfterReadyWithTheNotifySocketFailsTheRule) {
  CheckerRun r = check(unit("svc-hup-child"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success");
  EXPECT_TRUE(r.scorecard["probes"]["sighup"]["ran"]);
  EXPECT_TRUE(r.scorecard["probes"]["sighup"]["died"].empty());
  ASSERT_EQ(s["children_with_notify_socket"].size(), 1u) << s.dump();
  EXPECT_EQ(s["children_with_notify_socket_seen"][0], "after the SIGHUP probe");
  EXPECT_TRUE(s["children_not_execed"].empty()) << s.dump();
  EXPECT_EQ(r.status("notify-socket-not-inherited"), "fail")
      << r.message("notify-socket-not-inherited");
  EXPECT_NE(r.message("notify-socket-not-inherited").find("after READY=1"), std::string::npos);
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, UserGetsItsEnvironmentAndItsRuntimeDirectoryInTheChecksRun) {
  struct stat st {};
  ASSERT_NE(::stat("/run/dc-svc-test", &st), 0) << "the host already has /run/dc-svc-test";
  CheckerRun r = check(unit("svc-user"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(service(r)["start"]["result"], "success");
  const auto env = journal_lines(r, "ENV ");
  for (const char* kv : {"USER=nobody", "LOGNAME=nobody", "RUNTIME_DIRECTORY=/run/dc-svc-test"})
    EXPECT_NE(std::find(env.begin(), env.end(), kv), env.end()) << kv;
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u);
  EXPECT_EQ(r.scorecard["daemons"][0]["uid"]["effective"], 65534);
  EXPECT_NE(::stat("/run/dc-svc-test", &st), 0) << "RuntimeDirectory= was made in the host's /run";
}

// systemd.service(5): "+" and "!" run the command with root's credentials
// in spite of User=; "!!" only on a kernel without ambient capabilities.
TEST(Service, PrivilegePrefixesKeepRootsCredentialsForTheirCommand) {
  CheckerRun r = check(unit("svc-prefixes"));
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(service(r)["start"]["result"], "success");
  const std::vector<std::string> expected{"plain=65534", "plus=0", "bang=0", "bangbang=65534"};
  EXPECT_EQ(journal_lines(r, "UID "), expected) << service(r)["journal"];
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u);
  EXPECT_EQ(r.scorecard["daemons"][0]["uid"]["effective"], 65534);
  // The settings the scorecard shows keep each prefix.
  std::vector<std::string> pre;
  for (const auto& kv : r.scorecard["unit"]["settings"])
    if (kv["key"] == "ExecStartPre") {
      const auto value = kv["value"].get<std::string>();
      pre.push_back(value.substr(0, value.find('/')));
    }
  EXPECT_EQ(pre, (std::vector<std::string>{"", "+", "!", "!!"})) << r.scorecard["unit"].dump();
}

TEST(Service, DirtyAddsATerminalAndPlantedDescriptors) {
  CheckerRun clean = check(unit("svc-simple"));
  ASSERT_TRUE(clean.scorecard.is_object()) << clean.err;
  ASSERT_EQ(clean.scorecard["daemons"].size(), 1u);
  EXPECT_EQ(clean.scorecard["daemons"][0]["fds"].size(), 3u);  // nothing above 2
  EXPECT_EQ(clean.scorecard["daemons"][0]["tty_nr"], 0);
  CheckerRun r = check(unit("svc-simple"), {"--dirty"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u);
  const auto& d = r.scorecard["daemons"][0];
  EXPECT_NE(d["tty_nr"], 0);
  std::set<int> fds;
  for (const auto& f : d["fds"]) fds.insert(f["fd"].get<int>());
  EXPECT_EQ(fds, (std::set<int>{0, 1, 2, 3, 9}));
  EXPECT_EQ(r.scorecard["launch"]["planted_fds"].size(), 2u);
  EXPECT_EQ(d["umask"], "0047");
  EXPECT_EQ(clean.scorecard["daemons"][0]["umask"], "0022");
}

// A root of its own, in the build tree (the check's /tmp is private to it):
// the statically linked fixture as /bin/svc, a folder to work in, and a mark
// at its top that the host's / does not have.
TEST(Service, RootDirectoryChrootsTheServiceWhichFindsItsProgramInside) {
  char tmpl[] = DC_SERVICE_SCRATCH "/root-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  ASSERT_TRUE(std::filesystem::create_directories(root + "/bin"));
  ASSERT_TRUE(std::filesystem::create_directories(root + "/srv"));
  std::filesystem::copy_file(DC_SERVICE_STATIC_FIXTURE, root + "/bin/svc");
  std::ofstream(root + "/dc-root-mark") << "mark\n";
  const std::string unit_path = root + ".service";
  std::ofstream(unit_path) << "[Service]\nType=simple\nRootDirectory=" << root
                           << "\nWorkingDirectory=/srv\nExecStart=/bin/svc simple\n";
  CheckerRun r = check(unit_path);
  std::filesystem::remove_all(root);
  std::filesystem::remove(unit_path);
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  EXPECT_EQ(r.status("unit-file-valid"), "pass") << r.message("unit-file-valid");
  EXPECT_EQ(service(r)["start"]["result"], "success");
  EXPECT_EQ(journal_lines(r, "ROOT="), std::vector<std::string>{"marked"}) << service(r)["journal"];
  ASSERT_EQ(r.scorecard["daemons"].size(), 1u);
  EXPECT_EQ(r.scorecard["daemons"][0]["root"], root);
  EXPECT_EQ(r.scorecard["daemons"][0]["cwd"], root + "/srv");
  EXPECT_TRUE(r.left_behind.empty());
}

// A RootDirectory= of its own with the static fixture as /bin/svc, a /run
// folder (systemd mounts a tmpfs there) and a mark at its top; removed with
// its unit file when the object goes.
class ServiceRoot {
 public:
  explicit ServiceRoot(const std::string& service_lines) {
    char tmpl[] = DC_SERVICE_SCRATCH "/root-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    path = tmpl;
    std::filesystem::create_directories(path + "/bin");
    std::filesystem::create_directories(path + "/run");
    std::filesystem::copy_file(DC_SERVICE_STATIC_FIXTURE, path + "/bin/svc");
    std::ofstream(path + "/dc-root-mark") << "mark\n";
    unit_path = path + ".service";
    std::ofstream(unit_path) << "[Service]\nRootDirectory=" << path << "\n" << service_lines;
  }
  ~ServiceRoot() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
    if (!unit_path.empty()) std::filesystem::remove(unit_path, ec);
  }
  ServiceRoot(const ServiceRoot&) = delete;
  ServiceRoot& operator=(const ServiceRoot&) = delete;
  std::string path, unit_path;
};

// systemd binds its notify socket at /run/host/notify on a fresh tmpfs on
// the root's /run and says so in NOTIFY_SOCKET, so that a chroot()ed notify
// service can send READY=1. The check does the same in its own mount
// namespace: no mount is left on the host and nothing is written in the root.
TEST(Service, ANotifyServiceInRootDirectoryReachesTheNotifySocketAtRunHostNotify) {
  ServiceRoot root("Type=notify\nExecStart=/bin/svc notify\n");
  ASSERT_FALSE(root.path.empty());
  const std::string mounts_before = run_command("findmnt -rn -o TARGET,SOURCE,FSTYPE");
  CheckerRun r = check(root.unit_path);
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success") << s.dump();
  ASSERT_FALSE(s["start"]["ready_ms"].is_null()) << s.dump();
  ASSERT_GE(s["notify"].size(), 1u);
  EXPECT_EQ(s["notify"][0]["text"], "READY=1");
  EXPECT_TRUE(s["notify"][0]["accepted"]);
  EXPECT_EQ(journal_lines(r, "ENV NOTIFY_SOCKET="), std::vector<std::string>{"/run/host/notify"})
      << s["journal"];
  EXPECT_EQ(journal_lines(r, "ROOT="), std::vector<std::string>{"marked"});
  EXPECT_EQ(r.status("start-completes"), "pass") << r.message("start-completes");
  EXPECT_EQ(run_command("findmnt -rn -o TARGET,SOURCE,FSTYPE"), mounts_before);
  EXPECT_TRUE(std::filesystem::is_empty(root.path + "/run"));
  EXPECT_TRUE(r.left_behind.empty());
}

// MountAPIVFS=no: systemd mounts nothing in the root and gives the host's
// path, which the chroot()ed service cannot reach: its start times out, as
// under systemd, and the check mounts nothing in the root either.
TEST(Service, WithMountApiVfsNoTheNotifySocketStaysTheHostsPath) {
  ServiceRoot root("Type=notify\nMountAPIVFS=no\nExecStart=/bin/svc notify\n");
  ASSERT_FALSE(root.path.empty());
  CheckerRun r = check(root.unit_path, {"--start-timeout", "0.5"});
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto sockets = journal_lines(r, "ENV NOTIFY_SOCKET=");
  ASSERT_EQ(sockets.size(), 1u) << service(r)["journal"];
  EXPECT_NE(sockets[0], "/run/host/notify");
  EXPECT_EQ(service(r)["start"]["result"], "timeout");
  EXPECT_EQ(r.status("start-completes"), "fail");
  EXPECT_TRUE(r.left_behind.empty());
}

// systemd applies RootDirectory= to a "+" command too: apply_mount_namespace()
// takes the root from EXEC_APPLY_CHROOT, which only RootDirectoryStartOnly=
// clears, not from the command's flags; "+" only turns off the sandboxing,
// and so the private notify socket path (it keeps the host's).
TEST(Service, APlusCommandIsStillChrootedIntoRootDirectory) {
  ServiceRoot root("Type=notify\nExecStartPre=+/bin/svc oneshot\nExecStart=/bin/svc notify\n");
  ASSERT_FALSE(root.path.empty());
  CheckerRun r = check(root.unit_path);
  ASSERT_TRUE(r.scorecard.is_object()) << r.err;
  const auto& s = service(r);
  EXPECT_EQ(s["start"]["result"], "success") << s.dump();
  const auto* pre = exec_of(s, "ExecStartPre");
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ((*pre)["exit_status"], 0);
  // Both the "+" command and the main process see the root's mark.
  EXPECT_EQ(journal_lines(r, "ROOT="), (std::vector<std::string>{"marked", "marked"}))
      << s["journal"];
  const auto sockets = journal_lines(r, "ENV NOTIFY_SOCKET=");
  ASSERT_EQ(sockets.size(), 2u) << s["journal"];
  EXPECT_NE(sockets[0], "/run/host/notify");
  EXPECT_EQ(sockets[1], "/run/host/notify");
  EXPECT_TRUE(r.left_behind.empty());
}

TEST(Service, NothingMayFollowTheDoubleDashWithUnit) {
  CheckerRun r = check(unit("svc-simple"), {"--", "/bin/true"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--unit"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dc::test
