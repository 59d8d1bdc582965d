// status and stop, identified by pidfile and lock; signals sent through pidfds.
#include "control.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <csignal>
extern "C" {  // glibc 2.36's <sys/pidfd.h> forgets to say so itself
#include <sys/pidfd.h>
}
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

#include "daemonize/fd.h"
#include "daemonize/pidfile.h"
#include "daemonize/process.h"

namespace daemonctl {

namespace {

using daemonize::Error;
using daemonize::PidfileState;
using daemonize::Result;
using daemonize::UniqueFd;
using Clock = std::chrono::steady_clock;

Outcome failure(int status, const std::string& message) {
  return {status, message, true};
}

int privilege_status(const Error& error) {
  return error.err == EACCES || error.err == EPERM ? 4 : 1;
}

// How long `status` and `stop` wait for a lock that belongs to no daemon to
// change: a start claiming the file or writing its pid, a stop removing a
// stale file. Each takes microseconds; this is a bound on a loaded machine.
constexpr std::chrono::seconds kBriefLockWait{5};

// True when two readings of the pidfile agree: same file, lock and text.
bool same_reading(const PidfileState& a, const PidfileState& b) {
  return a.exists == b.exists && a.dev == b.dev && a.ino == b.ino && a.locked == b.locked &&
         a.content == b.content;
}

// A lock that no daemon holds is brief: a start claims the file, empties it,
// locks it whole and writes its pid; a stop claims a stale file and removes
// it. Wait until the pidfile reads differently from `seen` (inotify, bounded
// by `deadline`). The folder is watched, not the file: the name may meanwhile
// be unlinked and created again.
Result<PidfileState> wait_for_change(const std::string& path, const PidfileState& seen,
                                     Clock::time_point deadline) {
  const std::filesystem::path fs_path(path);
  const std::string dir = fs_path.has_parent_path() ? fs_path.parent_path().string() : ".";
  UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!watch || ::inotify_add_watch(watch.get(), dir.c_str(),
                                    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                                        IN_MOVED_TO | IN_MOVED_FROM) < 0) {
    return daemonize::os_error("watch pidfile folder", dir);
  }
  for (;;) {
    auto state = daemonize::inspect_pidfile(path);  // after the watch: no change is missed
    if (!state || !same_reading(*state, seen)) return state;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd event{watch.get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&event, 1, static_cast<int>(left.count())) == 0) {
      return Error{"read pidfile", path, 0,
                   seen.pid ? "locked, but no process we may inspect holds its lock"
                            : "locked, but no pid was written to it"};
    }
    char drain[4096];
    while (::read(watch.get(), drain, sizeof drain) > 0) {
    }
  }
}

// True when every process behind `pidfds` exited within `timeout`.
bool wait_for_exits(const std::vector<UniqueFd>& pidfds, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<pollfd> waiting;
  for (const UniqueFd& pidfd : pidfds) waiting.push_back({pidfd.get(), POLLIN, 0});
  while (!waiting.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    const int ready =
        ::poll(waiting.data(), waiting.size(), static_cast<int>(std::max<long>(0, left.count())));
    if (ready == 0 || (ready < 0 && errno != EINTR)) return false;
    std::erase_if(waiting, [](const pollfd& p) { return p.revents != 0; });
  }
  return true;
}

// A daemon killed with SIGKILL, or a command run with --exec that does not
// clean up, leaves its pidfile behind; its lock died with it. Removing it
// takes the lock, so a daemon that is starting right now is never hit.
void remove_if_stale(const std::string& pidfile) {
  auto state = daemonize::inspect_pidfile(pidfile);
  if (state && state->exists && !state->locked) (void)daemonize::Pidfile::remove_stale(pidfile);
}

