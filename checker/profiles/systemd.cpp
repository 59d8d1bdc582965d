// The systemd profile: a foreground service, run the way systemd runs a unit
// made up from the command line (unit/made_up.h: Type=simple, or Type=notify
// with --notify, which makes READY=1 required), through the service launch
// (probe/service_run.h). It does not daemonize, so the terminal hang-up, the
// second instance and the start-up race do not apply; SIGHUP does, on the
// main process, and the unit's stop is the SIGTERM probe
// (check/systemd_facts.h). Its rules keep their meaning (service.md).
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kSystemdProbes[] = {ProbeStep::Sighup, ProbeStep::Sigterm};

// Startup is the unit's start job: READY=1 for Type=notify, the service at
// rest for Type=simple.
constexpr Phase kSystemdPhases[] = {kLaunchPhase, kStartupPhase, kObservePhase,
                                    kSighupPhase, kSigtermPhase, kCleanupPhase};

}  // namespace

const Profile& systemd_profile() {
  static const Profile p{
      .id = ProfileId::Systemd,
      .name = "systemd",
      .summary = "a foreground service, under a unit made from the command line",
      .launch = LaunchKind::Foreground,
      .probes = kSystemdProbes,
      .phases = kSystemdPhases,
      .discovers_pidfile = false,
      .rule_bit = profile_bit(ProfileId::Systemd),
  };
  return p;
}

}  // namespace dc
