// The text of an EnvironmentFile= as systemd 252 reads it (env-file.c):
// KEY=VALUE lines, "#" and ";" comments, single quotes taken literally,
// double quotes with \" \\ \` \$ escapes, a backslash-newline continuing a
// value. Pure: the launch reads the file and passes its text here.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "unit/unit_file.h"

namespace dc::unit {

struct EnvironmentText {
  std::vector<std::pair<std::string, std::string>> assignments;  // in order
  std::vector<Finding> findings;  // lines systemd ignores (no '=', a bad name)
};

EnvironmentText parse_environment_file(std::string_view text, const std::string& file);

}  // namespace dc::unit
