// The action runner of a control check (control.md): drives SCRIPT through
// the LSB actions in one check (one {tmp}, one namespace), each action
// launched like the sysv profile's target, with the decoys, the crash and
// the recycled pid. Fills Observation::control, and Observation::daemons,
// launch and pidfile from the first `start` so that the per-daemon rules and
// survives-hangup judge the daemon it left.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/observation.h"
#include "probe/probes.h"

namespace dc {

struct ControlRequest {
  std::vector<std::string> actions{"start", "stop", "status", "restart"};
  double action_timeout_s = 10;
  bool decoys = true;
};

// ctx.command is SCRIPT [ARGS...] ({tmp} expanded), ctx.pidfile the
// --pidfile. Returns an Error when the script cannot be run at all.
std::optional<Error> run_control(const ProbeContext& ctx, const ControlRequest& req,
                                 const std::string& script_exe, const std::string& tmp,
                                 Observation& o);

}  // namespace dc
