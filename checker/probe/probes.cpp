// See probes.h.
#include "probe/probes.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>

#include "check/settle.h"
#include "launch/cleanup.h"
#include "launch/process_tree.h"
#include "launch/reaper.h"
#include "launch/signal_guard.h"
#include "observe/observe.h"

namespace dc {
namespace {

// A signal with the default action kills at once, and that death ends the
// wait (bounded by kDefaultBoundMs). A signal the target catches cannot be
// awaited as an event: the checker polls /proc, from kFirstLookMs on and
// twice as long each time, until the kernel no longer shows it pending and
// every thread is back to waiting (the handler has returned, or the process
// exits); kCaughtBoundMs bounds the whole. One that is ignored or blocked
// does nothing, so there is nothing to wait for.
constexpr double kCaughtBoundMs = 100;
constexpr double kDefaultBoundMs = 2000;
constexpr double kFirstLookMs = 0.05;
constexpr double kLongestLookMs = 2;

struct Tracked {
  pid_t pid;
  UniqueFd fd;
};

std::vector<Tracked> track(const std::vector<pid_t>& pids) {
  std::vector<Tracked> out;
  for (pid_t p : pids) {
    UniqueFd fd = open_descendant_pidfd(p);
    if (fd.valid()) out.push_back({p, std::move(fd)});
  }
  return out;
}

std::vector<pid_t> daemon_pids(const Observation& o) {
  std::vector<pid_t> v;
  for (const auto& d : o.daemons) v.push_back(d.pid);
  return v;
}

// Waits until every tracked process has exited or the deadline passes.
void wait_exits(std::vector<Tracked>& ts, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  for (;;) {
    std::vector<int> fds;
    for (auto& t : ts)
      if (pidfd_alive(t.fd.get())) fds.push_back(t.fd.get());
    if (fds.empty()) return;
    if (reaper.wait(fds, deadline_ms) == Reaper::kTimeout) return;
  }
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
  auto text = observe::read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  auto st = observe::parse_status(*text);
  if (!st) return std::nullopt;
  return *st;
}

uint64_t bit_of(int sig) {
  return uint64_t{1} << (sig - 1);
}

// True when sig, sent to pid now, would run the default action (terminate).
bool default_action(pid_t pid, int sig) {
  auto st = status_of(pid);
  return !st || !((st->sig_cgt | st->sig_ign | st->sig_blk) & bit_of(sig));
}

// True when pid has a handler for sig that a delivery would run.
bool catches(pid_t pid, int sig) {
  auto st = status_of(pid);
  return st && (st->sig_cgt & bit_of(sig)) && !(st->sig_blk & bit_of(sig));
}

double bound_for(const std::vector<Tracked>& ts, int sig) {
  for (const auto& t : ts)
    if (!default_action(t.pid, sig)) return kCaughtBoundMs;
  return kDefaultBoundMs;
}

bool pending(pid_t pid, int sig) {
  auto st = status_of(pid);
  return st && ((st->sig_pnd | st->shd_pnd) & bit_of(sig));
}

// Waits for the effect of sig on the tracked processes: their exit, or, for
// those that handle it, the end of its delivery plus a short grace.
void await_signal(std::vector<Tracked>& ts, int sig) {
  Reaper& reaper = Reaper::get();
  const double t0 = reaper.now_ms();
  if (bound_for(ts, sig) == kDefaultBoundMs) {
    wait_exits(ts, t0 + kDefaultBoundMs);
    return;
  }
  for (auto& t : ts) {
    if (!catches(t.pid, sig)) continue;
    double look = kFirstLookMs;
    while (pidfd_alive(t.fd.get()) && (pending(t.pid, sig) || !all_threads_waiting(t.pid)) &&
           reaper.now_ms() < t0 + kCaughtBoundMs) {
      const int fds[] = {t.fd.get()};
      if (reaper.wait(fds, std::min(reaper.now_ms() + look, t0 + kCaughtBoundMs)) == 0) break;
      look = std::min(2 * look, kLongestLookMs);
    }
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
  wait_exits(ts, Reaper::get().now_ms() + 2000);
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

void probe_hangup(Launch& launch, Observation& o) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  HangupProbe& p = o.probes.hangup;
  p.ran = true;
  std::vector<pid_t> reachable;
  for (const auto& d : o.daemons)
    if (d.pgrp == o.launch.job_pgid || d.sid == o.launch.launch_sid) reachable.push_back(d.pid);
  p.reachable = reachable;
  auto ts = track(reachable);
  const bool handled = bound_for(ts, SIGHUP) == kCaughtBoundMs;
  // The terminal hangs up: the holder gets SIGHUP, forwards it to the job's
  // process group and exits.
  launch.pty_master.reset();
  std::vector<Tracked> holder;
  if (launch.holder_pidfd.valid())
    holder.push_back({o.launch.holder_pid, std::move(launch.holder_pidfd)});
  wait_exits(holder, reaper.now_ms() + 2000);
  if (handled)
    await_signal(ts, SIGHUP);
  else
    wait_exits(ts, reaper.now_ms() + kDefaultBoundMs);
  p.died = deaths(ts, &launch);
  p.ms = reaper.now_ms() - t0;
}

// --- second instance --------------------------------------------------------

void probe_second_instance(const LaunchPlan& first, const CheckOptions& opt, Observation& o) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  SecondInstanceProbe& p = o.probes.second;
  p.ran = true;
  auto firsts = track(daemon_pids(o));
  std::vector<pid_t> before = live_descendants({});
  PidfileState pf_before;
  if (o.pidfile) {
    p.pidfile_known = true;
    pf_before = observe::read_pidfile(o.pidfile->path);
  }
  LaunchPlan plan = default_plan(first.argv, first.tmp_dir);
  plan.exec_path = first.exec_path;
  auto launched = start_launch(plan);
  if (!launched) {
    p.ran = false;
    p.skipped = "the second launch failed: " + launched.error().message;
    return;
  }
  Launch& second = *launched;
  second.wait_exit(std::min(reaper.now_ms() + opt.start_timeout_s * 1000, opt.deadline_ms));
  p.launched_exit = second.facts.launched_exit;
  reaper.reap_now();
  // Follow what the second launch started until it is gone; give it one
  // settle window only while some of it is still alive.
  auto newcomers = [&] {
    std::vector<pid_t> except = before;
    except.push_back(second.facts.holder_pid);
    return live_descendants(except);
  };
  // Finished as soon as the second launch's processes are gone. While some
  // are alive the bound is the settle bound: a refusing instance runs the same
  // start-up code as the first one did, so it gets four times the first
  // launch's time to ready (at least 500 ms, at most the start timeout).
  const double bound = std::clamp(4 * first_ready_ms(o), 500.0, opt.start_timeout_s * 1000);
  const double deadline = std::min(reaper.now_ms() + bound, opt.deadline_ms);
  for (auto ts = track(newcomers()); !ts.empty(); ts = track(newcomers())) {
    wait_exits(ts, deadline);
    if (reaper.now_ms() >= deadline) break;
  }
  p.left_behind = newcomers();
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
  strays.push_back(second.facts.holder_pid);
  auto ts = track(strays);
  kill_tracked(ts);
  p.ms = reaper.now_ms() - t0;
}

// --- SIGHUP and SIGTERM -----------------------------------------------------

void probe_sighup(Launch& launch, Observation& o) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  SignalProbe& p = o.probes.sighup;
  p.ran = true;
  p.signal = SIGHUP;
  auto ts = track(daemon_pids(o));
  for (auto& t : ts) send_signal(t.fd.get(), SIGHUP);
  await_signal(ts, SIGHUP);
  p.died = deaths(ts, &launch);
  p.ms = reaper.now_ms() - t0;
}

void probe_sigterm(Launch& launch, const CheckOptions& opt, Observation& o,
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
  for (auto& t : ts) send_signal(t.fd.get(), SIGTERM);
  wait_exits(ts, t0 + opt.stop_timeout_s * 1000);
  for (auto& t : ts)
    if (pidfd_alive(t.fd.get())) p.killed_at_bound.push_back(t.pid);
  p.all_exited = p.killed_at_bound.empty();
  p.last_exit_ms = reaper.now_ms() - t0;
  if (!p.all_exited) {
    for (auto& t : ts)
      if (pidfd_alive(t.fd.get())) send_signal(t.fd.get(), SIGKILL);
    wait_exits(ts, reaper.now_ms() + 2000);
  }
  p.died = deaths(ts, &launch);
  if (notify) notify->drain(o.probes.foreground, o.launch.launched_pid);
  // Children the daemon started get a short grace to follow it out.
  auto rest = track(live_descendants(keep));
  if (!rest.empty()) wait_exits(rest, reaper.now_ms() + kCaughtBoundMs);
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

void probe_race(const LaunchPlan& first, const CheckOptions& opt, Observation& o) {
  Reaper& reaper = Reaper::get();
  RaceProbe& p = o.probes.race;
  if (!p.skipped.empty()) return;  // decided by the check (run_phases)
  if (opt.race_trials <= 0) {
    p.skipped = "--race-trials 0";
    return;
  }
  if (o.daemons.empty()) {
    p.skipped = "no daemon survived startup even in the normal launch";
    return;
  }
  p.ran = true;
  for (int i = 0; i < opt.race_trials && reaper.now_ms() < opt.deadline_ms; ++i) {
    double t0 = reaper.now_ms();
    RaceTrial trial;
    auto dir = TempDir::make("daemoncheck-race");
    if (!dir) break;
    const std::string& tmpl = dir->path();
    std::vector<std::string> argv;
    for (const auto& a : opt.command) argv.push_back(expand_tmp(a, tmpl));
    LaunchPlan plan = default_plan(argv, tmpl);
    plan.target_leads_session = true;
    plan.exec_path = first.exec_path;
    plan.extra_env = first.extra_env;
    size_t reaped_before = reaper.reaped().size();
    {
      auto launched = start_launch(plan);
      if (launched) {
        Launch& launch = *launched;
        // The pidfile ends a trial's start-up only if it named the first
        // launch's daemon; else the trial settles on the quiet window.
        std::optional<std::string> pidfile;
        if (opt.pidfile && !o.launch.settle_timed_out) pidfile = expand_tmp(*opt.pidfile, tmpl);
        double deadline = t0 + opt.start_timeout_s * 1000;
        if (o.launch.settle_timed_out)
          deadline = t0 + std::clamp(4 * first_ready_ms(o), 500.0, opt.start_timeout_s * 1000);
        deadline = std::min(deadline, opt.deadline_ms);
        if (launch.wait_exit(deadline)) settle(pidfile, 0, opt.settle_ms, deadline);
        trial.launched_exit = launch.facts.launched_exit;
        trial.daemon_survived = !live_descendants({}).empty();
        reaper.reap_now();  // the dead are zombies by now: collect how they died
        for (size_t k = reaped_before; k < reaper.reaped().size(); ++k)
          if (reaper.reaped()[k].signal || reaper.reaped()[k].pid != launch.facts.launched_pid)
            trial.deaths.push_back(reaper.reaped()[k]);
      }
      kill_all_descendants(200);
    }  // the trial's pty closes here, after its processes are gone
    trial.ms = reaper.now_ms() - t0;
    const bool failed = !trial.daemon_survived;
    p.trials.push_back(std::move(trial));
    if (failed) break;  // one failed trial fails the rule: the rest cannot change it
  }
}

}  // namespace

// --- NOTIFY_SOCKET ----------------------------------------------------------

Result<NotifyListener> NotifyListener::open(const std::string& tmp_dir) {
  NotifyListener n;
  n.path_ = tmp_dir + "/notify.sock";
  n.fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!n.fd_.valid()) return Error{std::string("socket(AF_UNIX): ") + std::strerror(errno)};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (n.path_.size() >= sizeof addr.sun_path)
    return Error{"temp path too long for a socket: " + n.path_};
  std::memcpy(addr.sun_path, n.path_.c_str(), n.path_.size() + 1);
  if (::bind(n.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Error{"bind " + n.path_ + ": " + std::strerror(errno)};
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

void run_foreground(Launch& launch, NotifyListener& notify, const CheckOptions& opt, Observation& o,
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
  if (p.exit) settle(std::nullopt, launch.facts.holder_pid, opt.settle_ms, deadline_ms);
  o.phase_ms["settle"] = reaper.now_ms() - t0;
}

void run_probes(Launch& launch, const LaunchPlan& plan, const CheckOptions& opt, Observation& o,
                NotifyListener* notify) {
  Reaper& reaper = Reaper::get();
  auto timed = [&](const char* phase, auto&& fn) {
    double t = reaper.now_ms();
    fn();
    o.phase_ms[phase] = reaper.now_ms() - t;
  };
  const bool sysv = o.profile != "systemd";
  if (o.daemons.empty()) {
    for (auto* s : {&o.probes.hangup.skipped, &o.probes.second.skipped, &o.probes.sighup.skipped,
                    &o.probes.sigterm.skipped})
      *s = "no daemon survived startup";
  } else {
    if (sysv) timed("hangup", [&] { probe_hangup(launch, o); });
    if (sysv) timed("second_instance", [&] { probe_second_instance(plan, opt, o); });
    // Only daemons still alive take the signal probes.
    std::vector<DaemonFacts> alive;
    for (auto& d : o.daemons)
      if (is_live_descendant(d.pid, ::getpid())) alive.push_back(d);
    Observation view = o;
    view.daemons = alive;
    if (alive.empty()) {
      o.probes.sighup.skipped = o.probes.sigterm.skipped =
          "the daemon did not survive the earlier probes";
    } else {
      timed("sighup", [&] { probe_sighup(launch, view); });
      o.probes.sighup = view.probes.sighup;
      std::vector<DaemonFacts> still;
      for (auto& d : alive)
        if (is_live_descendant(d.pid, ::getpid())) still.push_back(d);
      view.daemons = still;
      if (still.empty()) {
        o.probes.sigterm.skipped = "the daemon did not survive SIGHUP";
      } else {
        timed("sigterm", [&] { probe_sigterm(launch, opt, view, notify); });
        o.probes.sigterm = view.probes.sigterm;
        o.probes.foreground = view.probes.foreground;
      }
    }
  }
  if (sysv) {
    timed("race_trials", [&] {
      if (opt.race_trials > 0) kill_all_descendants(200);  // every trial starts from nothing
      probe_race(plan, opt, o);
    });
  }
}

}  // namespace dc
