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

// Service (--unit) and Control have their enumerators and rule bits ahead
// of their files.
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
  // A start/stop/status script driven through a sequence of actions, each
  // launched the daemonizing way (control.md).
  ActionSequence,
};

// The active probes (rules.md), in the order they run: destructive ones last.
enum class ProbeStep { Hangup, SecondInstance, Sighup, Sigterm, RaceTrials };

struct Profile {
  ProfileId id;
  std::string_view name;     // as --profile and the scorecard spell it
  std::string_view summary;  // for --help
  LaunchKind launch;
  std::span<const ProbeStep> probes;  // a subsequence of ProbeStep's order
  // Without --pidfile, look for one the daemon holds or wrote.
  bool discovers_pidfile;
  // The profile's bit in RuleDef::profiles: the catalogue rules carrying it
  // judge this profile.
  unsigned rule_bit;

  bool runs(ProbeStep step) const;
};

// One per file.
const Profile& sysv_profile();
const Profile& systemd_profile();
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
