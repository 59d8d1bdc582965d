// A profile is the kind of program a check takes the target for, and so how
// it is launched, which probes run, and which rules judge it. Each profile is
// one file (sysv.cpp, systemd.cpp) that fills in a Profile; the rest of the
// checker asks the descriptor instead of comparing names. The planned modes
// (service, control and container: the spec pages of those names) each add an
// enumerator, a file and, when their start differs, a LaunchKind.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace dc {

enum class ProfileId : unsigned { Sysv, Systemd, Service, Control };

// How the target is started and when its start-up ends.
enum class LaunchKind {
  // As from a messy interactive shell (pty, session holder, planted
  // inheritance), expecting it to daemonize: start-up ends when the launched
  // process has exited and what it left has settled.
  Daemonizing,
  // The same dirty start with a NOTIFY_SOCKET, staying in the foreground:
  // start-up ends at READY=1, at its exit, or at the start timeout.
  Foreground,
  // As systemd starts a unit (service.md): a clean launch as a child of PID 1
  // of the check's namespace; start-up ends as the unit's Type= says.
  Service,
  // A start/stop/status script driven through a sequence of actions, each
  // launched the daemonizing way (control.md).
  ActionSequence,
};

// The active probes (rules.md), in the order they run: destructive ones last.
enum class ProbeStep { Hangup, SecondInstance, Sighup, Sigterm, RaceTrials };

// A phase of a check as the reports show it: its key in the scorecard's
// timings_ms, its title, and where the scorecard records what it saw. The
// reports' phase table follows the profile's list, and a test holds the
// scorecard schema's `required` lists to the records (profile_schema_test).
struct Phase {
  std::string_view key;    // "launch", "sighup", "race_trials", ...
  std::string_view title;  // "launch", "SIGHUP probe", "race trials", ...
  // A JSON pointer ("/probes/sighup") that every scorecard of the profile
  // carries, so the schema requires it for the profile's scorecards: without
  // a condition or under an `allOf` entry `if` target.profile is the
  // profile's name; empty when the phase keeps nothing of its own.
  std::string_view record;
};

// The phases of the profiles so far, for their lists.
inline constexpr Phase kLaunchPhase{.key = "launch", .title = "launch", .record = "/launch"};
inline constexpr Phase kStartupPhase{.key = "settle", .title = "startup", .record = ""};
inline constexpr Phase kObservePhase{.key = "observe", .title = "read /proc", .record = "/daemons"};
inline constexpr Phase kHangupPhase{
    .key = "hangup", .title = "hang-up probe", .record = "/probes/hangup"};
inline constexpr Phase kSecondInstancePhase{
    .key = "second_instance", .title = "second instance", .record = "/probes/second_instance"};
inline constexpr Phase kSighupPhase{
    .key = "sighup", .title = "SIGHUP probe", .record = "/probes/sighup"};
inline constexpr Phase kSigtermPhase{
    .key = "sigterm", .title = "SIGTERM probe", .record = "/probes/sigterm"};
inline constexpr Phase kRaceTrialsPhase{
    .key = "race_trials", .title = "race trials", .record = "/probes/race"};
inline constexpr Phase kCleanupPhase{.key = "cleanup", .title = "cleanup", .record = "/cleanup"};

// The phase a probe step is timed as.
constexpr const Phase& probe_phase(ProbeStep step) {
  switch (step) {
    case ProbeStep::Hangup:
      return kHangupPhase;
    case ProbeStep::SecondInstance:
      return kSecondInstancePhase;
    case ProbeStep::Sighup:
      return kSighupPhase;
    case ProbeStep::Sigterm:
      return kSigtermPhase;
    case ProbeStep::RaceTrials:
      break;
  }
  return kRaceTrialsPhase;
}

struct Profile {
  ProfileId id;
  std::string_view name;     // as --profile and the scorecard spell it
  std::string_view summary;  // for --help
  LaunchKind launch;
  std::span<const ProbeStep> probes;  // a subsequence of ProbeStep's order
  // What it reports: the phases a check of it times, in the order they run.
  std::span<const Phase> phases;
  // Without --pidfile, look for one the daemon holds or wrote.
  bool discovers_pidfile;
  // The profile's bit in RuleDef::profiles: the catalogue rules carrying it
  // judge this profile.
  unsigned rule_bit;

  bool runs(ProbeStep step) const;
  // The phase of that key; nullptr when the profile has none.
  const Phase* phase(std::string_view key) const;
};

// One per file.
const Profile& sysv_profile();
const Profile& systemd_profile();
const Profile& service_profile();
const Profile& control_profile();

const Profile& profile(ProfileId id);
// The profile --profile NAME asks for; nullopt for an unknown name.
std::optional<ProfileId> profile_named(std::string_view name);
// Every profile, in ProfileId order.
std::span<const Profile* const> all_profiles();
// "sysv|systemd": the names, for usage lines.
std::string profile_name_list(std::string_view separator = "|");

constexpr unsigned profile_bit(ProfileId id) {
  return 1U << static_cast<unsigned>(id);
}

}  // namespace dc
