// See checker_run.h.
#include "checker_run.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "proc_children.h"
#include "process.h"

namespace dc::test {

std::string checker_path() {
  return DC_CHECKER;
}
std::string fixture_path() {
  return DC_FIXTURE;
}
std::string glibc_daemon_path() {
  return DC_GLIBC_DAEMON;
}
std::string report_dir() {
  return DC_REPORT_DIR;
}

std::string CheckerRun::status(const std::string& rule) const {
  if (!scorecard.is_object()) return "";
  for (const auto& r : scorecard["rules"])
    if (r["id"] == rule) return r["status"];
  return "";
}

std::string CheckerRun::message(const std::string& rule) const {
  if (!scorecard.is_object()) return "";
  for (const auto& r : scorecard["rules"])
    if (r["id"] == rule) return r["message"];
  return "";
}

namespace {
struct Plan {
  std::string tmpdir;
  std::string marker;
  int signo = 0;
  int spare = 0;
  int delay_ms = 50;
  std::function<void(pid_t)> at_marker;  // instead of a signal
  std::string reports;                    // "": report_dir()
};
CheckerRun run_spawn(std::vector<std::string> args, bool raw, const Plan& sp);
}  // namespace

CheckerRun run_checker(std::vector<std::string> args, bool raw) {
  return run_spawn(std::move(args), raw, {});
}

CheckerRun run_checker_sparing(std::vector<std::string> args, int spare,
                               const std::string& reports) {
  Plan plan;
  plan.spare = spare;
  plan.reports = reports;
  return run_spawn(std::move(args), false, plan);
}

CheckerRun run_checker_interrupted(std::vector<std::string> args, const std::string& tmpdir,
                                   const std::string& marker, int signo, int delay_ms) {
  args.insert(args.begin(), {"--json", "-", "--quiet"});
  Plan plan;
  plan.tmpdir = tmpdir;
  plan.marker = marker;
  plan.signo = signo;
  plan.delay_ms = delay_ms;
  return run_spawn(std::move(args), true, plan);
}

CheckerRun run_checker_watched(std::vector<std::string> args, const std::string& tmpdir,
                               const std::string& marker, std::function<void(pid_t)> watch) {
  args.insert(args.begin(), {"--json", "-", "--quiet"});
  Plan plan;
  plan.tmpdir = tmpdir;
  plan.marker = marker;
  plan.at_marker = std::move(watch);
  return run_spawn(std::move(args), true, plan);
}

int count_entries(const std::string& dir) {
  int n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) ++n;
    ::closedir(d);
  }
  return n;
}

namespace {
bool marker_exists(const std::string& dir, const std::string& marker) {
  bool found = false;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      if (::access((dir + "/" + e->d_name + "/" + marker).c_str(), F_OK) == 0) found = true;
    }
    ::closedir(d);
  }
  return found;
}

CheckerRun run_spawn(std::vector<std::string> args, bool raw, const Plan& sp) {
  static bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)subreaper;
  if (!raw)
    args.insert(args.begin(), {"--json", "-", "--quiet", "--report-dir",
                               sp.reports.empty() ? report_dir() : sp.reports});
  args.insert(args.begin(), checker_path());
  Spawn spawn{.argv = args};
  if (!sp.tmpdir.empty()) spawn.env = environment_with({{"TMPDIR", sp.tmpdir}});
  if ((sp.signo || sp.at_marker) && !sp.tmpdir.empty()) {
    spawn.started = [&sp](pid_t pid) {
      // Wait for the marker in 10 ms steps: the test needs the check to be
      // under way, and no event tells it so from outside.
      for (int i = 0; i < 1000 && !marker_exists(sp.tmpdir, sp.marker); ++i) ::usleep(10000);
      if (sp.at_marker) {
        sp.at_marker(pid);
        return;
      }
      ::usleep(static_cast<useconds_t>(sp.delay_ms) * 1000);
      ::kill(pid, sp.signo);  // pid is our own unreaped child
    };
  }
  const Captured ran = run_captured(spawn);
  CheckerRun r;
  r.pid = ran.pid;
  r.out = ran.out;
  r.err = ran.err;
  r.exit_status = ran.status;
  int st = 0;
  r.scorecard = nlohmann::json::parse(r.out, nullptr, false);
  if (r.scorecard.is_discarded()) r.scorecard = nullptr;
  // Anything daemoncheck left would now be our child: count, then end it. A
  // checker whose outer process was killed tears the check down, and the
  // kernel the PID namespace as the checker (its init) exits: give that a
  // moment (bounded by 10 s: a loaded machine slows the teardown) before
  // counting.
  r.left_behind = live_children();
  std::erase(r.left_behind, sp.spare);
  for (int i = 0; i < 1000 && !r.left_behind.empty() && sp.signo == SIGKILL; ++i) {
    ::usleep(10000);
    r.left_behind = live_children();
    std::erase(r.left_behind, sp.spare);
  }
  for (int left : r.left_behind)
    ::kill(left, SIGKILL);  // test-side safety net; pids are our children
  for (int left : r.left_behind) ::waitpid(left, &st, 0);
  if (sp.spare == 0)
    while (::waitpid(-1, &st, WNOHANG) > 0) {
    }
  return r;
}
}  // namespace

}  // namespace dc::test
