// status and stop, identified by pidfile and lock; signals sent through pidfds.
#include "control.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <csignal>
extern "C" {  // glibc 2.36's <sys/pidfd.h> forgets to say so itself
#include <sys/pidfd.h>
}
#include <cstdio>

#include "daemonize/fd.h"
#include "daemonize/pidfile.h"

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

// A starting daemon locks its pidfile a moment before it writes its pid: wait
// for the pid to appear (inotify, bounded by `deadline`).
Result<PidfileState> wait_for_pid(const std::string& path, Clock::time_point deadline) {
  UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!watch || ::inotify_add_watch(watch.get(), path.c_str(), IN_MODIFY | IN_CLOSE_WRITE) < 0) {
    return daemonize::os_error("watch pidfile", path);
  }
  for (;;) {
    auto state = daemonize::inspect_pidfile(path);  // after the watch: no write is missed
    if (!state || state->pid || !state->locked) return state;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd event{watch.get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&event, 1, static_cast<int>(left.count())) == 0) {
      return Error{"read pidfile", path, 0, "locked, but no pid was written to it"};
    }
    char drain[4096];
    while (::read(watch.get(), drain, sizeof drain) > 0) {
    }
  }
}

// True when the process behind `pidfd` exited within `timeout`.
bool wait_for_exit(int pidfd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd exited{pidfd, POLLIN, 0};
    const int ready = ::poll(&exited, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

// A daemon killed with SIGKILL, or a command run with --exec that does not
// clean up, leaves its pidfile behind; its lock died with it.
void remove_if_stale(const std::string& pidfile) {
  auto state = daemonize::inspect_pidfile(pidfile);
  if (state && state->exists && !state->locked) (void)daemonize::Pidfile::remove_stale(pidfile);
}

}  // namespace

Outcome status(const std::string& pidfile) {
  auto state = daemonize::inspect_pidfile(pidfile);
  if (!state) return failure(4, "unknown: " + state.error().message());
  if (!state->exists) return {3, "not running", false};
  if (!state->locked && state->content.empty()) {
    // What a daemon that could not unlink its pidfile (privileges dropped,
    // the folder root's) leaves on orderly exit: a file that names no one.
    return {3, "not running (empty pidfile " + pidfile + ")", false};
  }
  if (!state->locked) {
    // The lock died with the daemon: a crash, or SIGKILL, left the file behind.
    const std::string pid = state->pid ? " (pid " + std::to_string(*state->pid) + ")" : "";
    return {1, "dead, but pidfile " + pidfile + " remains" + pid, false};
  }
  if (!state->pid) return {0, "running (starting: its pid is not written yet)", false};
  return {0, "running (pid " + std::to_string(*state->pid) + ")", false};
}

Outcome stop(const std::string& pidfile, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto state = daemonize::inspect_pidfile(pidfile);
  if (state && state->locked && !state->pid) state = wait_for_pid(pidfile, deadline);
  if (!state) return failure(privilege_status(state.error()), state.error().message());
  if (!state->exists) return {0, "not running", false};
  if (!state->locked) {
    // A pid in an unlocked pidfile may by now be any process at all.
    return {0, "not running (stale pidfile " + pidfile + "; its pid was not signalled)", false};
  }
  const pid_t pid = *state->pid;
  if (pid <= 1) return failure(1, pidfile + " names pid " + std::to_string(pid) + "; refusing");

  // Pin the process with a pidfd first, then check that it is the one holding
  // the pidfile: from then on its pid cannot be recycled under our signal.
  UniqueFd pidfd(::pidfd_open(pid, 0));
  if (!pidfd) {
    return failure(1, "pidfile " + pidfile + " is locked, but pid " + std::to_string(pid) +
                          " named in it " +
                          (errno == ESRCH ? "does not exist" : "is out of reach"));
  }
  auto holds = daemonize::process_has_file_open(pid, state->dev, state->ino);
  if (!holds) return failure(privilege_status(holds.error()), holds.error().message());
  if (!*holds) {
    return failure(1, "pid " + std::to_string(pid) + " does not have " + pidfile +
                          " open; it is not the daemon, refusing to signal it");
  }

  const std::string who = "pid " + std::to_string(pid);
  if (::pidfd_send_signal(pidfd.get(), SIGTERM, nullptr, 0) != 0 && errno != ESRCH) {
    const Error error = daemonize::os_error("send SIGTERM", who);
    return failure(privilege_status(error), error.message());
  }
  if (wait_for_exit(pidfd.get(),
                    std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()))) {
    remove_if_stale(pidfile);
    return {0, "stopped (" + who + ", SIGTERM)", false};
  }
  ::pidfd_send_signal(pidfd.get(), SIGKILL, nullptr, 0);
  if (!wait_for_exit(pidfd.get(), std::chrono::seconds(5))) {
    return failure(1, who + " survived SIGKILL (stuck in the kernel?)");
  }
  remove_if_stale(pidfile);
  char waited[32];
  std::snprintf(waited, sizeof waited, "%g s", static_cast<double>(timeout.count()) / 1000);
  return {0, "stopped (" + who + ", SIGKILL: still running " + waited + " after SIGTERM)", false};
}

}  // namespace daemonctl
