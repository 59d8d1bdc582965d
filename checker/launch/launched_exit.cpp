// See launched_exit.h.
#include "launch/launched_exit.h"

#include <signal.h>

#include <algorithm>

#include "launch/signal_guard.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"

namespace dc {
namespace {

// How long the session holder gets to report an exit it has seen.
constexpr double kHolderReportMs = 200;

// The session holder, stopped by the target (SIGSTOP to its parent), cannot
// report the launched process's exit: continue it, as the user would.
void continue_if_stopped(const Launch& launch) {
  auto e = read_proc_entry(launch.facts.holder_pid);
  if (e && (e->state == 'T' || e->state == 't') && launch.holder_pidfd.valid())
    send_signal(launch.holder_pidfd.get(), SIGCONT);
}

}  // namespace

void wait_launched_exit(Launch& launch, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  if (launch.facts.holder_pid == 0) {
    launch.wait_exit(deadline_ms);
    return;
  }
  while (!launch.exited() && launch.holder_events.valid()) {
    const int fds[] = {launch.holder_events.get(), launch.target_pidfd.get()};
    const int r = reaper.wait(fds, deadline_ms);
    if (r == Reaper::kTimeout) break;
    if (r == 0) launch.poll_holder();
    if (r != 1) continue;
    // The launched process has ended: the holder's word follows at once.
    if (launch.wait_exit(std::min(deadline_ms, reaper.now_ms() + kHolderReportMs))) break;
    continue_if_stopped(launch);
    launch.wait_exit(deadline_ms);
    break;
  }
  if (launch.exited()) return;
  // The holder's messages end (it died) a moment before it can be reaped.
  auto holder_reaped = [&] {
    for (const auto& e : reaper.reaped())
      if (e.pid == launch.facts.holder_pid) launch.facts.holder_exit = e;
    return launch.facts.holder_exit.has_value();
  };
  if (!launch.holder_events.valid())
    while (!holder_reaped() && reaper.wait({}, deadline_ms) != Reaper::kTimeout) {
    }
  if (!holder_reaped()) return;  // the deadline ended the wait
  const int fds[] = {launch.target_pidfd.get()};
  for (;;) {
    reaper.reap_now();
    for (const auto& e : reaper.reaped())
      if (e.pid == launch.facts.launched_pid) launch.facts.launched_exit = e;
    if (launch.facts.launched_exit || !launch.target_pidfd.valid()) return;
    if (reaper.wait(fds, deadline_ms) == Reaper::kTimeout) return;
  }
}

}  // namespace dc
