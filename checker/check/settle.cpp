// See settle.h.
#include "check/settle.h"

#include <dirent.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "common/unique_fd.h"
#include "launch/process_tree.h"
#include "launch/reaper.h"
#include "observe/observe.h"

namespace dc {
namespace {

std::string dirname_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::optional<pid_t> pidfile_names_live_descendant(const std::string& path) {
  auto pid = observe::pidfile_pid(path);
  if (pid && is_live_descendant(*pid, ::getpid())) return pid;
  return std::nullopt;
}

// CPU time the process's threads have run, in ms (the first field of
// /proc/PID/task/TID/schedstat, in ns); nullopt when it cannot be read.
std::optional<double> cpu_ms(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return std::nullopt;
  double ns = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (auto text = observe::read_file(dir + "/" + e->d_name + "/schedstat", 128))
      ns += std::strtod(text->c_str(), nullptr);
  }
  ::closedir(d);
  return ns / 1e6;
}

// A pidfile can be written before the process finishes setting itself up:
// start-stop-daemon --make-pidfile names its grandchild, which then closes
// every descriptor up to RLIMIT_NOFILE one by one and execs the daemon, and
// /proc shows nothing changing while it does. So the state counts as settled
// when two reads of it agree while every thread of the process is waiting
// (asleep in a system call, the daemon's main loop), or, for one that never
// sleeps, when it has run kBusyCpuMs of its own CPU time without a change.
// CPU time, not wall time: on a loaded machine a runnable process may not run
// at all for longer than any fixed window. Reads start kFirstLookMs apart and
// double up to kLongestLookMs, so a daemon that is ready costs a fraction of
// a millisecond.
constexpr double kBusyCpuMs = 50;
constexpr double kFirstLookMs = 0.1;
constexpr double kLongestLookMs = 5;
bool settle_state(pid_t pid, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  std::string prev = observe::fingerprint(pid);
  std::optional<double> cpu_at_change = cpu_ms(pid);
  double look = kFirstLookMs;
  for (;;) {
    reaper.wait({}, std::min(deadline_ms, reaper.now_ms() + look));
    std::string cur = observe::fingerprint(pid);
    std::optional<double> cpu = cpu_ms(pid);
    if (cur == prev) {
      if (all_threads_waiting(pid)) return true;
      if (cpu && cpu_at_change && *cpu - *cpu_at_change >= kBusyCpuMs) return true;
    } else {
      cpu_at_change = cpu;
    }
    if (reaper.now_ms() >= deadline_ms) return false;
    prev = std::move(cur);
    look = std::min(2 * look, kLongestLookMs);
  }
}

std::map<pid_t, std::string> snapshot(pid_t holder) {
  std::map<pid_t, std::string> out;
  for (const auto& e : descendants_of(::getpid()))
    if (e.state != 'Z' && e.pid != holder) out[e.pid] = observe::fingerprint(e.pid);
  return out;
}

std::map<pid_t, double> cpu_of(const std::map<pid_t, std::string>& procs) {
  std::map<pid_t, double> out;
  for (const auto& [pid, fp] : procs) out[pid] = cpu_ms(pid).value_or(0);
  return out;
}

// True when every process is asleep, or has run kBusyCpuMs since cpu_at_change.
bool all_quiet(const std::map<pid_t, std::string>& procs,
               const std::map<pid_t, double>& cpu_at_change) {
  for (const auto& [pid, fp] : procs) {
    if (all_threads_waiting(pid)) continue;
    auto it = cpu_at_change.find(pid);
    auto cpu = cpu_ms(pid);
    if (!cpu || it == cpu_at_change.end() || *cpu - it->second < kBusyCpuMs) return false;
  }
  return true;
}

}  // namespace

std::vector<pid_t> live_descendants(const std::vector<pid_t>& except) {
  std::vector<pid_t> out;
  for (const auto& e : descendants_of(::getpid()))
    if (e.state != 'Z' && std::find(except.begin(), except.end(), e.pid) == except.end())
      out.push_back(e.pid);
  return out;
}

bool settle(const std::optional<std::string>& pidfile, pid_t holder, double quiet_ms,
            double deadline_ms) {
  Reaper& reaper = Reaper::get();
  if (pidfile) {
    // Often the pidfile is there already: then no inotify instance is made
    // (closing one that holds a watch waits for a kernel grace period).
    if (auto pid = pidfile_names_live_descendant(*pidfile)) return settle_state(*pid, deadline_ms);
    UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (in.valid())
      ::inotify_add_watch(in.get(), dirname_of(*pidfile).c_str(),
                          IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB);
    char buf[4096];
    int empty_scans = 0;
    for (;;) {
      if (auto pid = pidfile_names_live_descendant(*pidfile))
        return settle_state(*pid, deadline_ms);
      // Nobody left to write it: seen twice, so a daemon caught between its
      // parent's exit and its re-parenting is not missed.
      empty_scans = live_descendants({holder}).empty() ? empty_scans + 1 : 0;
      if (empty_scans >= 2) return true;
      // Without a watch (the folder does not exist yet) re-check every 10 ms.
      const int fds[] = {in.get()};
      double until = in.valid() && empty_scans == 0 ? deadline_ms
                                                    : std::min(deadline_ms, reaper.now_ms() + 10);
      int r = reaper.wait(fds, until);
      if (r == 0)
        while (::read(in.get(), buf, sizeof buf) > 0) {
        }
      if (r == Reaper::kTimeout && reaper.now_ms() >= deadline_ms) return false;
    }
  }
  // Without a pidfile, start-up ends when the descendants' state has not
  // changed for quiet_ms and each of them is waiting (or has run kBusyCpuMs
  // of CPU time without a change: one that never sleeps), or at once when
  // nothing is left alive: seen twice with nothing reaped in between, as in
  // the pidfile branch. A descendant that is merely runnable on a loaded
  // machine has not shown what it will do yet.
  auto prev = snapshot(holder);
  auto cpu_at_change = cpu_of(prev);
  bool busy = false;
  for (int empty_scans = prev.empty() ? 1 : 0;;) {
    if (empty_scans >= 2) return true;
    const double wait_ms = empty_scans ? 0.1 : busy ? kLongestLookMs : quiet_ms;
    int r = reaper.wait({}, std::min(deadline_ms, reaper.now_ms() + wait_ms));
    auto cur = snapshot(holder);
    if (!cur.empty()) {
      empty_scans = 0;
    } else {
      empty_scans = r == Reaper::kReaped ? 1 : empty_scans + 1;
    }
    if (r != Reaper::kReaped && cur == prev && !cur.empty()) {
      busy = !all_quiet(cur, cpu_at_change);
      if (!busy) return true;
    } else {
      busy = false;
      cpu_at_change = cpu_of(cur);
    }
    if (reaper.now_ms() >= deadline_ms) return false;
    prev = std::move(cur);
  }
}

std::vector<DaemonPick> pick_daemons(const std::optional<std::string>& pidfile,
                                     const LaunchFacts& launch) {
  const pid_t me = ::getpid();
  if (pidfile) {
    auto pid = observe::pidfile_pid(*pidfile);
    if (pid && is_live_descendant(*pid, me)) return {{*pid, "named by the pidfile"}};
  }
  std::vector<DaemonPick> out;
  for (const auto& e : descendants_of(me))
    if (e.ppid == me && e.state != 'Z' && e.pid != launch.holder_pid)
      out.push_back({e.pid, "re-parented to the checker"});
  if (out.empty() && !launch.launched_exit && is_live_descendant(launch.launched_pid, me))
    out.push_back({launch.launched_pid, "the launched process, still running"});
  return out;
}

}  // namespace dc
