// The JSON scorecard: the one document every other format is rendered from.
// Its shape is described by scorecard.schema.json beside this file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/observation.h"
#include "rules/judge.h"

namespace dc {

inline constexpr const char* kScorecardSchema = "daemoncheck.scorecard/1";

struct RunMeta {
  std::vector<std::string> command;  // as given (with {tmp})
  std::string started_at;
  double duration_ms = 0;
  bool strict = false;
  std::string pidfile_option;
  std::vector<pid_t> cleanup_terminated, cleanup_killed;
  std::vector<std::string> cleanup_comms;
  double cleanup_ms = 0;
};

nlohmann::json scorecard_json(const Observation& obs, const Judgement& j, const RunMeta& meta);

}  // namespace dc
