// A rule's verdict on one run, and the catalogue entry that describes the rule.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dc {

enum class Status { Pass, Fail, Skip, Error, Waived };
enum class Severity { Required, Recommended, Info };

const char* to_string(Status s);
const char* to_string(Severity s);

struct RuleResult {
  std::string id;
  std::string title;
  Severity severity = Severity::Required;
  Status status = Status::Skip;
  std::string message;  // one line a learner can act on
  nlohmann::json evidence = nlohmann::json::object();
  std::string seed_step;      // "5", "3b", "daemon(7) 15", ...
  std::string waiver_reason;  // set when status is Waived
};

}  // namespace dc
