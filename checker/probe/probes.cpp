// See probes.h.
#include "probe/probes.h"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>

#include "launch/cleanup.h"
#include "launch/signal_guard.h"
#include "launch/tracked.h"
#include "observe/observe.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "observe/settle.h"
#include "profiles/profile.h"
#include "sys/fileio.h"
#include "sys/path.h"
#include "sys/proc.h"

namespace dc {
namespace {

// Looks at processes that may still be acting on a signal start kFirstLookMs
// apart and double up to kLongestLookMs. Every such wait is bounded by the
// stop (or start) timeout, which a daemon that is at rest sooner never pays.
constexpr double kFirstLookMs = 0.05;
constexpr double kLongestLookMs = 2;

// The check's --timeout bounds every wait (ProbeContext::deadline_ms): each
// probe waits until min(its own bound, the check's deadline). A probe whose
// wait the check's deadline cut short did not measure what its rule asks,
// so the rule is `error`, never a pass or a fail read off a cut wait.
double within_check(double own_deadline_ms, const ProbeContext& ctx) {
  return std::min(own_deadline_ms, ctx.deadline_ms);
}

bool out_of_time(const ProbeContext& ctx) {
  return Reaper::get().now_ms() >= ctx.deadline_ms;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// The reason of a probe that the check's --timeout cut (started) or kept
// from running (not started).
std::string cut_by_timeout(const ProbeContext& ctx, bool started) {
  return "the check's --timeout (" + seconds_text(ctx.timeout_s) + " s) ran out " +
         (started ? "during this probe" : "before this probe") + ", so it was not measured";
}

std::vector<pid_t> daemon_pids(const Observation& o) {
  std::vector<pid_t> v;
  for (const auto& d : o.daemons) v.push_back(d.pid);
  return v;
}

// How a process ended: from the Reaper when it was our child, from the
// holder when it was the launched process, else only "ended".
ExitInfo exit_of(pid_t pid, Launch* launch) {
  Reaper& reaper = Reaper::get();
  reaper.reap_now();
  for (const auto& e : reaper.reaped())
    if (e.pid == pid) return e;
  if (launch) {
    launch->poll_holder();
    if (launch->facts.launched_exit && launch->facts.launched_exit->pid == pid)
      return *launch->facts.launched_exit;
  }
  ExitInfo e;
  e.pid = pid;
  e.at_ms = reaper.now_ms();
  return e;
}

std::optional<observe::ProcStatus> status_of(pid_t pid) {
  auto text = sys::read_file(sys::proc_path(pid, "status"));
  if (!text) return std::nullopt;
  auto st = observe::parse_status(*text);
  if (!st) return std::nullopt;
  return *st;
}

uint64_t bit_of(int sig) {
  return uint64_t{1} << (sig - 1);
}

// See observe::signal_discarded. The look before a signal reads the CPU
// time first and the look after it reads it last, so that the two readings
// bracket everything in between.
enum class CpuRead { First, Last };
observe::SignalLook look_for_signal(pid_t pid, CpuRead cpu) {
  observe::SignalLook l;
  if (cpu == CpuRead::First) l.cpu_ns = cpu_time_ns(pid);
  l.asleep = all_threads_waiting(pid);
  if (auto st = status_of(pid)) {
    l.status = *st;
    l.seen = true;
  }
  for (pid_t tid : sys::threads_of(pid)) {
    auto text = sys::read_file(sys::proc_path(pid, "task/" + std::to_string(tid) + "/status"));
    auto thread = text ? std::optional(observe::parse_status(*text)) : std::nullopt;
    if (thread && *thread)
      l.blocked_any |= (*thread)->sig_blk;
    else
      l.seen = false;
  }
  if (cpu == CpuRead::Last) l.cpu_ns = cpu_time_ns(pid);
  return l;
}

// One look at the process trees below `roots`: every process in them with its
// state, and whether all of them are at rest. At rest means: every thread
// sleeps (none runnable: no handler, exec or fork under way) and `sig`
// (0: none) is not pending where it is not blocked. A signal that stays
// pending while every thread sleeps with it blocked is one nobody waits for
// (a signalfd or sigwait reader would have been woken by it, and runnable).
struct TreeLook {
  std::string fingerprint;
  bool at_rest = true;
  uint64_t cpu = 0;
  bool empty = true;
};
TreeLook look_at_trees(const std::vector<pid_t>& roots, int sig) {
  TreeLook t;
  std::vector<pid_t> tree;
  for (pid_t r : roots) {
    if (read_proc_entry(r)) tree.push_back(r);
    for (const auto& e : descendants_of(r)) {
      // A zombie is its parent's business: a parent about to reap it was
      // woken by SIGCHLD and is not asleep; one that never reaps stays so.
      if (e.state != 'Z') tree.push_back(e.pid);
    }
  }
  for (pid_t pid : tree) {
    auto entry = read_proc_entry(pid);
    if (!entry) continue;
    t.empty = false;
    if (entry->state == 'Z') continue;
    t.fingerprint += std::to_string(pid) + ":" + observe::fingerprint(pid) + ";";
    t.cpu += cpu_time_ns(pid);
    if (!all_threads_waiting(pid)) t.at_rest = false;
    if (sig > 0) {
      if (auto st = status_of(pid))
        if (((st->sig_pnd | st->shd_pnd) & bit_of(sig)) && !(st->sig_blk & bit_of(sig)))
          t.at_rest = false;
    }
  }
  return t;
}

// Waits until the trees below the tracked processes are at rest on two looks
// in a row, or every tracked process has exited, or deadline_ms.
// Looks start kFirstLookMs apart and double up to kLongestLookMs; a process
// that pidfds report as exited ends a wait at once. A tree that keeps running
// (a busy worker) is at rest once it has had kBusyCpuMs of CPU time since the
// wait began with nothing changing in it over the last look: CPU time, not
// wall-clock time, so a loaded machine does not end the wait sooner.
// Returns the time it was at rest, or -1.
constexpr double kBusyCpuMs = 50;
double await_rest(std::vector<Tracked>& ts, int sig, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  std::vector<pid_t> roots;
  for (auto& t : ts) roots.push_back(t.pid);
  TreeLook prev = look_at_trees(roots, sig);
  const uint64_t cpu0 = prev.cpu;
  double look = kFirstLookMs;
  for (;;) {
    std::vector<int> fds;
    for (auto& t : ts)
      if (pidfd_alive(t.fd.get())) fds.push_back(t.fd.get());
    if (fds.empty()) return reaper.now_ms();
    reaper.wait(fds, std::min(deadline_ms, reaper.now_ms() + look));
    TreeLook cur = look_at_trees(roots, sig);
    // Two looks at rest in a row (a daemon that forks short-lived workers
    // changes its tree between them, and is still at rest).
    if (cur.at_rest && prev.at_rest) return reaper.now_ms();
    const bool same = cur.fingerprint == prev.fingerprint;
    if (same && cur.cpu >= cpu0 + static_cast<uint64_t>(kBusyCpuMs * 1e6)) return reaper.now_ms();
    if (cur.empty) return reaper.now_ms();
    if (reaper.now_ms() >= deadline_ms) return -1;
    prev = std::move(cur);
    look = std::min(2 * look, kLongestLookMs);
  }
}

std::vector<ExitInfo> deaths(std::vector<Tracked>& ts, Launch* launch) {
  std::vector<ExitInfo> out;
  for (auto& t : ts)
    if (!pidfd_alive(t.fd.get())) out.push_back(exit_of(t.pid, launch));
  return out;
}

void kill_tracked(std::vector<Tracked>& ts) {
  for (auto& t : ts) send_signal(t.fd.get(), SIGKILL);
  wait_all_exit(ts, Reaper::get().now_ms() + 2000);
  Reaper::get().reap_now();
}

// How long the first launch took to be ready, the yardstick of later
// launches. A start-up that never settled ran into the start timeout; the
// launched process's exit stands in for it, so that a pidfile that is never
// written or a daemon that never sits still does not cost every later launch
// the whole start timeout too.
double first_ready_ms(const Observation& o) {
  if (o.launch.settle_timed_out && o.launch.launched_exit) return o.launch.launched_exit->at_ms;
  return o.launch.ready_ms;
}

// --- terminal hang-up -------------------------------------------------------

void probe_hangup(Launch& launch, const ProbeContext& ctx, Observation& o) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  HangupProbe& p = o.probes.hangup;
  p.ran = true;
  std::vector<pid_t> reachable;
  for (const auto& d : o.daemons)
    if (d.pgrp == o.launch.job_pgid || d.sid == o.launch.launch_sid) reachable.push_back(d.pid);
  p.reachable = reachable;
  auto ts = track(reachable);
  // The terminal hangs up: the holder gets SIGHUP, forwards it to the job's
  // process group and exits.
  launch.pty_master.reset();
  std::vector<Tracked> holder;
  if (launch.holder_pidfd.valid())
    holder.push_back({o.launch.holder_pid, std::move(launch.holder_pidfd), {}});
  const double own_bound = reaper.now_ms() + o.stop_timeout_s * 1000;
  const double bound = within_check(own_bound, ctx);
  wait_all_exit(holder, bound);
  if (!ts.empty() && await_rest(ts, SIGHUP, bound) < 0 && own_bound > bound && out_of_time(ctx))
    p.error = cut_by_timeout(ctx, true);
  p.died = deaths(ts, &launch);
  p.ms = reaper.now_ms() - t0;
}

// --- second instance --------------------------------------------------------

// The pidfile's folder, watched (inotify) from the first look on, so that a
// write to the pidfile wakes a wait.
class PidfileWatch {
 public:
  explicit PidfileWatch(const std::string* path) : path_(path) {}
  // Whether the pidfile names one of `pids`; starts the watch on first use.
  bool names_one_of(const std::vector<pid_t>& pids) {
    if (!path_) return false;
    if (!fd_.valid()) {
      fd_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
      if (fd_.valid() &&
          ::inotify_add_watch(fd_.get(), sys::folder_of(*path_).c_str(),
                              IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY) < 0)
        fd_.reset();
    }
    auto pid = observe::pidfile_pid(*path_);
    return pid && std::find(pids.begin(), pids.end(), *pid) != pids.end();
  }
  int fd() const { return fd_.valid() ? fd_.get() : -1; }
  void drain() {
    char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
  }

