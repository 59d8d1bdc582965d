// The sysv profile (the default): a program that daemonizes itself, judged
// against the seed tutorial's steps and daemon(7)'s SysV list.
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kSysvProbes[] = {ProbeStep::Hangup, ProbeStep::SecondInstance,
                                     ProbeStep::Sighup, ProbeStep::Sigterm, ProbeStep::RaceTrials};

constexpr Phase kSysvPhases[] = {kLaunchPhase,  kStartupPhase,        kObservePhase,
                                 kHangupPhase,  kSecondInstancePhase, kSighupPhase,
                                 kSigtermPhase, kRaceTrialsPhase,     kCleanupPhase};

}  // namespace

const Profile& sysv_profile() {
  static const Profile p{
      .id = ProfileId::Sysv,
      .name = "sysv",
      .summary = "a self-forking daemon",
      .launch = LaunchKind::Daemonizing,
      .probes = kSysvProbes,
      .phases = kSysvPhases,
      .discovers_pidfile = true,
      .rule_bit = profile_bit(ProfileId::Sysv),
  };
  return p;
}

}  // namespace dc
