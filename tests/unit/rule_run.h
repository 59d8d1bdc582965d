// One rule of the catalogue judged on a hand-made Observation, as the rule
// tests judge them.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "model/observation.h"
#include "rules/catalog.h"
#include "rules/judge.h"

namespace dc {

inline RuleResult run(const std::string& id, const Observation& o) {
  const RuleDef* r = find_rule(id);
  EXPECT_NE(r, nullptr) << id;
  return evaluate_rule(*r, o);
}

inline Status status(const std::string& id, const Observation& o) {
  return run(id, o).status;
}

}  // namespace dc
