// The systemd profile: a foreground service given a NOTIFY_SOCKET (--notify:
// READY=1 is required). It does not daemonize, so the terminal hang-up, the
// second instance and the start-up race do not apply; SIGHUP and SIGTERM do.
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kProbes[] = {ProbeStep::Sighup, ProbeStep::Sigterm};

// Startup is the wait for READY=1 (or the start timeout).
constexpr Phase kPhases[] = {kLaunchPhase, kStartupPhase, kObservePhase,
                             kSighupPhase, kSigtermPhase, kCleanupPhase};

}  // namespace

const Profile& systemd_profile() {
  static const Profile p{
      .id = ProfileId::Systemd,
      .name = "systemd",
      .summary = "a foreground service",
      .launch = LaunchKind::Foreground,
      .probes = kProbes,
      .phases = kPhases,
      .discovers_pidfile = false,
      .rule_bit = profile_bit(ProfileId::Systemd),
  };
  return p;
}

}  // namespace dc
