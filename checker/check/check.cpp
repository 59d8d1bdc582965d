// See check.h. The order is the spec's: launch, settle, snapshot of /proc,
// then the probes (destructive ones last), then cleanup.
#include "check/check.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>

#include "check/systemd_facts.h"
#include "common/signals.h"
#include "launch/isolation.h"
#include "launch/launched_exit.h"
#include "launch/launcher.h"
#include "launch/signal_guard.h"
#include "observe/observe.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "observe/settle.h"
#include "probe/control.h"
#include "probe/probes.h"
#include "profiles/profile.h"
#include "sys/fileio.h"
#include "unit/made_up.h"

namespace dc {
namespace {

// An observation longer than this is mentioned in the scorecard's notes.
constexpr double kLongObservationMs = 1000;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

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
// An interrupted checker, or one whose --timeout ran out, gives the target
// less time to exit.
class Teardown {
 public:
  ~Teardown() { finish(false); }
  CleanupReport finish(bool hurry) {
    if (done_) return {};
    done_ = true;
    Reaper& reaper = Reaper::get();
    reaper.stop_interrupts();
    return kill_all_descendants(hurry || reaper.interrupted_by() ? 200 : 1000);
  }

 private:
  bool done_ = false;
};

// A script whose interpreter (its #! line) does not exist fails exec() with
// ENOENT, which names the script. Say which interpreter is missing, and why
// when the line ends in a carriage return (a file saved with CRLF line
// endings asks for "/bin/sh\r").
std::optional<Error> missing_interpreter(const std::string& exe) {
  auto head = sys::read_file(exe, 256);
  if (!head || !head->starts_with("#!")) return std::nullopt;
  std::string line = head->substr(
      2, head->find('\n') == std::string::npos ? std::string::npos : head->find('\n') - 2);
  const size_t start = line.find_first_not_of(" \t");
  if (start == std::string::npos) return std::nullopt;
  const size_t end = line.find_first_of(" \t", start);
  const std::string interp =
      line.substr(start, end == std::string::npos ? std::string::npos : end - start);
  struct stat st {};
  if (interp.empty() || ::stat(interp.c_str(), &st) == 0) return std::nullopt;
  std::string shown;
  for (char c : interp) shown += c == '\r' ? std::string("\\r") : std::string(1, c);
  std::string why = "its interpreter " + shown + " does not exist";
  if (interp.ends_with('\r')) why += " (CRLF line endings? convert the script with dos2unix)";
  return Error{"cannot execute", exe, 0, why};
}

// What resolve_executable() found wrong, said of the target: "cannot execute
// the target ./d: not executable (Permission denied)".
Error cannot_execute_target(Error why) {
  if (why.step.empty())
    why.step = "cannot execute the target";
  else
    why = Error{"cannot execute the target", "", 0, why.message()};
  return why;
}

// One note per signal the target sent the checker (ignored), with how often
// and who sent it first.
void note_ignored_signals(const std::vector<Reaper::SignalFrom>& sent, Observation& o) {
  std::map<int, std::pair<int, pid_t>> by_signal;
  for (const auto& [signo, sender] : sent) {
    auto& [count, first] = by_signal[signo];
    if (count++ == 0) first = sender;
  }
  for (const auto& [signo, c] : by_signal)
    o.notes.push_back("the target sent the checker " + signal_name(signo) + " " +
                      std::to_string(c.first) + (c.first == 1 ? " time" : " times") +
                      " (first from pid " + std::to_string(c.second) + "); it was ignored");
}

// What the probes read of the options.
ProbeContext probe_context(const CheckOptions& opt) {
  ProbeContext ctx;
  ctx.command = opt.command;
  ctx.pidfile = opt.pidfile;
  ctx.start_timeout_s = opt.start_timeout_s;
  ctx.stop_timeout_s = opt.stop_timeout_s;
  ctx.timeout_s = opt.timeout_s;
  ctx.deadline_ms = opt.deadline_ms;
  ctx.settle_ms = opt.settle_ms;
  ctx.race_trials = opt.race_trials;
  return ctx;
}

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
  if (!exe) return cannot_execute_target(exe.error());
  if (auto missing = missing_interpreter(*exe)) return missing;
  const Profile& prof = profile(opt.profile);
  if (prof.launch == LaunchKind::ActionSequence) {
    ProbeContext ctx = probe_context(opt);
    ctx.command = argv;
    auto failed = run_control(ctx, opt.control, *exe, tmp, o);
    o.phase_ms["actions"] = reaper.now_ms() - t0;
    return failed;
  }

