// The judge: runs the catalogue over one Observation, applies waivers and
// --strict, and computes the verdict and exit status. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/observation.h"
#include "model/rule.h"

namespace dc {

struct Waiver {
  std::string id;
  std::string reason;
  bool used = false;  // it turned a failure into `waived`
};

struct Judgement {
  std::vector<RuleResult> results;
  std::vector<Waiver> waivers;
  std::map<std::string, int> counts;  // per status
  bool pass = true;
  int exit_status = 0;
};

Judgement judge(const Observation& obs, std::vector<Waiver> waivers, bool strict);

// Evaluates one rule (used by judge() and by the rule tests).
RuleResult evaluate_rule(const struct RuleDef& rule, const Observation& obs);

}  // namespace dc
