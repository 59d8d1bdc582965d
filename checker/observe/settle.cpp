// See settle.h.
#include "observe/settle.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "observe/observe.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/path.h"
#include "sys/proc.h"

namespace dc {
namespace {

// The checker's own processes (the session holder) are never the daemon,
// whatever a pidfile says.
std::optional<pid_t> pidfile_names_live_descendant(const std::string& path, pid_t holder) {
  auto pid = observe::pidfile_pid(path);
  if (pid && *pid != holder && is_live_descendant(*pid, ::getpid())) return pid;
  return std::nullopt;
}

// True when pid has had at least ms of CPU time since `since` (a reading of
// cpu_time_ns).
bool ran_for(pid_t pid, uint64_t since, double ms) {
  const uint64_t now = cpu_time_ns(pid);
  return now > since && static_cast<double>(now - since) >= ms * 1e6;
}

bool names_no_daemon(const std::string& path, pid_t holder, const std::vector<pid_t>& not_daemons) {
  auto pid = observe::pidfile_pid(path);
  return pid && ((holder > 0 && *pid == holder) || *pid == ::getpid() ||
                 std::find(not_daemons.begin(), not_daemons.end(), *pid) != not_daemons.end());
}

// A pidfile can be written before the process finishes setting itself up
// (start-stop-daemon --make-pidfile names its grandchild, which then closes
// every descriptor up to RLIMIT_NOFILE one by one, several ms of CPU with
// nothing to see in /proc, and execs the daemon). The
// state counts as settled when two reads of it agree while every thread of
// the process is waiting (asleep in a system call, the daemon's main loop),
// or, for one that keeps running, when it has run kStableMs of CPU time with
// its state unchanged: a process that is runnable but kept off the CPU by a
// loaded machine has not settled, however long it waits. Reads start
// kFirstLookMs apart and double, so a daemon that is ready costs a fraction
// of a millisecond. A process that exits meanwhile has not settled: the
// pidfile no longer names a running process, and the caller looks again.
constexpr double kStableMs = 50;
constexpr double kFirstLookMs = 0.1;
constexpr double kLongestLookMs = 5;
enum class StateSettle { kSettled, kGone, kTimedOut };
StateSettle settle_state(pid_t pid, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  // Without a pidfd (none left to open, say) the looks alone tell.
  const UniqueFd pidfd = open_descendant_pidfd(pid);
  auto gone = [&] {
    return pidfd.valid() ? !pidfd_alive(pidfd.get()) : !is_live_descendant(pid, ::getpid());
  };
  if (gone()) return StateSettle::kGone;
  std::string prev = observe::fingerprint(pid);
  uint64_t cpu_since = cpu_time_ns(pid);
  double look = kFirstLookMs;
  for (;;) {
    const int fds[] = {pidfd.valid() ? pidfd.get() : -1};
    reaper.wait(fds, std::min(deadline_ms, reaper.now_ms() + look));
    if (gone()) return StateSettle::kGone;
    std::string cur = observe::fingerprint(pid);
    if (cur == prev) {
      if (all_threads_waiting(pid) || ran_for(pid, cpu_since, kStableMs))
        return StateSettle::kSettled;
    } else {
      cpu_since = cpu_time_ns(pid);
    }
    if (reaper.now_ms() >= deadline_ms) return StateSettle::kTimedOut;
    prev = std::move(cur);
    look = std::min(2 * look, kLongestLookMs);
  }
}

// True when no process of the snapshot is merely waiting for a CPU: each is
// asleep, or has run at least quiet_ms since `cpu_before` was read. A window
// in which a starved process could not act is not a quiet one.
bool none_starved(const std::map<pid_t, std::string>& snap,
                  const std::map<pid_t, uint64_t>& cpu_before, double quiet_ms) {
  for (const auto& [pid, fp] : snap) {
    if (all_threads_waiting(pid)) continue;
    auto it = cpu_before.find(pid);
    if (it == cpu_before.end() || !ran_for(pid, it->second, quiet_ms)) return false;
  }
  return true;
}

std::map<pid_t, uint64_t> cpu_times(const std::map<pid_t, std::string>& snap) {
  std::map<pid_t, uint64_t> out;
  for (const auto& [pid, fp] : snap) out[pid] = cpu_time_ns(pid);
  return out;
}

// Pidfds of the live processes below a settle's root, so that its wait also
// ends when one of them exits. Their parent is often not the checker (a race
// trial's stand-in, the session holder, a daemon's own parent), so no SIGCHLD
// of the Reaper's says so; a start-up in which everything died would
// otherwise wait for the next bound: its quiet window, or with a pidfile the
// start timeout. Waking is only a reason to look again: the looks decide.
class ExitWatch {
 public:
  // Watches each of pids not yet watched and forgets the rest. False when one
  // could not be watched (it was ending, or there are more than kMaxWatched):
  // the wait then also looks again after kUnwatchedLookMs.
  bool update(const std::vector<pid_t>& pids) {
    std::map<pid_t, UniqueFd> next;
    bool all = pids.size() <= kMaxWatched;
    for (pid_t pid : pids) {
      if (next.size() == kMaxWatched) break;
      auto it = fds_.find(pid);
      UniqueFd fd = it != fds_.end() ? std::move(it->second) : open_descendant_pidfd(pid);
      if (fd.valid() && pidfd_alive(fd.get()))
        next.emplace(pid, std::move(fd));
      else
        all = false;
    }
    fds_ = std::move(next);
    return all;
  }
  // The watched pidfds after `first` (a descriptor of the caller's, or -1).
  std::vector<int> fds(int first) const {
    std::vector<int> out{first};
    for (const auto& [pid, fd] : fds_) out.push_back(fd.get());
    return out;
  }
  static constexpr size_t kMaxWatched = 256;
  static constexpr double kUnwatchedLookMs = 10;

