// The control profile (`daemoncheck control -- SCRIPT`): a start/stop/status
// script driven through the LSB actions (control.md). The daemon its `start`
// leaves is judged by the sysv per-daemon rules and the hang-up probe.
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kControlProbes[] = {ProbeStep::Hangup};

// The whole action sequence is one phase, recorded in the scorecard's
// `control` object; the hang-up probe on the daemon `start` left runs inside it.
constexpr Phase kActionsPhase{.key = "actions", .title = "LSB actions", .record = "/control"};
constexpr Phase kControlPhases[] = {kActionsPhase, kHangupPhase, kCleanupPhase};

}  // namespace

const Profile& control_profile() {
  static const Profile p{
      .id = ProfileId::Control,
      .name = "control",
      .summary = "a start/stop/status script (daemoncheck control)",
      .launch = LaunchKind::ActionSequence,
      .probes = kControlProbes,
      .phases = kControlPhases,
      .discovers_pidfile = true,
      .rule_bit = profile_bit(ProfileId::Control),
  };
  return p;
}

}  // namespace dc