// The processes that hold the pidfile's lock, each pinned by a pidfd taken
// before checking that it holds the lock: from then on its pid cannot be
// recycled under our signal. The pid the file names when it holds the lock
// (the supervisor, not its keeper); otherwise every holder whose parent is not
// one too: an --exec command's children that inherited the lock, the keeper
// of a supervisor that was killed. Never a process the file merely names, and
// never one that merely claims it (a start or a stop at work, see
// Pidfile::acquire): only the whole-file lock a daemon holds counts.
//
// Empty unless the pidfile still reads as `state` once they are pinned: the
// holders of some other file, or of this one after `state` was read (a stop
// that removed a stale file `state` named, a start that emptied it), are not
// the daemon `state` describes.
struct Target {
  pid_t pid;
  UniqueFd pidfd;
};
Result<std::vector<Target>> daemon_processes(const std::string& path, const PidfileState& state) {
  const auto pin = [&](pid_t pid) -> Result<std::optional<Target>> {
    if (pid <= 1) return std::optional<Target>();  // never a group, never init
    UniqueFd pidfd(::pidfd_open(pid, 0));
    if (!pidfd) return std::optional<Target>();  // gone
    auto holds = daemonize::process_holds_lock(pid, state.dev, state.ino);
    if (!holds) return holds.error();
    return *holds ? std::optional<Target>(Target{pid, std::move(pidfd)}) : std::nullopt;
  };
  std::vector<Target> targets;
  if (state.pid) {
    auto named = pin(*state.pid);
    if (!named) return named.error();
    if (*named) targets.push_back(std::move(**named));
  }
  if (targets.empty()) {
    const std::vector<pid_t> holders = daemonize::lock_holders(state.dev, state.ino);
    for (const pid_t pid : holders) {
      const pid_t parent = daemonize::parent_of(pid);
      if (std::find(holders.begin(), holders.end(), parent) != holders.end()) continue;
      auto holder = pin(pid);
      if (!holder) return holder.error();
      if (*holder) targets.push_back(std::move(**holder));
    }
  }
  auto again = daemonize::inspect_pidfile(path);
  if (!again || !same_reading(*again, state)) targets.clear();
  return targets;
}

std::string pids_of(const std::vector<Target>& targets) {
  std::string text = targets.size() == 1 ? "pid " : "pids ";
  for (const Target& target : targets) {
    text += (&target == &targets.front() ? "" : ", ") + std::to_string(target.pid);
  }
  return text;
}

// SIGTERM, then SIGKILL once `deadline` passed; the outcome says which did it.
Outcome terminate(std::vector<Target>& targets, Clock::time_point deadline,
                  std::chrono::milliseconds timeout) {
  std::vector<UniqueFd> pidfds;
  for (Target& target : targets) pidfds.push_back(std::move(target.pidfd));
  const std::string who = pids_of(targets);
  for (const UniqueFd& pidfd : pidfds) {
    if (::pidfd_send_signal(pidfd.get(), SIGTERM, nullptr, 0) != 0 && errno != ESRCH) {
      const Error error = daemonize::os_error("send SIGTERM", who);
      return failure(privilege_status(error), error.message());
    }
  }
  if (wait_for_exits(pidfds,
                     std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()))) {
    return {0, "stopped (" + who + ", SIGTERM)", false};
  }
  for (const UniqueFd& pidfd : pidfds) ::pidfd_send_signal(pidfd.get(), SIGKILL, nullptr, 0);
  if (!wait_for_exits(pidfds, std::chrono::seconds(5))) {
    return failure(1, who + " survived SIGKILL (stuck in the kernel?)");
  }
  char waited[32];
  std::snprintf(waited, sizeof waited, "%g s", static_cast<double>(timeout.count()) / 1000);
  return {0, "stopped (" + who + ", SIGKILL: still running " + waited + " after SIGTERM)", false};
}

// One reading of the pidfile and its lock; nullopt when it changed while we
// looked (the daemon was exiting, a start or a stale file's removal was under
// way): read it again.
std::optional<Outcome> read_status(const std::string& pidfile) {
  auto state = daemonize::inspect_pidfile(pidfile);
  if (!state) return failure(4, "unknown: " + state.error().message());
  if (!state->exists) return Outcome{3, "not running", false};
  if (!state->locked && state->content.empty()) {
    // What a daemon that could not unlink its pidfile (privileges dropped,
    // the folder root's) leaves on orderly exit: a file that names no one.
    return Outcome{3, "not running (empty pidfile " + pidfile + ")", false};
  }
  if (!state->locked) {
    // The lock died with the daemon: a crash, or SIGKILL, left the file behind.
    const std::string pid = state->pid ? " (pid " + std::to_string(*state->pid) + ")" : "";
    return Outcome{1, "dead, but pidfile " + pidfile + " remains" + pid, false};
  }
  const Outcome starting{0, "running (starting: its pid is not written yet)", false};
  auto daemon = state->pid ? daemon_processes(pidfile, *state) : std::vector<Target>();
  if (!daemon) {  // we may not look closer: the lock says it
    return Outcome{0, "running (pid " + std::to_string(*state->pid) + ")", false};
  }
  if (daemon->empty()) {
    // No daemon holds the lock in this reading: a start (until it wrote its
    // pid) or a stop removing a stale file holds it, for a moment.
    auto changed = wait_for_change(pidfile, *state, Clock::now() + kBriefLockWait);
    if (changed) return std::nullopt;
    if (!state->pid) return starting;  // a slow start
    return failure(4, "unknown: " + changed.error().message());
  }
  const std::string named = "pid " + std::to_string(*state->pid);
  if (daemon->front().pid == *state->pid) return Outcome{0, "running (" + named + ")", false};
  // The named process is gone (or never was the daemon), but what holds the
  // lock runs on: an --exec command's child, a killed supervisor's keeper.
  return Outcome{0,
                 "running (" + pids_of(*daemon) + " holds the lock; the pidfile names " + named +
                     ", which does not)",
                 false};
}

}  // namespace

