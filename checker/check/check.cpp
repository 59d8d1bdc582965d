// See check.h. The order is the spec's: launch, settle, snapshot of /proc,
// then the probes (destructive ones last), then cleanup.
#include "check/check.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "check/settle.h"
#include "launch/isolation.h"
#include "launch/launcher.h"
#include "launch/process_tree.h"
#include "launch/reaper.h"
#include "observe/observe.h"
#include "probe/probes.h"

namespace dc {
namespace {

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

// Cleans up on every way out of run_check(), exceptions included.
// An interrupted checker gives the target less time to exit.
class Teardown {
 public:
  ~Teardown() { finish(); }
  CleanupReport finish() {
    if (done_) return {};
    done_ = true;
    Reaper& reaper = Reaper::get();
    reaper.stop_interrupts();
    return kill_all_descendants(reaper.interrupted_by() ? 200 : 1000);
  }

 private:
  bool done_ = false;
};

}  // namespace

std::string expand_tmp(std::string s, const std::string& tmp) {
  const std::string token = "{tmp}";
  for (size_t at = s.find(token); at != std::string::npos; at = s.find(token, at + tmp.size()))
    s.replace(at, token.size(), tmp);
  return s;
}

namespace {

// Everything between making the temp directory and cleaning up.
std::optional<Error> run_phases(const CheckOptions& opt, const std::string& tmp, Observation& o) {
  Reaper& reaper = Reaper::get();
  const double t0 = reaper.now_ms();
  std::vector<std::string> argv;
  for (const auto& a : opt.command) argv.push_back(expand_tmp(a, tmp));
  std::optional<std::string> pidfile;
  if (opt.pidfile) pidfile = expand_tmp(*opt.pidfile, tmp);
  if (opt.expect_cwd) o.expect.cwd = expand_tmp(*opt.expect_cwd, tmp);
  if (opt.expect_root) o.expect.root = expand_tmp(*opt.expect_root, tmp);

  auto exe = resolve_executable(argv.at(0));
  if (!exe) return Error{"cannot execute the target: " + exe.error().message};

  LaunchPlan plan = default_plan(argv, tmp);
  plan.exec_path = *exe;
  const bool systemd = opt.profile == "systemd";
  std::optional<NotifyListener> notify;
  if (systemd) {
    auto n = NotifyListener::open(tmp);
    if (!n) return n.error();
    notify = std::move(*n);
    plan.extra_env.push_back({"NOTIFY_SOCKET", notify->address()});
  }
  auto launched = start_launch(plan);
  if (!launched) return launched.error();
  Launch& launch = *launched;
  o.phase_ms["launch"] = reaper.now_ms() - t0;

  const double start_deadline = t0 + opt.start_timeout_s * 1000;
  if (systemd) {
    run_foreground(launch, *notify, opt, o, start_deadline);
  } else {
    double ts = reaper.now_ms();
    if (launch.wait_exit(start_deadline) && pidfile)
      launch.facts.pidfile_at_exit = observe::read_pidfile(*pidfile);
    if (launch.exited())
      launch.facts.settle_timed_out =
          !settle(pidfile, launch.facts.holder_pid, opt.settle_ms, start_deadline);
    o.phase_ms["settle"] = reaper.now_ms() - ts;
  }
  launch.facts.ready_ms = reaper.now_ms();

  double tobs = reaper.now_ms();
  o.launch = launch.facts;
  std::vector<DaemonPick> picks;
  if (systemd && !launch.exited())
    picks.push_back({launch.facts.launched_pid, "the launched process (foreground service)"});
  else
    picks = pick_daemons(pidfile, launch.facts);
  for (const auto& pick : picks) {
    DaemonFacts d = observe::observe_daemon(pick.pid, plan.canary_value);
    d.why = pick.why;
    d.host_pid = host_pid_of(pick.pid);
    for (const auto& e : descendants_of(pick.pid))
      if (e.state != 'Z') d.descendants.push_back(e.pid);
    o.daemons.push_back(std::move(d));
  }
  if (pidfile) {
    o.pidfile = PidfileFacts{*pidfile, "option", observe::read_pidfile(*pidfile)};
  } else if (!systemd) {
    std::vector<std::string> places{tmp, "/run", "/var/run", "/tmp"};
    for (const auto& d : o.daemons) {
      if (!d.cwd.empty() && d.cwd != "/") places.push_back(d.cwd);
      if (auto found = observe::discover_pidfile(d, places)) {
        o.pidfile = *found;
        break;
      }
    }
  }
  o.phase_ms["observe"] = reaper.now_ms() - tobs;

  if (opt.probes) run_probes(launch, plan, opt, o, notify ? &*notify : nullptr);
  o.launch.launched_exit = launch.facts.launched_exit;
  o.launch.terminal_output = launch.pty_master.tail();
  return std::nullopt;
}

// --attach: read a daemon that something else started. Nothing is planted,
// launched or signalled; the rules that need those skip.
std::optional<Error> run_attached(const CheckOptions& opt, Observation& o) {
  const pid_t pid = *opt.attach;
  if (pid <= 0 || !read_proc_entry(pid)) return Error{"no process with pid " + std::to_string(pid)};
  o.attach = true;
  o.race_trials = 0;
  if (opt.expect_cwd) o.expect.cwd = *opt.expect_cwd;
  if (opt.expect_root) o.expect.root = *opt.expect_root;
  DaemonFacts d = observe::observe_daemon(pid, "");
  d.why = "attached (--attach)";
  for (const auto& e : descendants_of(pid))
    if (e.state != 'Z') d.descendants.push_back(e.pid);
  if (opt.pidfile)
    o.pidfile = PidfileFacts{*opt.pidfile, "option", observe::read_pidfile(*opt.pidfile, pid)};
  else if (auto found = observe::discover_pidfile(d, {"/run", "/var/run", "/tmp", d.cwd}, pid))
    o.pidfile = *found;
  o.daemons.push_back(std::move(d));
  const std::string why = "attached: the checker only signals processes it started";
  for (auto* s : {&o.probes.hangup.skipped, &o.probes.second.skipped, &o.probes.sighup.skipped,
                  &o.probes.sigterm.skipped, &o.probes.race.skipped})
    *s = why;
  return std::nullopt;
}

}  // namespace

Result<CheckRun> run_check(const CheckOptions& opt) {
  Reaper& reaper = Reaper::get();
  CheckRun run;
  run.started_at = iso_now();
  const double t0 = reaper.now_ms();
  Observation& o = run.obs;
  o.profile = opt.profile;
  o.notify_required = opt.notify;
  o.start_timeout_s = opt.start_timeout_s;
  o.stop_timeout_s = opt.stop_timeout_s;
  o.race_trials = opt.race_trials;
  o.expect.umask = opt.expect_umask;
  o.expect.user = opt.expect_user;
  o.expect.group = opt.expect_group;
  o.expect.uid = opt.expect_uid;
  o.expect.gid = opt.expect_gid;
  o.pid_namespace = opt.isolation.pid_namespace;
  o.cgroup = opt.isolation.cgroup;
  o.pids_max = opt.isolation.pids_max;
  o.isolation_note = opt.isolation.note;

  if (opt.attach) {
    double ta = reaper.now_ms();
    if (auto failed = run_attached(opt, o)) return *failed;
    o.phase_ms["observe"] = reaper.now_ms() - ta;
    run.duration_ms = reaper.now_ms() - t0;
    return run;
  }

  auto tmp = TempDir::make("daemoncheck");
  if (!tmp)
    return Error{std::string("cannot create a temporary directory: ") + std::strerror(errno)};
  Teardown teardown;  // declared after tmp: processes end before their folder goes
  auto failed = run_phases(opt, tmp->path(), o);
  double tc = reaper.now_ms();
  run.cleanup = teardown.finish();
  o.phase_ms["cleanup"] = reaper.now_ms() - tc;
  if (failed) return *failed;
  o.launch.reaped = reaper.reaped();
  run.duration_ms = reaper.now_ms() - t0;
  return run;
}

}  // namespace dc
