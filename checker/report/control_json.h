// The scorecard's "control" object (daemoncheck control): every action run,
// the decoys, the crash and the recycled pid. Read back by the text and
// HTML reports.
#pragma once

#include <nlohmann/json.hpp>

#include "model/control.h"

namespace dc {

nlohmann::json control_json(const ControlFacts& c);

// The exit status LSB expects of an action at its step ("3", "0", "1", "2",
// "0 or 1"), or "" when the step fixes none (`run`).
std::string expected_exit(const nlohmann::json& action);

// The text report's list of the actions, one line each ("" when the
// scorecard has no control object).
std::string control_actions_text(const nlohmann::json& sc);

// The HTML report's section of the actions, as a timeline ("" without a
// control object).
std::string control_timeline_html(const nlohmann::json& sc);

}  // namespace dc