 private:
  const std::string* path_;
  UniqueFd fd_;
};

void probe_second_instance(const LaunchPlan& first, const ProbeContext& ctx, Observation& o) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  SecondInstanceProbe& p = o.probes.second;
  p.ran = true;
  auto firsts = track(daemon_pids(o));
  PidfileState pf_before;
  if (o.pidfile) {
    p.pidfile_known = true;
    pf_before = observe::read_pidfile(o.pidfile->path);
  }
  LaunchPlan plan = default_plan(first.argv, first.tmp_dir);
  plan.exec_path = first.exec_path;
  // What the second launch starts stays below its holder, even once orphaned:
  // a worker the first daemon forks meanwhile is never taken for a second
  // instance.
  plan.holder_subreaper = true;
  auto launched = start_launch(plan);
  if (!launched) {
    p.ran = false;
    p.error = "the second launch could not be started: " + launched.error().message();
    return;
  }
  Launch& second = *launched;
  second.wait_exit(within_check(reaper.now_ms() + ctx.start_timeout_s * 1000, ctx));
  p.launched_exit = second.facts.launched_exit;
  reaper.reap_now();
  const pid_t holder = second.facts.holder_pid;
  auto newcomers = [&] {
    std::vector<pid_t> out;
    for (const auto& e : descendants_of(holder))
      if (e.state != 'Z') out.push_back(e.pid);
    return out;
  };
  // Finished as soon as the second launch's processes are gone. While some
  // are alive the bound is the settle bound: a refusing instance runs the same
  // start-up code as the first one did, so it gets four times the first
  // launch's time to ready (at least 500 ms). A bound reached while they are
  // still changing state (on their way out, a signal pending) is extended up
  // to the start timeout: only processes at rest are a second daemon. The
  // whole check's --timeout caps both.
  const double own_bound = t0 + ctx.start_timeout_s * 1000;
  const double start_bound = within_check(own_bound, ctx);
  const double deadline =
      std::min(reaper.now_ms() + std::max(4 * first_ready_ms(o), 500.0), start_bound);
  // A known pidfile that comes to name one of them ends that wait at once: a
  // second daemon took over (and single-instance fails whether or not it
  // stays). Watched only while some of them live, so that a second launch
  // that refuses at once pays for no inotify instance.
  PidfileWatch taken(o.pidfile ? &o.pidfile->path : nullptr);
  for (auto ts = track(newcomers()); !ts.empty(); ts = track(newcomers())) {
    if (taken.names_one_of(newcomers())) break;
    std::vector<int> fds;
    for (auto& t : ts)
      if (pidfd_alive(t.fd.get())) fds.push_back(t.fd.get());
    // All of those found have exited since they were found (a middle child
    // on its way out): look again now, rather than wait for the bound.
    const double until = fds.empty() ? reaper.now_ms() : deadline;
    if (taken.fd() >= 0) fds.push_back(taken.fd());
    if (reaper.wait(fds, until) == static_cast<int>(fds.size()) - 1 && taken.fd() >= 0)
      taken.drain();
    if (reaper.now_ms() >= deadline) break;
  }
  for (auto ts = track(newcomers()); !ts.empty(); ts = track(newcomers())) {
    double rest = await_rest(ts, 0, start_bound);
    if (rest < 0 || reaper.now_ms() >= start_bound) break;
    auto again = newcomers();  // at rest: unchanged since, or something new came
    std::vector<pid_t> had;
    for (auto& t : ts) had.push_back(t.pid);
    if (again == had) break;
  }
  p.left_behind = newcomers();
  // Still running when the check's deadline (not the start bound) ended the
  // wait: a refusing instance may still have been on its way out.
  if ((!p.left_behind.empty() || !second.exited()) && own_bound > start_bound && out_of_time(ctx))
    p.error = cut_by_timeout(ctx, true);
  for (pid_t pid : p.left_behind)
    if (auto e = read_proc_entry(pid)) p.left_behind_comm.push_back(e->comm);
  for (auto& f : firsts) p.first_alive = p.first_alive && pidfd_alive(f.fd.get());
  if (o.pidfile) {
    PidfileState now = observe::read_pidfile(o.pidfile->path);
    if (pf_before.exists && !now.exists)
      p.pidfile_change = "it was deleted";
    else if (pf_before.ino != now.ino)
      p.pidfile_change = "it was replaced by another file";
    else if (pf_before.content != now.content)
      p.pidfile_change = "its content changed from \"" + pf_before.content.substr(0, 20) +
                         "\" to \"" + now.content.substr(0, 20) + "\"";
    p.pidfile_unchanged = p.pidfile_change.empty();
  }
  // End what the second launch left, and its holder; never the first daemon.
  std::vector<pid_t> strays = p.left_behind;
  strays.push_back(holder);
  auto ts = track(strays);
  kill_tracked(ts);
  p.ms = reaper.now_ms() - t0;
}

// --- SIGHUP and SIGTERM -----------------------------------------------------

void probe_sighup(Launch* launch, const ProbeContext& ctx, Observation& o) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  SignalProbe& p = o.probes.sighup;
  p.ran = true;
  p.signal = SIGHUP;
  auto ts = track(daemon_pids(o));
  for (auto& t : ts) send_signal(t.fd.get(), SIGHUP);
  // Decided once the daemon has acted on it (died, or reloaded and sleeps
  // again, re-exec and respawned workers included), never on a short window;
  // and SIGTERM then meets a daemon that is not in the middle of a reload.
  const double own_bound = t0 + o.stop_timeout_s * 1000;
  const double rest = await_rest(ts, SIGHUP, within_check(own_bound, ctx));
  if (rest >= 0) p.settled_ms = rest - t0;
  if (rest < 0 && own_bound > ctx.deadline_ms && out_of_time(ctx))
    p.error = cut_by_timeout(ctx, true);
  p.died = deaths(ts, launch);
  p.ms = reaper.now_ms() - t0;
}

