// The report formats by name, for `daemoncheck render` and for the reports a
// run writes: every one is rendered from the JSON scorecard.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "report/text.h"

namespace dc {

enum class Format { Text, Json, Junit, Sarif, Html, Markdown };

std::optional<Format> format_from_name(std::string_view name);
const char* format_name(Format f);

// The document in format f. `text` only matters for Format::Text.
std::string render(Format f, const nlohmann::json& scorecard, const TextStyle& text = {});

// The scorecard as written to disk: two-space JSON, invalid UTF-8 (a path
// read from /proc can hold any bytes) replaced by U+FFFD, newline-terminated.
std::string scorecard_text(const nlohmann::json& scorecard);

}  // namespace dc