  LaunchPlan plan = default_plan(argv, tmp);
  plan.exec_path = *exe;
  const bool foreground = prof.launch == LaunchKind::Foreground;
  std::optional<NotifyListener> notify;
  if (foreground) {
    auto n = NotifyListener::open(tmp);
    if (!n) return n.error();
    notify = std::move(*n);
    plan.extra_env.push_back({"NOTIFY_SOCKET", notify->address()});
  }
  auto launched = start_launch(plan);
  if (!launched) return launched.error();
  Launch& launch = *launched;
  o.phase_ms["launch"] = reaper.now_ms() - t0;

  const double start_deadline = std::min(t0 + opt.start_timeout_s * 1000, opt.deadline_ms);
  if (foreground) {
    run_foreground(launch, *notify, probe_context(opt), o, start_deadline);
  } else {
    double ts = reaper.now_ms();
    wait_launched_exit(launch, start_deadline);
    if (launch.exited() && pidfile) launch.facts.pidfile_at_exit = observe::read_pidfile(*pidfile);
    if (launch.exited())
      launch.facts.settle_timed_out =
          !settle(pidfile, launch.facts.holder_pid, opt.settle_ms, start_deadline);
    o.phase_ms["settle"] = reaper.now_ms() - ts;
  }
  if (!launch.exited() && start_deadline == opt.deadline_ms && reaper.now_ms() >= start_deadline)
    launch.facts.exit_wait_cut_by_timeout_s = (start_deadline - t0) / 1000;
  launch.facts.ready_ms = reaper.now_ms();