void probe_sigterm(Launch* launch, const ProbeContext& ctx, Observation& o,
                   NotifyListener* notify) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  SignalProbe& p = o.probes.sigterm;
  p.ran = true;
  p.signal = SIGTERM;
  auto ts = track(daemon_pids(o));
  if (ts.empty()) {
    p.ran = false;
    p.skipped = "the daemon was no longer running";
    return;
  }
  std::vector<pid_t> keep{o.launch.holder_pid};
  std::vector<observe::SignalLook> before;
  for (auto& t : ts) before.push_back(look_for_signal(t.pid, CpuRead::First));
  for (auto& t : ts) send_signal(t.fd.get(), SIGTERM);
  // A daemon whose SIGTERM the kernel discarded (SIG_IGN, unblocked) has
  // nothing left to exit on: the stop timeout would only find it still
  // running, so it is not waited for. (It could exit in that time only for a
  // reason of its own, which is not an exit on SIGTERM.)
  std::vector<Tracked> deaf;
  for (size_t i = ts.size(); i-- > 0;) {
    if (!observe::signal_discarded(before[i], look_for_signal(ts[i].pid, CpuRead::Last), SIGTERM))
      continue;
    p.discarded.push_back(ts[i].pid);
    deaf.push_back(std::move(ts[i]));
    ts.erase(ts.begin() + static_cast<std::ptrdiff_t>(i));
  }
  const double own_bound = t0 + ctx.stop_timeout_s * 1000;
  wait_all_exit(ts, within_check(own_bound, ctx));
  for (auto& t : deaf) ts.push_back(std::move(t));
  std::vector<pid_t> alive;
  for (auto& t : ts)
    if (pidfd_alive(t.fd.get())) alive.push_back(t.pid);
  std::erase_if(p.discarded,
                [&](pid_t d) { return std::find(alive.begin(), alive.end(), d) == alive.end(); });
  // Alive at the check's deadline, before the stop timeout: not measured.
  if (!alive.empty() && own_bound > ctx.deadline_ms && out_of_time(ctx))
    p.error = cut_by_timeout(ctx, true);
  else
    p.killed_at_bound = alive;
  p.all_exited = alive.empty();
  p.last_exit_ms = reaper.now_ms() - t0;
  if (!p.all_exited) {
    for (auto& t : ts)
      if (pidfd_alive(t.fd.get())) send_signal(t.fd.get(), SIGKILL);
    wait_all_exit(ts, reaper.now_ms() + 2000);
  }
  p.died = deaths(ts, launch);
  if (notify) notify->drain(o.probes.foreground, o.launch.launched_pid);
  // Children the daemon started may be on their way out: wait until they
  // are gone or at rest (bounded by the stop timeout), then judge.
  auto rest = track_live_descendants(keep);
  const double rest_bound = reaper.now_ms() + ctx.stop_timeout_s * 1000;
  if (!rest.empty() && await_rest(rest, SIGTERM, within_check(rest_bound, ctx)) < 0 &&
      rest_bound > ctx.deadline_ms && out_of_time(ctx) && p.error.empty())
    p.error = cut_by_timeout(ctx, true);
  for (auto& t : rest) {
    if (pidfd_alive(t.fd.get())) {
      p.left_behind.push_back(t.pid);
      if (auto e = read_proc_entry(t.pid)) p.left_behind_comm.push_back(e->comm);
    }
  }
  if (o.pidfile) {
    p.pidfile_known = true;
    struct stat st {};
    p.pidfile_removed = ::lstat(o.pidfile->path.c_str(), &st) != 0;
  }
  p.ms = reaper.now_ms() - t0;
}

