// The human summary printed on stdout: one line per rule with a mark, then the
// verdict. Rendered from the JSON scorecard like every other format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dc {

struct TextStyle {
  bool color = false;
};

std::string render_text(const nlohmann::json& scorecard, const TextStyle& style = {});

}  // namespace dc
