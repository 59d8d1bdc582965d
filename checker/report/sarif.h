// SARIF 2.1.0, for code-scanning dashboards: every rule of the run is a
// reportingDescriptor with its explanation and fixes as help text, every rule
// result is a result. Failures carry a level by severity (required: error,
// recommended: warning, info: note); passes are kind "pass" and skips kind
// "notApplicable" (level "none"); a waived failure is a failure with an
// accepted external suppression that carries the waiver's reason.
#pragma once

#include <nlohmann/json.hpp>

namespace dc {

nlohmann::json render_sarif(const nlohmann::json& scorecard);

}  // namespace dc