// --- startup-race trials ----------------------------------------------------

// True when a process of ours may take SCHED_FIFO (root, or RLIMIT_RTPRIO,
// and a cgroup that grants real-time time): tried in a child that exits.
bool can_run_realtime() {
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    sched_param rt{};
    rt.sched_priority = 1;
    ::_exit(::sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt) == 0 ? 0 : 1);
  }
  Reaper& reaper = Reaper::get();
  const double deadline = reaper.now_ms() + 2000;
  for (;;) {
    for (const auto& e : reaper.reaped())
      if (e.pid == child) return e.exit_status && *e.exit_status == 0;
    if (reaper.wait({}, deadline) == Reaper::kTimeout) return false;
  }
}

// The CPUs the checker may run on, in order.
std::vector<int> allowed_cpus() {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

// One startup-race trial: its folder, its launch (the target leads the pty's
// session below a stand-in parent that stays), and what it came to.
struct RaceRun {
  std::optional<TempDir> dir;
  std::optional<PendingLaunch> pending;  // forked, not yet known to have exec'd
  std::optional<Launch> launch;
  pid_t stand_in = 0;
  double t0 = 0;
  size_t reaped_at_start = 0;
  bool lost_stand_in = false;  // killed by what the target started
  RaceTrial trial;
  std::set<pid_t> dead;  // orphans dead by the decision, zombies below the stand-in
};

void start_trial(RaceRun& run, const LaunchPlan& first, const ProbeContext& ctx, int cpu,
                 bool realtime) {
  run.t0 = Reaper::get().now_ms();
  run.reaped_at_start = Reaper::get().reaped().size();
  if (auto dir = TempDir::make("daemoncheck-race")) run.dir.emplace(std::move(*dir));
  if (!run.dir) {
    run.trial.exec_error = std::string("cannot create a temporary directory: ") + strerror(errno);
    return;
  }
  const std::string& tmpl = run.dir->path();
  std::vector<std::string> argv;
  for (const auto& a : ctx.command) argv.push_back(expand_tmp(a, tmpl));
  LaunchPlan plan = default_plan(argv, tmpl);
  plan.target_leads_session = true;
  plan.stand_in_stays = true;
  plan.exec_path = first.exec_path;
  plan.extra_env = first.extra_env;
  plan.pin_cpu = cpu;
  plan.realtime = realtime;
  auto pending = begin_launch(plan);
  if (!pending) {
    run.trial.exec_error = pending.error().message();
    return;
  }
  run.stand_in = pending->launch.stand_in_pid;
  run.pending.emplace(std::move(*pending));
}

// The second half of a trial's start: its target named and exec'd.
void finish_trial(RaceRun& run) {
  if (!run.pending) return;
  auto launched = finish_launch(std::move(*run.pending));
  run.pending.reset();
  if (!launched) {
    run.trial.exec_error = launched.error().message();
    return;
  }
  run.launch.emplace(std::move(*launched));
}

// Waits for the stand-in's word that the target exited. A daemon that stops
// its parent (SIGSTOP, every few ms) can stop the stand-in before it has
// said so: looks at it start 0.05 ms apart, doubling up to 2 ms, and a
// stopped stand-in is continued, as the checker continues a stopped holder.
bool wait_trial_exit(Launch& launch, pid_t stand_in, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  double look = kFirstLookMs;
  while (launch.holder_events.valid()) {
    if (launch.wait_exit(std::min(deadline_ms, reaper.now_ms() + look))) return true;
    if (reaper.now_ms() >= deadline_ms) return false;
    auto e = read_proc_entry(stand_in);
    if (e && (e->state == 'T' || e->state == 't') && launch.holder_pidfd.valid())
      send_signal(launch.holder_pidfd.get(), SIGCONT);
    look = std::min(2 * look, kLongestLookMs);
  }
  return launch.exited();
}

// Waits for the trial's start-up as for the first launch's, then reads what
// is below its stand-in: a live process is a daemon that survived.
void decide_trial(RaceRun& run, const ProbeContext& ctx, const Observation& o, bool alone) {
  if (!run.launch) return;
  Launch& launch = *run.launch;
  // The pidfile ends a trial's start-up only if it named the first
  // launch's daemon; else the trial settles on the quiet window.
  std::optional<std::string> pidfile;
  if (ctx.pidfile && !o.launch.settle_timed_out)
    pidfile = expand_tmp(*ctx.pidfile, run.dir->path());
  double deadline = run.t0 + ctx.start_timeout_s * 1000;
  if (o.launch.settle_timed_out)
    deadline = run.t0 + std::clamp(4 * first_ready_ms(o), 500.0, ctx.start_timeout_s * 1000);
  deadline = std::min(deadline, ctx.deadline_ms);
  if (wait_trial_exit(launch, run.stand_in, deadline))
    settle(pidfile, 0, ctx.settle_ms, deadline, run.stand_in);
  run.trial.launched_exit = launch.facts.launched_exit;
  Reaper& reaper = Reaper::get();
  reaper.reap_now();
  for (const auto& e : descendants_of(run.stand_in)) {
    if (e.state != 'Z')
      run.trial.daemon_survived = true;
    else if (e.ppid == run.stand_in)
      run.dead.insert(e.pid);
  }
  if (!launch.holder_pidfd.valid() || !pidfd_alive(launch.holder_pidfd.get())) {
    // A daemon that kills its parent killed the stand-in: what it held went
    // to the checker. Alone, everything below the checker is this trial's.
    run.lost_stand_in = true;
    if (alone) {
      run.trial.daemon_survived = !live_descendants({run.stand_in}).empty();
      for (size_t k = run.reaped_at_start; k < reaper.reaped().size(); ++k)
        if (reaper.reaped()[k].pid != run.stand_in) run.dead.insert(reaper.reaped()[k].pid);
    }
  }
  run.trial.ms = Reaper::get().now_ms() - run.t0;
}

// Trials at real-time priority that share one CPU (see probe_race).
constexpr size_t kTrialsPerCpu = 3;

// How long a trial's processes get to act on SIGTERM before SIGKILL. None
// when the SIGTERM probe saw the daemon outlive SIGTERM for the whole stop
// timeout: a shorter grace cannot help it, and every wave would pay it.
double trial_grace_ms(const Observation& o) {
  return o.probes.sigterm.killed_at_bound.empty() ? 200 : 0;
}

// Runs one trial per entry of `cpus` (the CPU it is pinned to) side by side;
// every process they started is ended before this returns, each trial's pty
// closed after that and its folder removed last.
std::vector<RaceTrial> run_trials(const std::vector<int>& cpus, bool realtime,
                                  const LaunchPlan& first, const ProbeContext& ctx,
                                  const Observation& o) {
  Reaper& reaper = Reaper::get();
  std::vector<RaceRun> runs(cpus.size());
  // Every trial is forked before any is waited for, so that their launches
  // (stand-in, pty, exec) overlap; each target still starts on its own CPU.
  for (size_t k = 0; k < cpus.size(); ++k) start_trial(runs[k], first, ctx, cpus[k], realtime);
  for (auto& run : runs) finish_trial(run);
  for (auto& run : runs) decide_trial(run, ctx, o, runs.size() == 1);
  const size_t reaped_before = runs.empty() ? reaper.reaped().size() : runs[0].reaped_at_start;
  // The stand-ins first (they ignore the polite signals), so the dead they
  // held are re-parented and reaped; then what the trials started.
  for (auto& run : runs)
    if (run.launch && run.launch->holder_pidfd.valid())
      send_signal(run.launch->holder_pidfd.get(), SIGKILL);
  kill_all_descendants(trial_grace_ms(o));
  std::vector<RaceTrial> out;
  for (auto& run : runs) {
    for (size_t k = reaped_before; k < reaper.reaped().size(); ++k)
      if (run.dead.count(reaper.reaped()[k].pid)) run.trial.deaths.push_back(reaper.reaped()[k]);
    // Beside another trial, a lost stand-in leaves the trial unattributed.
    if (run.lost_stand_in && runs.size() > 1) run.trial.daemon_survived = false;
    out.push_back(std::move(run.trial));
  }
  return out;
}

void probe_race(const LaunchPlan& first, const ProbeContext& ctx, Observation& o) {
  RaceProbe& p = o.probes.race;
  if (!p.skipped.empty()) return;  // decided by the check (run_phases)
  if (ctx.race_trials <= 0) {
    p.skipped = "--race-trials 0";
    return;
  }
  if (o.daemons.empty()) {
    p.skipped = "no daemon survived startup even in the normal launch";
    return;
  }
  p.ran = true;
  const std::vector<int> cpus = allowed_cpus();
  const bool realtime = !cpus.empty() && can_run_realtime();
  if (cpus.empty())
    p.how = "each trial unpinned (the CPU affinity could not be read)";
  else
    p.how = std::string("each trial's launched process pinned to one CPU") +
            (realtime ? " at real-time priority (SCHED_FIFO, reset on fork)" : "") +
            ", its children inheriting the CPU, so that after fork() the parent runs on and "
            "exits before the child can call setsid()";
  // Trials run side by side, one per CPU: each target alone at real-time
  // priority on its own CPU is as adversarial as when it ran alone on the
  // machine, and the children it forks still wait for it to block or exit.
  // At real-time priority up to kTrialsPerCpu share a CPU: a target's
  // children then wait for every target on their CPU to block or exit, which
  // is never sooner than for their own alone. Without it, one per CPU.
  // Trials side by side can meet in what the target keeps outside {tmp} (a
  // fixed pidfile's lock, a port), so a trial that failed beside another, or
  // whose target never exited (waiting for a lock a neighbour holds, say),
  // is run again alone, and that result counts.
  const size_t side_by_side = std::max<size_t>(1, cpus.size()) * (realtime ? kTrialsPerCpu : 1);
  if (side_by_side > 1 && ctx.race_trials > 1)
    p.how += std::string("; trials run side by side, ") +
             (realtime ? "up to " + std::to_string(kTrialsPerCpu) + " per CPU" : "one per CPU") +
             ", and one that failed or never exited beside another was run again alone";
  auto cpu_of = [&](int i) {
    return cpus.empty() ? -1 : cpus[static_cast<size_t>(i) % cpus.size()];
  };
  for (int i = 0; i < ctx.race_trials;) {
    // Trials not run, or cut short, leave the race unmeasured (a failed
    // trial ended the loop before: its outcome stands).
    if (out_of_time(ctx)) {
      p.error = cut_by_timeout(ctx, true) + " (" + std::to_string(p.trials.size()) + " of " +
                std::to_string(ctx.race_trials) + " trials were run)";
      break;
    }
    const size_t n = std::min(side_by_side, static_cast<size_t>(ctx.race_trials - i));
    std::vector<int> cpu_list;
    for (size_t k = 0; k < n; ++k) cpu_list.push_back(cpu_of(i++));
    std::vector<RaceTrial> wave = run_trials(cpu_list, realtime, first, ctx, o);
    // A wave that ran into the check's deadline may have been cut short: of
    // it, only a failed trial counts (its daemon died whatever came after).
    const bool cut = out_of_time(ctx);
    bool failed = false;
    for (size_t k = 0; k < wave.size(); ++k) {
      const bool met_another = !wave[k].daemon_survived || !wave[k].launched_exit;
      // Once a trial has failed, the rule fails: a later one that may have
      // failed only for its neighbour is neither run again nor counted.
      if (failed && met_another) continue;
      if (!cut && met_another && wave.size() > 1 && !out_of_time(ctx))
        wave[k] = std::move(run_trials({cpu_list[k]}, realtime, first, ctx, o).front());
      if (cut && wave[k].daemon_survived) continue;
      failed = failed || !wave[k].daemon_survived;
      p.trials.push_back(std::move(wave[k]));
    }
    if (!failed && cut) {
      p.error = cut_by_timeout(ctx, true) + " (" + std::to_string(p.trials.size()) + " of " +
                std::to_string(ctx.race_trials) + " trials were run)";
      break;
    }
    if (failed) break;  // one failed trial fails the rule: the rest cannot change it
  }
}

}  // namespace

