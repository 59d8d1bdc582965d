// Command lines of Exec*= settings as systemd.service(5) "Command lines"
// defines them: the prefixes "-", "@", ":", "+", "!", "!!", C-style escapes,
// single and double quotes, a lone ";" between commands, and at exec time
// the expansion of "$VAR" (split into words) and "${VAR}" (one word). Pure.
// Specifiers are resolved before (specifiers.h), as systemd does.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dc::unit {

// What a "+", "!" or "!!" prefix asks for.
enum class Privileges { normal, full, no_setuid, ambient };

struct ExecCommand {
  std::string path;                // the program: absolute, or a bare name to search
  std::vector<std::string> argv;   // argv[0] included, before environment expansion
  bool ignore_failure = false;     // "-": a failing exit does not fail the unit
  bool argv0_given = false;        // "@": argv[0] is the word after the program
  bool expand_environment = true;  // ":" turns the $VAR expansion off
  Privileges privileges = Privileges::normal;
  // A bare name is looked up in systemd's fixed search path at launch.
  bool needs_search() const { return !path.starts_with('/'); }
};

// systemd's compiled-in search path for a program given without a '/'.
inline constexpr std::string_view kExecSearchPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// One Exec*= value, specifiers already resolved. Several commands may be
// separated by a lone ";" ("\;" is a literal semicolon). An empty value
// yields no command (it resets the list). Bad syntax is an Error saying what.
Result<std::vector<ExecCommand>> parse_exec_value(std::string_view value);

// Words of a value as systemd splits Environment=, PassEnvironment=,
// RuntimeDirectory= and the like: whitespace separates, quotes group, C
// escapes are decoded.
Result<std::vector<std::string>> split_words(std::string_view value);

// argv with $VAR and ${VAR} expanded from `env` as systemd does at exec time:
// a word that is exactly "$VAR" becomes the value's words (none when VAR is
// unset); "${VAR}" inside a word becomes the value (empty when unset); "$$"
// is a "$". With ":" the argv is returned as it is.
std::vector<std::string> expand_argv(const ExecCommand& command,
                                     const std::map<std::string, std::string>& env);

}  // namespace dc::unit
