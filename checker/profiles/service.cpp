// The service profile (`daemoncheck --unit`, service.md): a program started
// the way systemd starts it for its unit (a clean launch as a child of PID 1,
// stdout and stderr on the journal's stand-in, NOTIFY_SOCKET by Type= and
// NotifyAccess=), started, reloaded, watched and stopped as the unit says.
// Of the active probes only SIGHUP applies (sighup-handled, on the main
// process); the stop is the unit's own (ExecStop=, KillMode=), not a probe.
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kServiceProbes[] = {ProbeStep::Sighup};

// The unit's own start, reload, watchdog and stop are one phase, recorded in
// the scorecard's `service` object; the SIGHUP probe runs inside it.
constexpr Phase kServicePhase{
    .key = "service", .title = "start, reload, watchdog, stop", .record = "/service"};
constexpr Phase kServicePhases[] = {kServicePhase, kSighupPhase, kCleanupPhase};

}  // namespace

const Profile& service_profile() {
  static const Profile p{
      .id = ProfileId::Service,
      .name = "service",
      .summary = "a systemd unit and its program (--unit)",
      .launch = LaunchKind::Service,
      .probes = kServiceProbes,
      .phases = kServicePhases,
      .discovers_pidfile = false,
      .rule_bit = profile_bit(ProfileId::Service),
  };
  return p;
}

}  // namespace dc
