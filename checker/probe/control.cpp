// See control.h. The sequence is control.md's; every wait is bounded by the
// action timeout and the check's deadline, and every signal goes through a
// pidfd (signal_guard.h).
#include "probe/control.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "common/signals.h"
#include "common/text.h"
#include "launch/cleanup.h"
#include "launch/isolation.h"
#include "launch/launched_exit.h"
#include "launch/launcher.h"
#include "launch/signal_guard.h"
#include "launch/tracked.h"
#include "observe/observe.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "observe/settle.h"
#include "probe/decoy.h"
#include "sys/fileio.h"
#include "sys/proc.h"

namespace dc {
namespace {

constexpr size_t kTailBytes = 2048;
// How long the session holder gets to exit once its terminal hung up.
constexpr double kHolderEndMs = 2000;
// How long a decoy gets to report a signal that was sent to it.
constexpr double kDecoyReportMs = 200;
// `run`: how long the launched process gets to exit on its own (a script
// that daemonizes returns at once) before it is taken to stay.
constexpr double kRunExitMs = 300;
// The folders whose new files the unknown action is checked for, and how
// many entries a scan reads at most (a host /tmp without isolation).
constexpr size_t kScanBudget = 20000;
constexpr int kScanDepth = 6;

std::string tail_of(const std::string& s) {
  return s.size() > kTailBytes ? s.substr(s.size() - kTailBytes) : s;
}

std::vector<std::string> argv_of(pid_t pid) {
  std::vector<std::string> out;
  auto raw = sys::read_file(sys::proc_path(pid, "cmdline"), 64 * 1024);
  if (!raw) return out;
  size_t start = 0;
  while (start < raw->size()) {
    size_t end = raw->find('\0', start);
    if (end == std::string::npos) end = raw->size();
    out.push_back(raw->substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

bool contains(const std::vector<pid_t>& v, pid_t p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

// Every live process of the check, the checker aside.
std::vector<ControlProcess> process_table() {
  std::vector<ControlProcess> out;
  for (const auto& e : descendants_of(::getpid()))
    if (e.state != 'Z')
      out.push_back({e.pid, e.ppid, e.comm, escape_bytes(joined(argv_of(e.pid)), '"')});
  return out;
}

// Paths under roots (not following links), skipping `skip` and what is below it.
std::set<std::string> files_under(const std::vector<std::string>& roots, const std::string& skip) {
  namespace fs = std::filesystem;
  std::set<std::string> out;
  size_t budget = kScanBudget;
  for (const auto& root : roots) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (budget-- == 0) return out;
      const std::string p = it->path().string();
      if (!skip.empty() && (p == skip || p.starts_with(skip + "/"))) {
        it.disable_recursion_pending();
        continue;
      }
      if (it.depth() >= kScanDepth) it.disable_recursion_pending();
      // The file every launch plants in {tmp} (the inherited descriptor) is the checker's.
      if (it->path().filename().string().starts_with(".daemoncheck-inherited")) continue;
      out.insert(p);
    }
  }
  return out;
}

// Whether path is inside the check: in {tmp} or a folder made private, so
// the checker may write to it.
bool inside_check(const std::string& path, const std::string& tmp,
                  const std::vector<std::string>& private_dirs) {
  // No "." or ".." component may lead out of the folder named first.
  if (std::filesystem::path(path).lexically_normal().string() != path) return false;
  auto under = [&](const std::string& dir) {
    return path.starts_with(dir + "/") || (dir == "/run" && path.starts_with("/var/run/"));
  };
  if (under(tmp)) return true;
  return std::any_of(private_dirs.begin(), private_dirs.end(), under);
}

// Ends the session holder as a closed terminal window does: the pty hangs
// up, the holder SIGHUPs its job's group and exits. Bounded.
void end_holder(Launch& launch) {
  launch.pty_master.reset();
  if (!launch.holder_pidfd.valid()) return;
  std::vector<Tracked> holder;
  holder.push_back({launch.facts.holder_pid, std::move(launch.holder_pidfd), {}});
  wait_all_exit(holder, Reaper::get().now_ms() + kHolderEndMs);
  Reaper::get().reap_now();
}

// An action past its timeout: everything below its holder (the action and
// what it started) is killed, round after round until nothing is left.
void kill_action_tree(const Launch& launch) {
  for (int round = 0; round < 5; ++round) {
    auto ts = track(live_descendants_of(launch.facts.holder_pid, {}));
    if (ts.empty()) return;
    for (auto& t : ts) send_signal(t.fd.get(), SIGKILL);
    wait_all_exit(ts, Reaper::get().now_ms() + 1000);
  }
}

class Runner {
 public:
  Runner(const ProbeContext& ctx, const ControlRequest& req, std::string exe, std::string tmp,
         Observation& o)
      : ctx_(ctx), req_(req), exe_(std::move(exe)), tmp_(std::move(tmp)), o_(o) {
    o_.control.emplace();
    c_ = &*o_.control;
  }
  ~Runner() {
    for (auto& d : decoys_) d->end();
  }

  std::optional<Error> run();

 private:
  enum class Mode { Normal, FirstStart, StderrApart, Run };
  ActionRun& act(ControlStep step, const std::string& action, const std::string& why,
                 Mode mode = Mode::Normal);
  void launch_and_wait(ActionRun& r, Mode mode);
  std::vector<pid_t> find_daemons(const Launch* launch) const;
  void record_daemons(ActionRun& r, const Launch& launch, const std::vector<Tracked>& tree_before,
                      double bound);
  void observe_first_start(Launch& launch, const LaunchPlan& plan, ActionRun& r);
  void plant_decoys();
  void crash();
  void recycle_pid();
  void collect_signals(const std::string& during, int step = 0);
  void note_counted_decoys(const ActionRun& r);
  void finish();
  std::vector<pid_t> decoy_pids() const {
    std::vector<pid_t> out;
    for (const auto& d : decoys_) out.push_back(d->pid());
    return out;
  }
  bool is_decoy(pid_t p) const {
    return std::any_of(decoys_.begin(), decoys_.end(),
                       [&](const auto& d) { return d->pid() == p; });
  }
  bool out_of_time() const { return Reaper::get().now_ms() >= ctx_.deadline_ms; }
  bool requested(const char* a) const {
    return std::find(req_.actions.begin(), req_.actions.end(), a) != req_.actions.end();
  }
  void remember(const std::vector<pid_t>& daemons) {
    for (pid_t p : daemons)
      if (std::none_of(known_.begin(), known_.end(), [&](const Tracked& t) { return t.pid == p; }))
        for (auto& t : track({p})) known_.push_back(std::move(t));
  }

  const ProbeContext& ctx_;
  const ControlRequest& req_;
  std::string exe_, tmp_;
  Observation& o_;
  ControlFacts* c_ = nullptr;
  std::optional<std::string> pidfile_;
  std::vector<Tracked> known_;  // every daemon seen, by pidfd
  std::vector<std::unique_ptr<DecoyProcess>> decoys_;
  std::optional<TempDir> side_;  // the unknown action's stderr, outside {tmp}
};

std::vector<pid_t> Runner::find_daemons(const Launch* launch) const {
  const pid_t holder = launch ? launch->facts.holder_pid : 0;
  const pid_t launched = launch ? launch->facts.launched_pid : 0;
  auto usable = [&](pid_t p) {
    return p > 1 && p != holder && p != launched && !is_decoy(p) &&
           is_live_descendant(p, ::getpid());
  };
  std::vector<pid_t> out;
  if (pidfile_)
    if (auto p = observe::pidfile_pid(*pidfile_); p && usable(*p)) out.push_back(*p);
  // Without a pidfile naming it, the daemon is what the action orphaned:
  // the holder (a subreaper) adopted it.
  if (out.empty() && holder > 0)
    for (const auto& e : descendants_of(holder))
      if (e.state != 'Z' && e.ppid == holder && usable(e.pid)) out.push_back(e.pid);
  for (const auto& t : known_)
    if (pidfd_alive(t.fd.get()) && !contains(out, t.pid) && !is_decoy(t.pid)) out.push_back(t.pid);
  return out;
}

void Runner::record_daemons(ActionRun& r, const Launch& launch,
                            const std::vector<Tracked>& tree_before, double bound) {
  auto look = [&] {
    r.daemons = find_daemons(&launch);
    std::vector<pid_t> theirs;
    for (pid_t d : r.daemons)
      for (const auto& e : descendants_of(d))
        if (e.state != 'Z') theirs.push_back(e.pid);
    r.helpers_left.clear();
    if (launch.exited())
      for (pid_t p : live_descendants_of(launch.facts.holder_pid, {}))
        if (!contains(r.daemons, p) && !contains(theirs, p) && p != launch.facts.launched_pid)
          r.helpers_left.push_back(p);
  };
  look();
  // A process on its way out is not left behind: the middle child of a
  // double fork, or a second instance that found the daemon running. Each
  // gets the time a survivor gets in the sysv profile to exit, then the
  // daemons are looked for again (the middle child's exit hands its daemon
  // to the holder).
  if (!r.helpers_left.empty()) {
    auto ending = track(r.helpers_left);
    wait_all_exit(ending, std::min(bound, Reaper::get().now_ms() + kSurvivorSettleMs));
    look();
  }
  for (const auto& t : tree_before)
    if (pidfd_alive(t.fd.get()) && !contains(r.daemons, t.pid)) r.daemon_tree_left.push_back(t.pid);
  r.pidfile_after = pidfile_ && observe::pidfile_pid(*pidfile_).has_value();
  if (pidfile_ && !r.pidfile_after) {
    struct stat st {};
    r.pidfile_after = ::lstat(pidfile_->c_str(), &st) == 0;
  }
  remember(r.daemons);
}

void Runner::launch_and_wait(ActionRun& r, Mode mode) {
  Reaper& reaper = Reaper::get();
  std::vector<std::string> argv = ctx_.command;
  argv.push_back(r.action);
  LaunchPlan plan = default_plan(argv, tmp_);
  plan.exec_path = exe_;
  plan.holder_subreaper = true;
  std::string stderr_file;
  std::set<std::string> files_before;
  const std::vector<std::string> scanned{tmp_, "/run", "/tmp", "/var/tmp"};
  if (mode == Mode::StderrApart && side_) {
    // The script's stderr goes to a file of the checker's, apart from stdout.
    stderr_file = side_->path() + "/stderr";
    std::vector<std::string> wrapped{"/bin/sh", "-c", "f=$1; shift; exec \"$@\" 2>\"$f\"", "sh",
                                     stderr_file};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    wrapped[5] = exe_;
    plan.argv = wrapped;
    plan.exec_path = "/bin/sh";
    files_before = files_under(scanned, side_->path());
  }
  std::vector<Tracked> tree_before;
  for (pid_t d : r.daemons_before)
    for (const auto& e : descendants_of(d))
      if (e.state != 'Z')
        for (auto& t : track({e.pid})) tree_before.push_back(std::move(t));

  const double t0 = reaper.now_ms();
  r.started_ms = t0;
  auto launched = start_launch(plan);
  if (!launched) {
    r.error = launched.error().message();
    return;
  }
  Launch& launch = *launched;
  const double bound = std::min(t0 + req_.action_timeout_s * 1000, ctx_.deadline_ms);
  if (mode == Mode::Run) {
    wait_launched_exit(launch, std::min(bound, reaper.now_ms() + kRunExitMs));
    if (!launch.exited())
      settle(std::nullopt, launch.facts.holder_pid, ctx_.settle_ms, bound, launch.facts.holder_pid);
    if (!launch.exited()) {
      r.stayed_in_foreground = true;
      if (launch.target_pidfd.valid()) send_signal(launch.target_pidfd.get(), SIGTERM);
      wait_launched_exit(
          launch, std::min(reaper.now_ms() + req_.action_timeout_s * 1000, ctx_.deadline_ms));
      r.exited_on_sigterm = launch.exited();
      if (!launch.exited()) kill_action_tree(launch);
    }
  } else {
    wait_launched_exit(launch, bound);
    if (!launch.exited()) {
      r.timed_out = true;
      r.duration_ms = reaper.now_ms() - t0;
      kill_action_tree(launch);
    }
  }
  if (r.duration_ms == 0) r.duration_ms = reaper.now_ms() - t0;
  if (launch.facts.launched_exit) {
    r.exit_status = launch.facts.launched_exit->exit_status;
    r.signal = launch.facts.launched_exit->signal;
  }
  if (r.timed_out) r.exit_status.reset(), r.signal.reset();
  if (launch.exited() && mode != Mode::Run) {
    if (mode == Mode::FirstStart && pidfile_)
      launch.facts.pidfile_at_exit = observe::read_pidfile(*pidfile_);
    launch.facts.settle_timed_out = !settle(pidfile_, launch.facts.holder_pid, ctx_.settle_ms,
                                            bound, launch.facts.holder_pid, decoy_pids());
    launch.facts.ready_ms = reaper.now_ms();
  }
  record_daemons(r, launch, tree_before, bound);
  r.table = process_table();
  if (mode == Mode::StderrApart) {
    if (auto err = sys::read_file(stderr_file, 1 << 20)) r.error_output = tail_of(*err);
    for (const auto& f : files_under(scanned, side_ ? side_->path() : ""))
      if (!files_before.count(f)) r.files_created.push_back(f);
  }
  if (mode == Mode::FirstStart) {
    observe_first_start(launch, plan, r);
  } else {
    end_holder(launch);
  }
  r.output = tail_of(launch.pty_master.tail());
}

// The daemon the first `start` left is observed as the sysv profile observes
// its daemon, and the terminal's hang-up is probed on it (which also ends
// the action's holder).
void Runner::observe_first_start(Launch& launch, const LaunchPlan& plan, ActionRun& r) {
  o_.launch = launch.facts;
  for (pid_t pid : r.daemons) {
    DaemonFacts d = observe::observe_daemon(pid, plan.canary_value);
    d.why = pidfile_ ? "the pidfile's pid after `start`" : "what `start` left running";
    d.host_pid = host_pid_of(pid);
    for (const auto& e : descendants_of(pid))
      if (e.state != 'Z') d.descendants.push_back(e.pid);
    o_.daemons.push_back(std::move(d));
  }
  if (pidfile_) {
    o_.pidfile = PidfileFacts{*pidfile_, "option", observe::read_pidfile(*pidfile_)};
  } else {
    std::vector<std::string> places{tmp_, "/run", "/var/run", "/tmp"};
    for (const auto& d : o_.daemons) {
      if (!d.cwd.empty() && d.cwd != "/") places.push_back(d.cwd);
      if (auto found = observe::discover_pidfile(d, places)) {
        o_.pidfile = *found;
        pidfile_ = found->path;
        c_->pidfile = found->path;
        c_->pidfile_found_by = found->found_by;
        break;
      }
    }
  }
  if (!r.daemons.empty()) c_->first_daemon = r.daemons.front();
  run_probes(launch, plan, ctx_, o_, nullptr);
  end_holder(launch);
  o_.launch.launched_exit = launch.facts.launched_exit;
  o_.launch.terminal_output = launch.pty_master.tail();
}

ActionRun& Runner::act(ControlStep step, const std::string& action, const std::string& why,
                       Mode mode) {
  collect_signals("between actions");
  ActionRun r;
  r.step = step;
  r.action = action;
  r.why = why;
  r.daemons_before = find_daemons(nullptr);
  if (out_of_time()) {
    r.error = "the check's --timeout ran out before this action";
    if (c_->error.empty()) c_->error = r.error;
  } else {
    launch_and_wait(r, mode);
  }
  c_->runs.push_back(std::move(r));
  ActionRun& done = c_->runs.back();
  const int number = control_step_number(step);
  collect_signals("during `" + action + "` " + why + " (step " + std::to_string(number) + ")",
                  number);
  note_counted_decoys(done);
  return done;
}

void Runner::collect_signals(const std::string& during, int step) {
  for (size_t i = 0; i < decoys_.size(); ++i)
    for (const auto& rep : decoys_[i]->take_reports(kDecoyReportMs)) {
      std::string sender = "pid " + std::to_string(rep.sender);
      if (auto e = read_proc_entry(rep.sender)) sender += " (" + e->comm + ")";
      c_->decoys[i].signals.push_back(signal_name(rep.signo) + " from " + sender + " " + during);
      c_->decoys[i].signal_steps.push_back(step);
    }
}

// A `status` that says "running" (0) while no daemon runs, the decoys do,
// and the same script said otherwise before the decoys existed, counted them.
void Runner::note_counted_decoys(const ActionRun& r) {
  if (r.action != "status" || !c_->decoys_planted || r.exit_status != 0) return;
  if (!r.daemons_before.empty() || !r.daemons.empty()) return;
  const auto& first = c_->runs.front();
  if (first.step != ControlStep::StatusStopped || first.exit_status == 0) return;
  for (size_t i = 0; i < decoys_.size(); ++i)
    if (decoys_[i]->alive())
      c_->decoys[i].counted_as_daemon_by.push_back(
          "`status` " + r.why + " (step " + std::to_string(control_step_number(r.step)) + ")");
}

void Runner::plant_decoys() {
  if (!req_.decoys) return;
  auto daemons = find_daemons(nullptr);
  if (daemons.empty()) return;
  const std::vector<std::string> argv = argv_of(daemons.front());
  auto entry = read_proc_entry(daemons.front());
  if (argv.empty() || !entry) return;
  std::vector<std::string> pager{"less"};
  pager.insert(pager.end(), argv.begin(), argv.end());
  const std::pair<std::string, std::pair<std::vector<std::string>, std::string>> kinds[] = {
      {"pager", {pager, "less"}}, {"namesake", {{argv.front()}, entry->comm}}};
  for (const auto& [kind, spec] : kinds) {
    auto d = DecoyProcess::start(spec.first, spec.second);
    if (!d) {
      c_->error = "cannot start the " + kind + " decoy: " + d.error().message();
      return;
    }
    Decoy facts;
    facts.kind = kind;
    facts.pid = d->pid();
    facts.argv = spec.first;
    facts.comm = spec.second;
    c_->decoys.push_back(std::move(facts));
    decoys_.push_back(std::make_unique<DecoyProcess>(std::move(*d)));
  }
  c_->decoys_planted = true;
}

void Runner::crash() {
  auto daemons = find_daemons(nullptr);
  if (daemons.empty()) return;
  pid_t main = daemons.front();
  if (pidfile_)
    if (auto p = observe::pidfile_pid(*pidfile_); p && contains(daemons, *p)) main = *p;
  std::vector<Tracked> victims;
  for (auto& t : known_)
    if (contains(daemons, t.pid) && pidfd_alive(t.fd.get())) {
      send_signal(t.fd.get(), SIGKILL);
      victims.push_back({t.pid, open_descendant_pidfd(t.pid), t.comm});
    }
  // What the daemon started dies with it, as in the power loss or reboot
  // that leaves a pidfile for a recycled pid to be named in (step 9): a
  // worker of the old daemon still holding its port would make step 9's
  // `start` fail for a reason that is not the pidfile.
  std::vector<pid_t> started;
  for (pid_t d : daemons)
    for (const auto& e : descendants_of(d))
      if (e.state != 'Z' && !is_decoy(e.pid) && !contains(daemons, e.pid)) started.push_back(e.pid);
  for (auto& t : track(started)) {
    send_signal(t.fd.get(), SIGKILL);
    victims.push_back(std::move(t));
  }
  wait_all_exit(victims, std::min(Reaper::get().now_ms() + 2000, ctx_.deadline_ms));
  Reaper::get().reap_now();
  c_->crashed = main;
  c_->pidfile_left_by_crash = pidfile_ && observe::pidfile_pid(*pidfile_) == main;
}

void Runner::recycle_pid() {
  if (!c_->pidfile_left_by_crash || decoys_.empty() || !pidfile_) return;
  if (!inside_check(*pidfile_, tmp_, o_.private_dirs)) return;
  // The crash left the pidfile; a `status` since may have removed it (as
  // Debian's memcached script does), but a crash followed by a reboot
  // leaves it in place, so it is written again if it is gone.
  const int fd =
      ::open(pidfile_->c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const pid_t pager = decoys_.front()->pid();
  const bool ok = sys::write_all(fd, std::to_string(pager) + "\n");
  ::close(fd);
  if (ok) c_->recycled_into_pidfile = pager;
}

void Runner::finish() {
  collect_signals("after the last action");
  for (const auto& p : process_table())
    if (!is_decoy(p.pid)) c_->left_at_end.push_back(p);
  for (size_t i = 0; i < decoys_.size(); ++i) {
    c_->decoys[i].alive_at_end = decoys_[i]->alive();
    decoys_[i]->end();
  }
}

std::optional<Error> Runner::run() {
  c_->script = ctx_.command;
  c_->actions_requested = req_.actions;
  c_->action_timeout_s = req_.action_timeout_s;
  c_->no_decoy = !req_.decoys;
  if (ctx_.pidfile) {
    pidfile_ = expand_tmp(*ctx_.pidfile, tmp_);
    c_->pidfile = pidfile_;
    c_->pidfile_found_by = "option";
  }
  if (auto side = TempDir::make("daemoncheck-control")) side_.emplace(std::move(*side));
  if (!side_) return os_error("cannot create a temporary directory", "");

  act(ControlStep::StatusStopped, "status", "with nothing running");
  const ActionRun& start =
      act(ControlStep::Start, "start", "with nothing running", Mode::FirstStart);
  if (start.daemons.empty()) c_->error = "`start` left no daemon running";
  act(ControlStep::Start, "status", "right after `start`");
  plant_decoys();
  act(ControlStep::StartRunning, "start", "again, with the daemon running");
  act(ControlStep::Stop, "stop", "with the daemon running");
  act(ControlStep::Stop, "status", "after `stop`");
  act(ControlStep::Stop, "stop", "again, with nothing running");
  act(ControlStep::Restart, "start", "after `stop`");
  act(ControlStep::Restart, "restart", "with the daemon running");
  crash();
  collect_signals("during the crash (step 8)", 8);
  act(ControlStep::Crash, "status", "after the daemon was killed (SIGKILL), its pidfile left");
  recycle_pid();
  act(ControlStep::Recycled, "stop", "with the stale pidfile naming an unrelated process");
  act(ControlStep::Recycled, "start", "with the stale pidfile naming an unrelated process");
  act(ControlStep::Unknown, "daemoncheck-no-such-action", "(an unknown action)", Mode::StderrApart);
  for (const char* a : {"reload", "force-reload"})
    if (requested(a)) act(ControlStep::Optional, a, "with the daemon running");
  act(ControlStep::Final, "stop", "at the end");
  if (requested("try-restart")) act(ControlStep::Optional, "try-restart", "with nothing running");
  if (requested("run")) {
    act(ControlStep::Optional, "run", "in the foreground", Mode::Run);
    act(ControlStep::Final, "stop", "after `run`");
  }
  finish();
  return std::nullopt;
}

}  // namespace

std::optional<Error> run_control(const ProbeContext& ctx, const ControlRequest& req,
                                 const std::string& script_exe, const std::string& tmp,
                                 Observation& o) {
  Runner runner(ctx, req, script_exe, tmp, o);
  return runner.run();
}

}  // namespace dc
