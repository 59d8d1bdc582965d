// case.json manifests, read the same way by `daemoncheck suite` and by the
// cases' test driver (tests/cases/case_driver.cpp). A manifest is one target
// object ({"name", "command", "options", "expect"}), an array of them, or
// {"targets": [...]}. "{KEY}" in a command or option is replaced by the
// token's value; "{SOURCE}" is the manifest's folder and "{TMP}" the check's
// own {tmp}. With "expect", a scorecard matches when every listed rule has the
// listed status ("fail|pass" accepts either: a rule that depends on a race the
// target does not control) and every unlisted rule passes or skips.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dc::manifest {

// json's moves are noexcept; the check reads through the invariant assertions
// of its destructor.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct Target {
  std::string name;
  std::vector<std::string> options, command;  // tokens replaced
  nlohmann::json expect;                      // null when the manifest sets none
};

// Token name -> value: "BUILD", "BIN:example-daemon", a --set KEY.
using Tokens = std::map<std::string, std::string>;

// Tokens that are no key of `tokens` stay as they are, unless `strict`: then
// an unknown or unterminated token is an error.
struct Reading {
  Tokens tokens;
  bool strict = false;
};

// Reads the targets of `file` into `out`; false with `err` (naming the file)
// when the file is unreadable, not JSON, or a target is malformed.
bool read(const std::string& file, const Reading& how, std::vector<Target>& out, std::string& err);

// Replaces the tokens of `text`; false with `err` on a strict reading's
// unknown or unterminated token.
bool expand(const std::string& text, const Reading& how, std::string& out, std::string& err);

// Whether `have` is one of the '|'-separated `expected` statuses.
bool status_matches(std::string_view have, std::string_view expected);

// One rule of a scorecard against the manifest.
struct RuleCheck {
  std::string rule, expected, got, message;
  bool listed = false;  // named by "expect"
  bool ok = false;
};

// Every rule of `rules` (a scorecard's "rules" array), in its order, then each
// listed rule the scorecard lacks (got "absent"). An unlisted rule expects
// "pass|skip"; a rule in `may_skip` is also fine as skip.
std::vector<RuleCheck> check_rules(const nlohmann::json& rules, const nlohmann::json& expect,
                                   const std::set<std::string>& may_skip = {});

}  // namespace dc::manifest