 private:
  std::map<pid_t, UniqueFd> fds_;
};

std::vector<pid_t> pids_of(const std::map<pid_t, std::string>& snap) {
  std::vector<pid_t> out;
  for (const auto& [pid, fp] : snap) out.push_back(pid);
  return out;
}

std::map<pid_t, std::string> snapshot(pid_t holder, pid_t root) {
  std::map<pid_t, std::string> out;
  for (const auto& e : descendants_of(root))
    if (e.state != 'Z' && e.pid != holder) out[e.pid] = observe::fingerprint(e.pid);
  return out;
}

}  // namespace

uint64_t cpu_time_ns(pid_t pid) {
  uint64_t sum = 0;
  for (pid_t tid : sys::threads_of(pid)) {
    if (auto text =
            sys::read_file(sys::proc_path(pid, "task/" + std::to_string(tid) + "/schedstat")))
      sum += std::strtoull(text->c_str(), nullptr, 10);
  }
  return sum;
}

bool settle(std::optional<std::string> pidfile, pid_t holder, double quiet_ms, double deadline_ms,
            pid_t root, const std::vector<pid_t>& not_daemons) {
  Reaper& reaper = Reaper::get();
  if (root == 0) root = ::getpid();
  // A pidfile naming the checker's own session holder (or the checker) is
  // written, and wrong; one naming a decoy is stale (the daemon has not
  // rewritten it yet, or never will). Start-up then ends on the quiet
  // window, as without one, rather than on the pidfile's process being at
  // rest: that would not wait for the daemon's own start-up (a double fork
  // still under way).
  if (pidfile && names_no_daemon(*pidfile, holder, not_daemons)) pidfile = std::nullopt;
  if (pidfile) {
    // Often the pidfile is there already: then no inotify instance is made
    // (closing one that holds a watch waits for a kernel grace period).
    if (auto pid = pidfile_names_live_descendant(*pidfile, holder)) {
      const StateSettle s = settle_state(*pid, deadline_ms);
      if (s != StateSettle::kGone) return s == StateSettle::kSettled;
    }
    UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (in.valid())
      ::inotify_add_watch(in.get(), sys::folder_of(*pidfile).c_str(),
                          IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB);
    char buf[4096];
    int empty_scans = 0;
    ExitWatch exits;
    for (;;) {
      if (auto pid = pidfile_names_live_descendant(*pidfile, holder)) {
        const StateSettle s = settle_state(*pid, deadline_ms);
        if (s != StateSettle::kGone) return s == StateSettle::kSettled;
      }
      // Nobody left to write it: seen twice, so a daemon caught between its
      // parent's exit and its re-parenting is not missed.
      const auto live = live_descendants_of(root, {holder});
      empty_scans = live.empty() ? empty_scans + 1 : 0;
      if (empty_scans >= 2) return true;
      // The wait ends on the pidfile's folder changing or on one of those
      // who could write it exiting. Without a watch (the folder does not
      // exist yet) it also re-checks every 10 ms.
      const bool all_watched = exits.update(live);
      const auto fds = exits.fds(in.get());
      double until = in.valid() && empty_scans == 0 && all_watched
                         ? deadline_ms
                         : std::min(deadline_ms, reaper.now_ms() + ExitWatch::kUnwatchedLookMs);
      int r = reaper.wait(fds, until);
      if (r == 0)
        while (::read(in.get(), buf, sizeof buf) > 0) {
        }
      if (r == Reaper::kTimeout && reaper.now_ms() >= deadline_ms) return false;
    }
  }
  // Without a pidfile, start-up ends when the descendants' state has not
  // changed for quiet_ms, or at once when nothing is left alive: seen twice
  // with nothing reaped in between, as in the pidfile branch.
  // A process of the snapshot that exits ends the window early: the state
  // changed, so a new window starts then rather than at the window's end.
  auto prev = snapshot(holder, root);
  auto prev_cpu = cpu_times(prev);
  ExitWatch exits;
  for (int empty_scans = prev.empty() ? 1 : 0;;) {
    if (empty_scans >= 2) return true;
    double until = std::min(deadline_ms, reaper.now_ms() + (empty_scans ? 0.1 : quiet_ms));
    exits.update(pids_of(prev));
    int r = reaper.wait(exits.fds(-1), until);
    auto cur = snapshot(holder, root);
    const bool exited = r == Reaper::kReaped || r >= 0;
    if (!cur.empty()) {
      empty_scans = 0;
    } else {
      empty_scans = exited ? 1 : empty_scans + 1;
    }
    if (exited) {
      prev = std::move(cur);
      prev_cpu = cpu_times(prev);
      continue;
    }
    if (cur == prev && !cur.empty() && none_starved(cur, prev_cpu, quiet_ms)) return true;
    if (reaper.now_ms() >= deadline_ms) return false;
    if (cur != prev) prev_cpu = cpu_times(cur);
    prev = std::move(cur);
  }
}

std::vector<DaemonPick> pick_daemons(const std::optional<std::string>& pidfile,
                                     const LaunchFacts& launch, double deadline_ms) {
  const pid_t me = ::getpid();
  std::vector<DaemonPick> out;
  std::optional<pid_t> named;
  if (pidfile) {
    named = pidfile_names_live_descendant(*pidfile, launch.holder_pid);
    if (named) out.push_back({*named, "named by the pidfile"});
  }
  // Every other survivor the daemon did not start is a daemon too (rules.md:
  // the rules run on each): a master that never detached is judged even when
  // a well-behaved worker wrote the pidfile. Besides a pidfile's process, a
  // survivor may be on its way out (the middle child of a double fork, or
  // start-stop-daemon's, which can look settled for a while on a loaded
  // machine): such survivors are awaited until they exit or deadline_ms, and
  // only those still running then are judged.
  std::vector<pid_t> others;
  for (const auto& e : descendants_of(me))
    if (e.ppid == me && e.state != 'Z' && e.pid != launch.holder_pid && e.pid != named)
      others.push_back(e.pid);
  if (named && !others.empty()) {
    std::vector<UniqueFd> fds;
    for (pid_t pid : others) fds.push_back(open_descendant_pidfd(pid));
    Reaper& reaper = Reaper::get();
    for (;;) {
      std::vector<int> alive;
      for (const auto& fd : fds)
        if (fd.valid() && pidfd_alive(fd.get())) alive.push_back(fd.get());
      if (alive.empty() || reaper.wait(alive, deadline_ms) == Reaper::kTimeout) break;
    }
  }
  for (pid_t pid : others) {
    if (!is_live_descendant(pid, me)) continue;
    out.push_back({pid, named ? "re-parented to the checker, besides the pidfile's process"
                              : "re-parented to the checker"});
  }
  if (out.empty() && !launch.launched_exit && is_live_descendant(launch.launched_pid, me))
    out.push_back({launch.launched_pid, "the launched process, still running"});
  return out;
}

}  // namespace dc
