// Reaper is the checker's side of every wait: it makes the checker a child
// subreaper, turns SIGCHLD and the interrupting signals into events on a
// signalfd, reaps every child that exits (recording how it ended) and polls
// the caller's descriptors against a deadline. One per checker process.
#pragma once

#include <sys/types.h>

#include <span>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "model/observation.h"

namespace dc {

// Thrown out of a wait when the checker gets SIGINT, SIGTERM, SIGHUP or
// SIGQUIT; caught at the top, which cleans up and exits 128+signo.
struct Interrupted {
  int signo;
};

class Reaper {
 public:
  static Result<Reaper*> install();  // the process-wide instance
  static Reaper& get();

  // Milliseconds since install(): the time axis of the scorecard.
  double now_ms() const;

  // Waits until one of fds is readable (returns its index), a child was reaped
  // (returns kReaped), or deadline_ms passes (returns kTimeout). A negative fd
  // in the list is ignored.
  static constexpr int kTimeout = -1;
  static constexpr int kReaped = -2;
  int wait(std::span<const int> fds, double deadline_ms);

  // Reaps every exited child without blocking; returns how many.
  int reap_now();

  // Every child reaped so far, in order.
  const std::vector<ExitInfo>& reaped() const { return reaped_; }

  // After cleanup starts, interrupts no longer throw: they only get recorded.
  void stop_interrupts() { interrupts_throw_ = false; }
  int interrupted_by() const { return interrupted_by_; }

  // The mask the checker runs with; children restore `original_mask()`.
  const sigset_t& original_mask() const { return original_mask_; }

 private:
  Reaper() = default;
  void drain_signals();

  UniqueFd sigfd_;
  sigset_t original_mask_{};
  double origin_ms_ = 0;
  std::vector<ExitInfo> reaped_;
  bool interrupts_throw_ = true;
  int interrupted_by_ = 0;
};

}  // namespace dc
