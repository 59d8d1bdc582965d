// The active probes (rules.md, in this order because some are destructive):
// terminal hang-up, second instance, SIGHUP, SIGTERM and cleanup, then the
// startup-race trials. And the systemd profile's foreground run with a
// NOTIFY_SOCKET the checker listens on. Each probe writes its raw facts into
// Observation::probes; the rules judge them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "launch/launcher.h"
#include "model/observation.h"
#include "sys/fd.h"

namespace dc {

// What the probes need to know of the check: the target's command and
// pidfile as given (both may hold {tmp}: each relaunch and race trial has a
// temp directory of its own), and the bounds of their waits.
struct ProbeContext {
  std::vector<std::string> command;
  std::optional<std::string> pidfile;
  double start_timeout_s = 10;
  double stop_timeout_s = 5;
  double timeout_s = 60;  // the whole check (--timeout), for the notes
  // When the whole check must end, on the Reaper's clock: every wait of a
  // launch or a probe stops there.
  double deadline_ms = 1e300;
  double settle_ms = 30;  // quiet window when no pidfile is known
  int race_trials = 5;
};

// A datagram socket in the run's temp directory, as systemd's NOTIFY_SOCKET.
// Messages are accepted only from the target and its descendants (the sender's
// pid comes from SCM_CREDENTIALS).
class NotifyListener {
 public:
  static Result<NotifyListener> open(const std::string& tmp_dir);
  const std::string& address() const { return path_; }
  int fd() const { return fd_.get(); }
  // Reads every pending message into `p`.
  void drain(ForegroundProbe& p, pid_t launched_pid);

 private:
  UniqueFd fd_;
  std::string path_;
};

// systemd profile: waits until READY=1, the launched process exits, its
// descendants settle (without --notify), or the start deadline.
void run_foreground(Launch& launch, NotifyListener& notify, const ProbeContext& ctx,
                    Observation& obs, double deadline_ms);

// All probes for the profile, in order. Daemons are read from obs.daemons.
void run_probes(Launch& launch, const LaunchPlan& plan, const ProbeContext& ctx, Observation& obs,
                NotifyListener* notify);

}  // namespace dc
