// Reaper is the checker's side of every wait: it makes the checker a child
// subreaper, turns SIGCHLD and the interrupting signals into events on a
// signalfd, reaps every child that exits (recording how it ended) and polls
// the caller's descriptors against a deadline, while it reads and throws away
// whatever arrives on the drained descriptors (the launches' pty masters, so a
// target writing to its terminal never blocks on a full buffer). One per
// checker process.
#pragma once

#include <sys/types.h>

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/observation.h"
#include "sys/fd.h"

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
  // While one lives, an interrupt is recorded but not thrown. Every wait of a
  // cleanup holds one: a cleanup ends what it started, and one that runs in a
  // destructor must not throw (that would end the checker with nothing
  // removed). The next wait after it throws the interrupt it kept.
  class HeldInterrupts {
   public:
    HeldInterrupts() : was_(std::exchange(get().interrupts_throw_, false)) {}
    ~HeldInterrupts() { get().interrupts_throw_ = was_; }
    HeldInterrupts(const HeldInterrupts&) = delete;
    HeldInterrupts& operator=(const HeldInterrupts&) = delete;

   private:
    bool was_;
  };
  int interrupted_by() const { return interrupted_by_; }
  // Interrupting signals that came from the target and were ignored.
  struct SignalFrom {
    int signo;
    pid_t sender;
  };
  const std::vector<SignalFrom>& ignored_signals() const { return ignored_signals_; }

  // The mask the checker runs with; children restore `original_mask()`.
  const sigset_t& original_mask() const { return original_mask_; }

  // From now on every wait() also empties fd (made non-blocking), until it
  // reports a hang-up or an error, keeping the last kTailBytes read in *tail
  // when tail is set. Use DrainedFd rather than these.
  static constexpr size_t kTailBytes = 4096;
  void start_draining(int fd, std::string* tail = nullptr);
  void stop_draining(int fd);
  // Reads what fd holds now, without waiting (into its tail).
  void drain_now(int fd);

 private:
  Reaper() = default;
  void drain_signals();
  void drain(size_t index, short revents);

  UniqueFd sigfd_;
  sigset_t original_mask_{};
  double origin_ms_ = 0;
  std::vector<ExitInfo> reaped_;
  bool interrupts_throw_ = true;
  int interrupted_by_ = 0;
  struct Drained {
    int fd;
    std::string* tail;
  };
  std::vector<Drained> drained_;
  std::vector<SignalFrom> ignored_signals_;
};

// A descriptor the Reaper drains once start_draining() is called, and stops
// draining before it is closed.
class DrainedFd {
 public:
  DrainedFd() = default;
  DrainedFd(DrainedFd&& o) noexcept
      : fd_(std::move(o.fd_)),
        draining_(std::exchange(o.draining_, false)),
        tail_(std::exchange(o.tail_, std::make_unique<std::string>())) {}
  DrainedFd& operator=(DrainedFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::move(o.fd_);
      draining_ = std::exchange(o.draining_, false);
      tail_ = std::exchange(o.tail_, std::make_unique<std::string>());
    }
    return *this;
  }
  ~DrainedFd() { reset(); }

  int get() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }
  // Closing reads what is still buffered first, so the tail is complete.
  void reset(int fd = -1) {
    if (draining_) {
      Reaper::get().drain_now(fd_.get());
      Reaper::get().stop_draining(fd_.get());
    }
    draining_ = false;
    fd_.reset(fd);
  }
  void start_draining() {
    if (fd_.valid() && !draining_) Reaper::get().start_draining(fd_.get(), tail_.get());
    draining_ = fd_.valid();
  }
  // The last Reaper::kTailBytes read from it, kept after it is closed.
  const std::string& tail() const {
    if (draining_) Reaper::get().drain_now(fd_.get());
    return *tail_;
  }

 private:
  UniqueFd fd_;
  bool draining_ = false;
  std::unique_ptr<std::string> tail_ = std::make_unique<std::string>();  // stable address
};

}  // namespace dc