// --- NOTIFY_SOCKET ----------------------------------------------------------

Result<NotifyListener> NotifyListener::open(const std::string& tmp_dir) {
  NotifyListener n;
  n.path_ = tmp_dir + "/notify.sock";
  n.fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!n.fd_.valid()) return os_error("socket(AF_UNIX)", "");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (n.path_.size() >= sizeof addr.sun_path)
    return Error{"bind", n.path_, 0, "the path is too long for a socket"};
  std::memcpy(addr.sun_path, n.path_.c_str(), n.path_.size() + 1);
  if (::bind(n.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return os_error("bind", n.path_);
  ::chmod(n.path_.c_str(), 0777);
  int on = 1;
  ::setsockopt(n.fd_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  return n;
}

void NotifyListener::drain(ForegroundProbe& p, pid_t launched_pid) {
  Reaper& reaper = Reaper::get();
  for (;;) {
    char buf[4096];
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(ucred))];
    iovec iov{buf, sizeof buf - 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) return;
    pid_t sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred{};
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        sender = cred.pid;
      }
    }
    std::string text(buf, static_cast<size_t>(n));
    bool ours = sender == launched_pid || is_live_descendant(sender, launched_pid);
    if (!ours) {
      p.rejected.push_back("pid " + std::to_string(sender) + ": " + text.substr(0, 80));
      continue;
    }
    double at = reaper.now_ms();
    p.notify.push_back({at, sender, text});
    // A message holds newline-separated assignments.
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (text.compare(start, end - start, "READY=1") == 0 && !p.ready_ms) p.ready_ms = at;
      start = end + 1;
    }
  }
}

