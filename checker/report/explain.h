// What `daemoncheck --list-rules` and `--explain RULE` print: the catalogue as
// a table, and one rule's explanation with its fixes in C, Python and shell.
// Rendered from the catalogue, not from a scorecard: they need no run.
#pragma once

#include <string>

#include "rules/catalog.h"

namespace dc {

// One line per rule: id, severity, profiles, seed step. A severity that
// depends on the options (privileges-dropped, ...) is marked with '*'.
std::string render_rule_list();

// The rule's title and classification, then "What it checks", "Why it
// matters", "How daemoncheck observes it", and the three fixes.
std::string render_explanation(const RuleDef& rule);

// "sysv", "systemd" or "sysv, systemd".
std::string profile_names(unsigned profiles);

}  // namespace dc
