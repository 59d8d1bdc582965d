// The sysv profile (the default): a program that daemonizes itself, judged
// against the seed tutorial's steps and daemon(7)'s SysV list.
#include "profiles/profile.h"

namespace dc {
namespace {

constexpr ProbeStep kProbes[] = {ProbeStep::Hangup, ProbeStep::SecondInstance, ProbeStep::Sighup,
                                 ProbeStep::Sigterm, ProbeStep::RaceTrials};

constexpr Phase kPhases[] = {
    {.key = "launch", .title = "launch", .record = "/launch"},
    {.key = "settle", .title = "startup", .record = ""},
    {.key = "observe", .title = "read /proc", .record = "/daemons"},
    {.key = "hangup", .title = "hang-up probe", .record = "/probes/hangup"},
    {.key = "second_instance", .title = "second instance", .record = "/probes/second_instance"},
    {.key = "sighup", .title = "SIGHUP probe", .record = "/probes/sighup"},
    {.key = "sigterm", .title = "SIGTERM probe", .record = "/probes/sigterm"},
    {.key = "race_trials", .title = "race trials", .record = "/probes/race"},
    {.key = "cleanup", .title = "cleanup", .record = "/cleanup"},
};

}  // namespace

const Profile& sysv_profile() {
  static const Profile p{
      .id = ProfileId::Sysv,
      .name = "sysv",
      .summary = "a self-forking daemon",
      .launch = LaunchKind::Daemonizing,
      .probes = kProbes,
      .phases = kPhases,
      .discovers_pidfile = true,
      .rule_bit = profile_bit(ProfileId::Sysv),
  };
  return p;
}

}  // namespace dc