void run_foreground(Launch& launch, NotifyListener& notify, const ProbeContext& ctx, Observation& o,
                    double deadline_ms) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  ForegroundProbe& p = o.probes.foreground;
  p.ran = true;
  // A Type=simple service has no readiness signal: only the start timeout
  // can tell that it stays. READY=1, or the process exiting, ends it sooner.
  const int fds[] = {notify.fd(), launch.holder_events.get()};
  while (!launch.exited() && !p.ready_ms && reaper.now_ms() < deadline_ms) {
    int r = reaper.wait(fds, deadline_ms);
    if (r == 0) notify.drain(p, launch.facts.launched_pid);
    if (r == 1) launch.poll_holder();
  }
  launch.poll_holder();
  p.exit = launch.facts.launched_exit;
  p.alive_at_end = !p.exit;
  p.waited_ms = reaper.now_ms() - t0;
  // A service that forked: let what it left settle before it is observed.
  if (p.exit) settle(std::nullopt, launch.facts.holder_pid, ctx.settle_ms, deadline_ms);
  o.phase_ms["settle"] = reaper.now_ms() - t0;
}

namespace {

// What the later probes act on: the first launch, or a relaunch made because
// an earlier probe ended the daemon (rules.md, "Measure, don't skip"). A
// relaunch owns its temp folder, plan, NOTIFY_SOCKET and launch; members are
// destroyed in reverse order, so the folder goes last.
struct Subject {
  std::optional<TempDir> dir;
  std::optional<LaunchPlan> own_plan;
  std::optional<NotifyListener> own_notify;
  std::optional<Launch> own_launch;
  Launch* launch = nullptr;
  const LaunchPlan* plan = nullptr;
  NotifyListener* notify = nullptr;
  Observation view;  // the check's Observation with this launch's facts and daemons
  int relaunch = 0;  // 0: the first launch
};

constexpr int kMaxRelaunches = 3;

std::vector<DaemonFacts> live_daemons(const Observation& v) {
  std::vector<DaemonFacts> out;
  for (const auto& d : v.daemons)
    if (is_live_descendant(d.pid, ::getpid())) out.push_back(d);
  return out;
}

// The first launch's pidfile path, moved into the relaunch's {tmp}.
std::optional<PidfileFacts> moved_pidfile(const Observation& o, const std::string& tmp) {
  if (!o.pidfile) return std::nullopt;
  PidfileFacts f = *o.pidfile;
  const std::string from = o.launch.tmp_dir + "/";
  if (!o.launch.tmp_dir.empty() && f.path.rfind(from, 0) == 0)
    f.path = tmp + "/" + f.path.substr(from.size());
  return f;
}

// A fresh launch in a fresh {tmp}, settled, with its daemons picked and
// observed as the first launch's were. What the previous launch left is ended
// first (its daemon is gone; its holder and strays would be counted as this
// launch's). Error when it cannot be started.
Result<std::unique_ptr<Subject>> relaunch(const LaunchPlan& first, const ProbeContext& ctx,
                                          const Observation& o, int n) {
  Reaper& reaper = Reaper::get();
  kill_all_descendants(200);
  auto s = std::make_unique<Subject>();
  s->relaunch = n;
  if (auto dir = TempDir::make("daemoncheck-relaunch")) s->dir.emplace(std::move(*dir));
  if (!s->dir) return os_error("cannot create a temporary directory", "");
  const std::string& tmp = s->dir->path();
  std::vector<std::string> argv;
  for (const auto& a : ctx.command) argv.push_back(expand_tmp(a, tmp));
  s->own_plan = default_plan(argv, tmp);
  s->own_plan->exec_path = first.exec_path;
  const bool foreground = profile(o.profile).launch == LaunchKind::Foreground;
  if (foreground) {
    auto listener = NotifyListener::open(tmp);
    if (!listener) return listener.error();
    s->own_notify = std::move(*listener);
    s->own_plan->extra_env.push_back({"NOTIFY_SOCKET", s->own_notify->address()});
    s->notify = &*s->own_notify;
  }
  s->plan = &*s->own_plan;
  const double t0 = reaper.now_ms();
  auto launched = start_launch(*s->plan);
  if (!launched) return launched.error();
  s->own_launch = std::move(*launched);
  s->launch = &*s->own_launch;
  Launch& l = *s->launch;
  s->view = o;
  s->view.daemons.clear();
  s->view.pidfile = moved_pidfile(o, tmp);
  std::optional<std::string> pidfile;
  if (ctx.pidfile) pidfile = expand_tmp(*ctx.pidfile, tmp);
  const double deadline = within_check(t0 + ctx.start_timeout_s * 1000, ctx);
  if (foreground)
    run_foreground(l, *s->notify, ctx, s->view, deadline);
  else if (l.wait_exit(deadline))
    settle(pidfile, l.facts.holder_pid, ctx.settle_ms, deadline);
  l.facts.ready_ms = reaper.now_ms() - t0;
  s->view.launch = l.facts;
  std::vector<DaemonPick> picks;
  if (foreground && !l.exited())
    picks.push_back({l.facts.launched_pid, "the launched process (foreground service)"});
  else
    picks = pick_daemons(pidfile, l.facts,
                         std::min(ctx.deadline_ms, reaper.now_ms() + kSurvivorSettleMs));
  for (const auto& pick : picks) {
    DaemonFacts d = observe::observe_daemon(pick.pid, s->plan->canary_value);
    d.why = pick.why + " (relaunch " + std::to_string(n) + ")";
    s->view.daemons.push_back(std::move(d));
  }
  return s;
}

// Runs the probes that need a live daemon on `cur`, relaunching when an
// earlier probe ended it.
class LiveProbes {
 public:
  LiveProbes(Launch& launch, const LaunchPlan& plan, const ProbeContext& ctx, Observation& o,
             NotifyListener* notify)
      : first_plan_(plan), ctx_(ctx), o_(o) {
    cur_ = std::make_unique<Subject>();
    cur_->launch = &launch;
    cur_->plan = &plan;
    cur_->notify = notify;
    cur_->view = o;
  }
  ~LiveProbes() {
    // A relaunch's processes end before its folder is removed.
    if (cur_ && cur_->relaunch > 0) kill_all_descendants(200);
  }
  LiveProbes(const LiveProbes&) = delete;
  LiveProbes& operator=(const LiveProbes&) = delete;

