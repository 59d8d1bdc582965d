// Waivers from a file (--waivers FILE): one "RULE-ID reason" a line, '#'
// starts a comment line, blank lines are fine. A malformed line or an unknown
// rule id is a usage error that names FILE:LINE.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "rules/judge.h"

namespace dc {

// `name` is what the errors call the file ("waivers.txt").
Result<std::vector<Waiver>> parse_waivers(std::string_view text, const std::string& name);

Result<std::vector<Waiver>> read_waivers_file(const std::string& path);

}  // namespace dc
