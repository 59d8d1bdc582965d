// The profile descriptors (checker/profiles): one per profile, found by the
// name --profile takes, each probe list in the order the probes run.
#include "profiles/profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace dc {
namespace {

TEST(Profiles, NamesRoundTrip) {
  ASSERT_EQ(all_profiles().size(), 4u);
  for (const Profile* p : all_profiles()) {
    EXPECT_EQ(&profile(p->id), p);
    EXPECT_EQ(profile_named(p->name), p->id);
  }
  EXPECT_EQ(profile_named("sysv"), ProfileId::Sysv);
  EXPECT_EQ(profile_named("systemd"), ProfileId::Systemd);
  EXPECT_EQ(profile_named("control"), ProfileId::Control);
  EXPECT_EQ(profile(ProfileId::Control).launch, LaunchKind::ActionSequence);
  EXPECT_FALSE(profile_named("SysV"));
  EXPECT_FALSE(profile_named(""));
  EXPECT_FALSE(profile_named("container"));  // planned, not yet a profile
  EXPECT_EQ(profile_named("service"), ProfileId::Service);
  EXPECT_EQ(profile_name_list(), "sysv|systemd|service|control");
}

TEST(Profiles, ProbesRunInTheFixedOrder) {
  for (const Profile* p : all_profiles())
    EXPECT_TRUE(std::is_sorted(p->probes.begin(), p->probes.end())) << p->name;
}

// Each probe a profile runs is timed as a phase of its list, and the phases
// keep the probes' order.
TEST(Profiles, ReportAPhaseForEachProbeTheyRun) {
  for (const Profile* p : all_profiles()) {
    const Phase* last = nullptr;
    for (ProbeStep s : p->probes) {
      const Phase* ph = p->phase(probe_phase(s).key);
      ASSERT_NE(ph, nullptr) << p->name << " " << probe_phase(s).key;
      EXPECT_EQ(ph->record, probe_phase(s).record);
      if (last) {
        EXPECT_LT(last, ph) << p->name;
      }
      last = ph;
    }
  }
}

TEST(Profiles, SysvDaemonizesAndRunsEveryProbe) {
  const Profile& p = profile(ProfileId::Sysv);
  EXPECT_EQ(p.launch, LaunchKind::Daemonizing);
  EXPECT_TRUE(p.discovers_pidfile);
  for (ProbeStep s : {ProbeStep::Hangup, ProbeStep::SecondInstance, ProbeStep::Sighup,
                      ProbeStep::Sigterm, ProbeStep::RaceTrials})
    EXPECT_TRUE(p.runs(s));
}

TEST(Profiles, SystemdStaysInTheForegroundWithSignalProbesOnly) {
  const Profile& p = profile(ProfileId::Systemd);
  EXPECT_EQ(p.launch, LaunchKind::Foreground);
  EXPECT_FALSE(p.discovers_pidfile);
  EXPECT_TRUE(p.runs(ProbeStep::Sighup));
  EXPECT_TRUE(p.runs(ProbeStep::Sigterm));
  EXPECT_FALSE(p.runs(ProbeStep::Hangup));
  EXPECT_FALSE(p.runs(ProbeStep::SecondInstance));
  EXPECT_FALSE(p.runs(ProbeStep::RaceTrials));
}

TEST(Profiles, ServiceRunsTheUnitWithTheSighupProbeOnly) {
  const Profile& p = profile(ProfileId::Service);
  EXPECT_EQ(p.name, "service");
  EXPECT_EQ(p.launch, LaunchKind::Service);
  EXPECT_FALSE(p.discovers_pidfile);
  EXPECT_TRUE(p.runs(ProbeStep::Sighup));
  for (ProbeStep s :
       {ProbeStep::Hangup, ProbeStep::SecondInstance, ProbeStep::Sigterm, ProbeStep::RaceTrials})
    EXPECT_FALSE(p.runs(s));
}

TEST(Profiles, EachHasItsOwnRuleBit) {
  EXPECT_NE(profile(ProfileId::Sysv).rule_bit, profile(ProfileId::Systemd).rule_bit);
  EXPECT_NE(profile(ProfileId::Service).rule_bit, profile(ProfileId::Systemd).rule_bit);
  for (const Profile* p : all_profiles()) EXPECT_EQ(p->rule_bit, profile_bit(p->id));
}

}  // namespace
}  // namespace dc
