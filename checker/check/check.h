// One check of one target, end to end on the OS side: make the temp directory,
// launch, settle, observe, probe, clean up. Returns the Observation the judge
// reads; everything the target started is gone when run_check() returns.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "launch/cleanup.h"
#include "launch/isolation.h"
#include "model/observation.h"
#include "probe/control.h"
#include "probe/service_run.h"

namespace dc {

struct CheckOptions {
  std::vector<std::string> command;  // may hold {tmp}
  ProfileId profile = ProfileId::Sysv;
  std::optional<std::string> pidfile;  // may hold {tmp}
  double start_timeout_s = 10;
  double stop_timeout_s = 5;
  double timeout_s = 60;  // the whole check (--timeout)
  // When the whole check must end, on the Reaper's clock (set by run_check
  // from timeout_s): every wait of a launch or a probe stops there.
  double deadline_ms = 1e300;
  double settle_ms = 30;  // quiet window when no pidfile is known
  int race_trials = 5;
  bool notify = false;
  bool probes = true;
  std::optional<pid_t> attach;
  std::optional<std::string> expect_cwd, expect_root;  // may hold {tmp}
  std::optional<unsigned> expect_umask;
  std::optional<std::string> expect_user, expect_group;  // as given
  std::optional<unsigned> expect_uid, expect_gid;        // resolved
  Isolation isolation;  // what enter_isolation() achieved, for the scorecard
  // The service profile (--unit): the unit file, a template's instance,
  // the cap on WATCHDOG_USEC (--watchdog-usec), --dirty; and the unit as
  // load_service_unit() read it.
  std::optional<std::string> unit;
  std::optional<std::string> instance;
  uint64_t watchdog_usec = 2'000'000;
  bool dirty = false;
  std::shared_ptr<const LoadedUnit> loaded_unit;
  ControlRequest control;  // daemoncheck control: the actions and their bounds
};

struct CheckRun {
  Observation obs;
  CleanupReport cleanup;
  std::string started_at;  // ISO 8601, UTC
  double duration_ms = 0;
};

// The service profile: reads and resolves the unit into opt.loaded_unit.
// Call before enter_isolation(), while the host's /tmp is still in view. An
// Error (a missing or unreadable unit file, Type=dbus) is exit status 3.
std::optional<Error> load_service_unit(CheckOptions& opt);

// The host paths the check's command names (its arguments; the inherited
// environment of a control script or a target started by hand; with a unit every command's,
// WorkingDirectory=, RootDirectory=, the environment's values): a fresh /tmp or /var/tmp still
// shows the entries they lie in (enter_isolation's `keep`). Call after load_service_unit().
std::vector<std::string> paths_named(const CheckOptions& opt);

// Error is "the check could not be run" (exit status 3): the target cannot be
// executed, no pty, no /proc. Interrupted propagates to the caller after
// everything was cleaned up.
Result<CheckRun> run_check(const CheckOptions& opt);

}  // namespace dc