Outcome status(const std::string& pidfile) {
  for (int round = 0; round < 16; ++round) {
    if (auto outcome = read_status(pidfile)) return *outcome;
  }
  return failure(4, "unknown: the lock on " + pidfile + " keeps changing hands");
}

Outcome reload(const std::string& pidfile) {
  for (int round = 0; round < 16; ++round) {
    auto state = daemonize::inspect_pidfile(pidfile);
    if (!state) return failure(4, state.error().message());
    if (!state->exists) return failure(7, "not running");
    if (!state->locked) {
      // A pid in an unlocked pidfile may by now be any process at all.
      return failure(7, "not running (stale pidfile " + pidfile + "; its pid was not signalled)");
    }
    auto targets = state->pid ? daemon_processes(pidfile, *state) : std::vector<Target>();
    if (!targets) return failure(privilege_status(targets.error()), targets.error().message());
    if (targets->empty()) {
      // A start that has not written its pid yet, or a stop at work: wait
      // for the file to settle, signalling no one meanwhile.
      auto changed = wait_for_change(pidfile, *state, Clock::now() + kBriefLockWait);
      if (!changed) return failure(privilege_status(changed.error()), changed.error().message());
      continue;
    }
    const Target& daemon = targets->front();
    if (::pidfd_send_signal(daemon.pidfd.get(), SIGHUP, nullptr, 0) == 0)
      return {0, "reloading (pid " + std::to_string(daemon.pid) + ", SIGHUP)", false};
    if (errno != ESRCH) {
      const Error error = daemonize::os_error("send SIGHUP", "pid " + std::to_string(daemon.pid));
      return failure(privilege_status(error), error.message());
    }
    // It exited just now: read the file again.
  }
  return failure(4, "unknown: the lock on " + pidfile + " keeps changing hands");
}

Outcome stop(const std::string& pidfile, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::optional<Outcome> stopped;
  // Until the lock is free: a daemon's holders may leave others behind (an
  // --exec command's children), and a concurrent stop may beat us to it.
  for (int round = 0; round < 16; ++round) {
    auto state = daemonize::inspect_pidfile(pidfile);
    if (!state) return failure(4, state.error().message());  // unknown: not a regular file, ...
    if (!state->exists) return stopped.value_or(Outcome{0, "not running", false});
    if (!state->locked) {
      remove_if_stale(pidfile);
      // A pid in an unlocked pidfile may by now be any process at all.
      return stopped.value_or(Outcome{
          0, "not running (removed stale pidfile " + pidfile + "; its pid was not signalled)",
          false});
    }
    auto targets = state->pid ? daemon_processes(pidfile, *state) : std::vector<Target>();
    if (!targets) return failure(privilege_status(targets.error()), targets.error().message());
    if (targets->empty()) {
      // No daemon holds the lock in this reading: a start that has not
      // written its pid yet, a concurrent stop removing a stale file, or the
      // lock let go while we looked. None of them is signalled; wait for it.
      auto changed =
          wait_for_change(pidfile, *state, std::max(deadline, Clock::now() + kBriefLockWait));
      if (!changed) return failure(privilege_status(changed.error()), changed.error().message());
      continue;
    }
    // The first signalled round stops the daemon; later ones, what it left
    // holding the lock (a killed supervisor's keeper, which is ending the
    // command's tree right now): each gets its own --timeout before SIGKILL.
    const auto outcome = terminate(*targets, stopped ? Clock::now() + timeout : deadline, timeout);
    if (outcome.status != 0) return outcome;
    if (!stopped) stopped = outcome;
  }
  return failure(1, pidfile + " is still locked; could not stop what holds it");
}

}  // namespace daemonctl
