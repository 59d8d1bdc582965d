// The rule catalogue: every rule's id, title, severity, seed step, profiles,
// its explanation and its check. A check is a pure function of the
// Observation (and, for per-daemon rules, of one daemon's facts). Rules live
// in topic files (session.cpp, files.cpp, ...); adding a rule means adding one
// entry to its topic's list, a test and a case: catalogue_consistency_test
// then names what else must mention it (the man page, cases/README.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/observation.h"
#include "model/rule.h"
#include "profiles/profile.h"

namespace dc {

struct Verdict {
  Status status = Status::Skip;
  std::string message;
  nlohmann::json evidence = nlohmann::json::object();
};

inline Verdict pass(std::string msg, nlohmann::json ev = nlohmann::json::object()) {
  return {Status::Pass, std::move(msg), std::move(ev)};
}
inline Verdict fail(std::string msg, nlohmann::json ev = nlohmann::json::object()) {
  return {Status::Fail, std::move(msg), std::move(ev)};
}
inline Verdict skip(std::string msg, nlohmann::json ev = nlohmann::json::object()) {
  return {Status::Skip, std::move(msg), std::move(ev)};
}
inline Verdict error(std::string msg, nlohmann::json ev = nlohmann::json::object()) {
  return {Status::Error, std::move(msg), std::move(ev)};
}

// What --explain prints: what the rule checks, why it matters, how the
// checker observes it, and the fix in C, Python and shell.
struct RuleDoc {
  const char* checks = "";
  const char* why = "";
  const char* how = "";
  const char* fix_c = "";
  const char* fix_python = "";
  const char* fix_shell = "";
};

// RuleDef::profiles: the profiles a rule judges (Profile::rule_bit).
enum ProfileBits : unsigned {
  kSysv = profile_bit(ProfileId::Sysv),
  kSystemd = profile_bit(ProfileId::Systemd),
  kBoth = kSysv | kSystemd,
  kService = profile_bit(ProfileId::Service),
  kControl = profile_bit(ProfileId::Control),
};

// Written with designated initializers, naming only the fields a rule sets.
struct RuleDef {
  std::string id;
  std::string title;
  Severity severity = Severity::Required;
  std::string seed_step;
  unsigned profiles = kSysv;
  // Exactly one of the two checks is set.
  Verdict (*per_daemon)(const Observation&, const DaemonFacts&) = nullptr;
  Verdict (*per_run)(const Observation&) = nullptr;
  // For rules whose severity depends on the options (privileges-dropped, ...).
  Severity (*severity_for)(const Observation&) = nullptr;
  RuleDoc doc;
};

const std::vector<RuleDef>& catalog();
const RuleDef* find_rule(std::string_view id);
// The catalogue id closest to `id` (for "did you mean").
std::string closest_rule(std::string_view id);

// The steps the rules teach, as a learner reads them: the tutorial's and
// daemon(7)'s numbered steps, then the named ones in the spec's order.
struct SeedStep {
  const char* step;   // a RuleDef's seed_step: "3b", "There can be only one", ...
  const char* title;  // "Step 3b · Start a new session"
};
const std::vector<SeedStep>& seed_steps();
// The title of a seed step, also for the combined ones a rule may name
// ("2, 3 and daemon(7) 15" -> "Steps 2, 3 and daemon(7) 15").
std::string seed_step_title(std::string_view step);

// Topic lists, assembled by catalog().
void add_lifecycle_rules(std::vector<RuleDef>& out);
void add_session_rules(std::vector<RuleDef>& out);
void add_process_rules(std::vector<RuleDef>& out);
void add_file_rules(std::vector<RuleDef>& out);
void add_signal_rules(std::vector<RuleDef>& out);
void add_pidfile_rules(std::vector<RuleDef>& out);
void add_probe_rules(std::vector<RuleDef>& out);
void add_service_rules(std::vector<RuleDef>& out);
void add_control_rules(std::vector<RuleDef>& out);

}  // namespace dc
