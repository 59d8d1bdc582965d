// See tracked.h.
#include "launch/tracked.h"

#include <unistd.h>

#include <algorithm>

#include "launch/signal_guard.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"

namespace dc {

std::vector<Tracked> track(const std::vector<pid_t>& pids) {
  std::vector<Tracked> out;
  for (pid_t p : pids) {
    UniqueFd fd = open_descendant_pidfd(p);
    if (fd.valid()) out.push_back({p, std::move(fd), {}});
  }
  return out;
}

std::vector<Tracked> track_live_descendants(const std::vector<pid_t>& except) {
  std::vector<Tracked> out;
  for (const auto& e : descendants_of(::getpid())) {
    if (e.state == 'Z' || std::find(except.begin(), except.end(), e.pid) != except.end()) continue;
    UniqueFd fd = open_descendant_pidfd(e.pid);
    if (fd.valid()) out.push_back({e.pid, std::move(fd), e.comm});
  }
  return out;
}

void wait_all_exit(const std::vector<Tracked>& ts, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  for (;;) {
    std::vector<int> fds;
    for (const auto& t : ts)
      if (t.fd.valid() && pidfd_alive(t.fd.get())) fds.push_back(t.fd.get());
    if (fds.empty()) return;
    // Any readable pidfd means one more exited; loop to re-check the rest.
    if (reaper.wait(fds, deadline_ms) == Reaper::kTimeout) return;
  }
}

}  // namespace dc