  // What ended the daemon, for the evidence of the next probe.
  void lost_it(std::string why) {
    if (live_daemons(cur_->view).empty()) lost_ = std::move(why);
  }

  // True when `cur` has a live daemon, relaunching if needed; otherwise sets
  // *skipped (no relaunch left a daemon) or *error (none could be started, or
  // the check's --timeout ran out first or during the relaunch).
  bool ensure_live(std::string* skipped, std::string* error) {
    if (out_of_time(ctx_)) {
      *error = cut_by_timeout(ctx_, false);
      return false;
    }
    cur_->view.daemons = live_daemons(cur_->view);
    if (!cur_->view.daemons.empty()) return true;
    if (cur_->relaunch >= kMaxRelaunches) {
      *skipped = lost_ + "; no relaunch is left to measure on";
      return false;
    }
    auto next = relaunch(first_plan_, ctx_, o_, cur_->relaunch + 1);
    if (!next) {
      *error = lost_ +
               ", and the relaunch to measure on could not be started: " + next.error().message();
      return false;
    }
    cur_ = std::move(*next);
    if (out_of_time(ctx_)) {
      *error = cut_by_timeout(ctx_, false) + " (it ran out while relaunching the target)";
      return false;
    }
    if (cur_->view.daemons.empty()) {
      *skipped = lost_ + ", and no daemon survived the startup of relaunch " +
                 std::to_string(cur_->relaunch) + " either";
      return false;
    }
    return true;
  }

