// The human summary printed on stdout: one line per rule with a mark, the
// severity and the message; unused waivers; then the verdict and the report
// path last. Rendered from the JSON scorecard like every other format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dc {

struct TextStyle {
  bool color = false;       // ANSI colours (the caller decides: terminal, --color, NO_COLOR)
  std::string report_path;  // the scorecard's path, printed last; none when empty
  // Other reports written in the same run, as (format, path): listed before the verdict.
  std::vector<std::pair<std::string, std::string>> also_written;
};

std::string render_text(const nlohmann::json& scorecard, const TextStyle& style = {});

}  // namespace dc
