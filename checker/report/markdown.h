// Markdown (GitHub flavour) for a pull request comment or a CI job summary
// ($GITHUB_STEP_SUMMARY): the verdict as a heading, one table row per rule,
// the evidence of every rule that did not pass in a collapsed block, waivers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dc {

std::string render_markdown(const nlohmann::json& scorecard);

}  // namespace dc