  Subject& cur() { return *cur_; }

 private:
  const LaunchPlan& first_plan_;
  const ProbeContext& ctx_;
  Observation& o_;
  std::unique_ptr<Subject> cur_;
  std::string lost_ = "the daemon did not survive the earlier probes";
};

}  // namespace

void run_probes(Launch& launch, const LaunchPlan& plan, const ProbeContext& ctx, Observation& o,
                NotifyListener* notify) {
  Reaper& reaper = Reaper::get();
  auto timed = [&](ProbeStep step, auto&& fn) {
    double t = reaper.now_ms();
    fn();
    o.phase_ms[std::string(probe_phase(step).key)] = reaper.now_ms() - t;
  };
  const Profile& prof = profile(o.profile);
  if (o.daemons.empty()) {
    for (auto* s : {&o.probes.hangup.skipped, &o.probes.second.skipped, &o.probes.sighup.skipped,
                    &o.probes.sigterm.skipped})
      *s = "no daemon survived startup";
  } else {
    if (prof.runs(ProbeStep::Hangup))
      timed(ProbeStep::Hangup, [&] { probe_hangup(launch, ctx, o); });
    LiveProbes live(launch, plan, ctx, o, notify);
    live.lost_it("the daemon died when the terminal hung up");
    if (prof.runs(ProbeStep::SecondInstance)) {
      timed(ProbeStep::SecondInstance, [&] {
        SecondInstanceProbe& p = o.probes.second;
        if (!live.ensure_live(&p.skipped, &p.error)) return;
        Subject& s = live.cur();
        probe_second_instance(*s.plan, ctx, s.view);
        p = s.view.probes.second;
        p.relaunch = s.relaunch;
        live.lost_it("the second launch ended the first daemon");
      });
    }
    if (prof.runs(ProbeStep::Sighup))
      timed(ProbeStep::Sighup, [&] {
        SignalProbe& p = o.probes.sighup;
        if (!live.ensure_live(&p.skipped, &p.error)) return;
        Subject& s = live.cur();
        probe_sighup(s.launch, ctx, s.view);
        p = s.view.probes.sighup;
        p.relaunch = s.relaunch;
        live.lost_it("the daemon died of SIGHUP");
      });
    if (prof.runs(ProbeStep::Sigterm))
      timed(ProbeStep::Sigterm, [&] {
        SignalProbe& p = o.probes.sigterm;
        if (!live.ensure_live(&p.skipped, &p.error)) return;
        Subject& s = live.cur();
        probe_sigterm(s.launch, ctx, s.view, s.notify);
        p = s.view.probes.sigterm;
        p.relaunch = s.relaunch;
        // The foreground facts are the first launch's; a relaunch's own are not judged.
        if (s.relaunch == 0) o.probes.foreground = s.view.probes.foreground;
      });
  }
  if (prof.runs(ProbeStep::RaceTrials)) {
    timed(ProbeStep::RaceTrials, [&] {
      if (ctx.race_trials > 0 && !out_of_time(ctx))
        kill_all_descendants(trial_grace_ms(o));  // every trial starts from nothing
      probe_race(plan, ctx, o);
    });
  }
}

}  // namespace dc
