// The control profile (`daemoncheck control -- SCRIPT`): a start/stop/status
// script driven through the LSB actions (control.md). The daemon its `start`
// leaves is judged by the sysv per-daemon rules and the hang-up probe.
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kProbes[] = {ProbeStep::Hangup};

}  // namespace

const Profile& control_profile() {
  static const Profile p{
      .id = ProfileId::Control,
      .name = "control",
      .summary = "a start/stop/status script (daemoncheck control)",
      .launch = LaunchKind::ActionSequence,
      .probes = kProbes,
      .discovers_pidfile = true,
      .rule_bit = profile_bit(ProfileId::Control),
  };
  return p;
}

}  // namespace dc