  double tobs = reaper.now_ms();
  o.launch = launch.facts;
  std::vector<DaemonPick> picks;
  if (foreground && !launch.exited())
    picks.push_back({launch.facts.launched_pid, "the launched process (foreground service)"});
  else
    picks = pick_daemons(pidfile, launch.facts,
                         std::min(opt.deadline_ms, reaper.now_ms() + kSurvivorSettleMs));
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
  } else if (prof.discovers_pidfile) {
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
  if (o.phase_ms["observe"] > kLongObservationMs) {
    size_t fds = 0;
    for (const auto& d : o.daemons) fds += d.fds.size();
    o.notes.push_back("observing " + std::to_string(o.daemons.size()) + " daemon(s) with " +
                      std::to_string(fds) + " open descriptors took " +
                      std::to_string(static_cast<long>(o.phase_ms["observe"])) + " ms");
  }

  // A launched process that never exited stays alive in every launch as
  // session leader too: the trials could only wait out the start timeout and
  // pass, so they are not run.
  if (prof.runs(ProbeStep::RaceTrials) && !launch.exited() &&
      !launch.facts.exit_wait_cut_by_timeout_s)
    o.probes.race.skipped = "the launched process never exited, so no launch can race its exit";
  if (opt.probes && reaper.now_ms() >= opt.deadline_ms) {
    // Not measured: `error`, never a skip (a skip would let the verdict pass).
    const std::string why = "the check's --timeout (" + seconds_text(opt.timeout_s) +
                            " s) ran out before this probe, so it was not measured";
    for (auto* e : {&o.probes.hangup.error, &o.probes.second.error, &o.probes.sighup.error,
                    &o.probes.sigterm.error})
      *e = why;
    if (o.probes.race.skipped.empty() && opt.race_trials > 0) o.probes.race.error = why;
  } else if (opt.probes) {
    run_probes(launch, plan, probe_context(opt), o, notify ? &*notify : nullptr);
  }
  o.launch.launched_exit = launch.facts.launched_exit;
  o.launch.terminal_output = launch.pty_master.tail();
  return std::nullopt;
}

// --attach: read a daemon that something else started. Nothing is planted,
// launched or signalled; the rules that need those skip.
std::optional<Error> run_attached(const CheckOptions& opt, Observation& o) {
  const pid_t pid = *opt.attach;
  if (pid <= 0 || !read_proc_entry(pid))
    return Error{.detail = "no process with pid " + std::to_string(pid)};
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

// The service profile: the unit's own start, watchdog, reload and stop
// (probe/service_run.h), then the SIGHUP probe is not run on it: the unit's
// facts are the service rules' only input besides the main process.
std::optional<Error> run_service_phases(const CheckOptions& opt, const std::string& tmp,
                                        Observation& o) {
  Reaper& reaper = Reaper::get();
  const double t0 = reaper.now_ms();
  ServiceContext ctx;
  ctx.tmp = tmp;
  ctx.deadline_ms = opt.deadline_ms;
  ctx.dirty = opt.dirty;
  ctx.private_run =
      std::count(opt.isolation.private_dirs.begin(), opt.isolation.private_dirs.end(), "/run") > 0;
  ctx.kept = opt.isolation.kept;
  if (!ctx.private_run && opt.loaded_unit->launchable)
    o.notes.push_back(
        "/run, /tmp and /var/tmp are not private to this check: the service wrote the host's");
  run_service(*opt.loaded_unit, ctx, o);
  o.phase_ms["service"] = reaper.now_ms() - t0;
  return std::nullopt;
}

// The systemd profile: the service launch with a unit made up from the
// command line (unit/made_up.h), {tmp} expanded, its program resolved as the
// sysv launch resolves it; then the facts the systemd profile's rules read.
std::optional<Error> run_made_up_service(CheckOptions opt, const std::string& tmp, Observation& o) {
  unit::MadeUpService made;
  for (const auto& a : opt.command) made.argv.push_back(expand_tmp(a, tmp));
  auto exe = resolve_executable(made.argv.at(0));
  if (!exe) return cannot_execute_target(exe.error());
  if (auto missing = missing_interpreter(*exe)) return missing;
  made.program = *exe;
  made.notify = opt.notify;
  if (opt.pidfile) {
    made.pid_file =
        std::filesystem::absolute(expand_tmp(*opt.pidfile, tmp)).lexically_normal().string();
    if (made.pid_file->find('\n') != std::string::npos)
      return Error{"cannot check the command", "", 0, "--pidfile holds a newline"};
  }
  ServiceRequest rq;
  rq.made_up_text = unit::made_up_unit_text(made);
  rq.start_timeout_s = opt.start_timeout_s;
  rq.stop_timeout_s = opt.stop_timeout_s;
  auto loaded = load_unit(rq);
  if (!loaded) return loaded.error();
  opt.loaded_unit = std::make_shared<const LoadedUnit>(std::move(*loaded));
  auto failed = run_service_phases(opt, tmp, o);
  std::optional<bool> pidfile_left;
  if (made.pid_file) pidfile_left = observe::read_pidfile(*made.pid_file).exists;
  systemd_facts_from_service(o, pidfile_left);
  return failed;
}

}  // namespace

std::optional<Error> load_service_unit(CheckOptions& opt) {
  ServiceRequest rq;
  rq.unit_path = opt.unit.value_or("");
  rq.instance = opt.instance;
  rq.watchdog_cap_usec = opt.watchdog_usec;
  rq.start_timeout_s = opt.start_timeout_s;
  rq.stop_timeout_s = opt.stop_timeout_s;
  auto loaded = load_unit(rq);
  if (!loaded) return loaded.error();
  opt.loaded_unit = std::make_shared<const LoadedUnit>(std::move(*loaded));
  return std::nullopt;
}

std::vector<std::string> paths_named(const CheckOptions& opt) {
  std::vector<std::string> out;
  // An argument that is a path, or ends in one (NAME=/path, --flag=/path).
  auto add = [&](const std::string& word) {
    if (word.starts_with('/')) {
      out.push_back(word);
    } else if (auto eq = word.find('=');
               eq != std::string::npos && word.size() > eq + 1 && word[eq + 1] == '/') {
      out.push_back(word.substr(eq + 1));
    }
  };
  for (const auto& a : opt.command) add(a);
  // A program given as a relative path is run from here.
  if (!opt.command.empty() && !opt.command[0].starts_with('/') &&
      opt.command[0].find('/') != std::string::npos)
    add(std::filesystem::absolute(opt.command[0]).lexically_normal().string());
  // A control script and a target started by hand get this environment
  // (DAEMON=/tmp/proj/daemon); a $TMPDIR is made again anyway, empty.
  if (opt.profile == ProfileId::Control || opt.profile == ProfileId::Sysv) {
    for (char** e = environ; *e != nullptr; ++e)
      if (!std::string_view(*e).starts_with("TMPDIR=")) add(*e);
  }
  if (const auto& u = opt.loaded_unit) {
    const unit::ServiceConfig& c = u->config;
    add(u->program);
    for (const auto* list :
         {&c.exec_start_pre, &c.exec_start, &c.exec_start_post, &c.exec_reload, &c.exec_stop}) {
      for (const auto& cmd : *list) {
        add(cmd.path);
        for (const auto& a : cmd.argv) add(a);
      }
    }
    add(c.working_directory.path);
    add(c.root_directory);
    for (const auto& [name, value] : c.environment) add(value);
    for (const auto& [name, value] : u->file_environment) add(value);
  }
  return out;
}

Result<CheckRun> run_check(const CheckOptions& options) {
  Reaper& reaper = Reaper::get();
  CheckRun run;
  run.started_at = iso_now();
  const double t0 = reaper.now_ms();
  CheckOptions opt = options;
  opt.deadline_ms = std::min(opt.deadline_ms, t0 + opt.timeout_s * 1000);
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
  o.private_dirs = opt.isolation.private_dirs;
  o.kept_from_host = opt.isolation.kept;

  if (opt.attach) {
    double ta = reaper.now_ms();
    if (auto failed = run_attached(opt, o)) return *failed;
    o.phase_ms["observe"] = reaper.now_ms() - ta;
    run.duration_ms = reaper.now_ms() - t0;
    return run;
  }

  auto tmp = TempDir::make("daemoncheck");
  if (!tmp) return os_error("cannot create a temporary directory", "");
  Teardown teardown;  // declared after tmp: processes end before their folder goes
  // The systemd profile's foreground service runs under its made-up unit.
  const bool made_up = profile(opt.profile).launch == LaunchKind::Foreground;
  auto failed = opt.loaded_unit ? run_service_phases(opt, tmp->path(), o)
                : made_up       ? run_made_up_service(opt, tmp->path(), o)
                                : run_phases(opt, tmp->path(), o);
  double tc = reaper.now_ms();
  if (tc >= opt.deadline_ms)
    o.notes.push_back("the check's --timeout (" + seconds_text(opt.timeout_s) +
                      " s) ran out: what was still running was ended");
  run.cleanup = teardown.finish(tc >= opt.deadline_ms);
  o.phase_ms["cleanup"] = reaper.now_ms() - tc;
  note_ignored_signals(reaper.ignored_signals(), o);
  if (failed) return *failed;
  o.launch.reaped = reaper.reaped();
  run.duration_ms = reaper.now_ms() - t0;
  return run;
}

}  // namespace dc
