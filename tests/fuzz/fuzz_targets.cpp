// See fuzz_targets.h.
#include "fuzz_targets.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cli/waivers.h"
#include "common/signals.h"
#include "parse/proc_parse.h"
#include "unit/environment_file.h"
#include "unit/exec_line.h"
#include "unit/service_config.h"
#include "unit/specifiers.h"
#include "unit/unit_file.h"

namespace dc::fuzz {
namespace {

using namespace dc::observe;

void require(bool promise_kept) {
  if (!promise_kept) std::abort();
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// An error is one short printable line that names its file.
template <class T>
void check_error(const Result<T>& result, std::string_view file) {
  if (result.ok()) return;
  const std::string& message = result.error().message();
  require(message.starts_with(std::string(file) + ": "));
  require(message.size() < 300);
  require(printable(message));
}

size_t count_lines(std::string_view text) {
  size_t newlines = std::count(text.begin(), text.end(), '\n');
  return newlines + (!text.empty() && !text.ends_with('\n') ? 1 : 0);
}

void stat_target(std::string_view text) {
  auto stat = parse_stat(text);
  check_error(stat, "/proc/PID/stat");
  if (stat) require(stat->pid > 0);
}

void status_target(std::string_view text) {
  check_error(parse_status(text), "/proc/PID/status");
}

void locks_target(std::string_view text) {
  LockTable table = parse_locks(text);
  require(table.locks.size() + table.malformed == count_lines(text));
  for (const LockLine& lock : table.locks) {
    require(lock.raw.find('\n') == std::string::npos && !lock.kind.empty());
  }
}

// Every "lock:\t" line is a lock or a malformed one; nothing else counts.
void fdinfo_target(std::string_view text) {
  LockTable table = parse_fdinfo_locks(text);
  size_t lock_lines = 0;
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (text.substr(pos, end - pos).starts_with("lock:\t")) ++lock_lines;
    pos = end + 1;
  }
  require(table.locks.size() + static_cast<size_t>(table.malformed) == lock_lines);
}

void environ_target(std::string_view text) {
  EnvironBlock block = parse_environ(text);
  for (const std::string& entry : block.entries) {
    require(!entry.empty() && entry.find('\0') == std::string::npos);
    if (block.key_value) require(entry.find('=') != std::string::npos && entry[0] != '=');
  }
}

void limits_target(std::string_view text) {
  check_error(parse_limits_core(text), "/proc/PID/limits");
}

void maps_target(std::string_view text) {
  auto maps = parse_maps(text);
  check_error(maps, "/proc/PID/maps");
  if (!maps) return;
  require(maps->size() == count_lines(text));
  for (const MapRegion& region : *maps) require(region.start < region.end);
}

void pidfile_target(std::string_view text) {
  auto pid = parse_pidfile(text);
  check_error(pid, "pidfile");
  if (pid) require(*pid >= 1 && *pid <= 4194304);
}

// The input's first eight bytes are a SigCgt/SigIgn/SigBlk mask.
void signals_target(std::string_view text) {
  uint64_t mask = 0;
  std::memcpy(&mask, text.data(), std::min(text.size(), sizeof mask));
  std::vector<int> signals = signals_in_mask(mask);
  require(signals.size() == static_cast<size_t>(std::popcount(mask)));
  for (int signo : signals) require(signal_name(signo).starts_with("SIG"));
}

// A waiver names a known rule with a non-empty reason, once; an error names
// FILE:LINE.
void waivers_target(std::string_view text) {
  auto waivers = parse_waivers(text, "w.txt");
  if (!waivers) {
    const std::string& message = waivers.error().message();
    require(message.starts_with("w.txt:") && printable(message));
    return;
  }
  for (size_t i = 0; i < waivers->size(); ++i) {
    const Waiver& w = (*waivers)[i];
    require(!w.id.empty() && !w.reason.empty());
    require(w.reason.front() != ' ' && w.reason.back() != ' ');
    for (size_t j = 0; j < i; ++j) require((*waivers)[j].id != w.id);
  }
}

// A unit file: every finding is one printable line about a real line; an
// assignment's key and value hold no line end; a resolved service has an
// ExecStart= or says fatally why not, and lists each not-simulated key once.
void unit_target(std::string_view text) {
  dc::unit::UnitFile unit;
  unit.path = "u.service";
  unit.name = *dc::unit::split_unit_name("u@i.service");
  dc::unit::parse_unit_text(text, "u.service", unit.assignments, unit.findings);
  // Lines end at \n, \r and NUL: their count bounds the line numbers.
  const int lines =
      static_cast<int>(std::count_if(text.begin(), text.end(),
                                     [](char c) { return c == '\n' || c == '\r' || c == '\0'; })) +
      1;
  for (const dc::unit::Finding& f : unit.findings) {
    const std::string line = describe(f);
    require(printable(line) && line.starts_with("u.service:") && f.line >= 1 && f.line <= lines);
  }
  for (const dc::unit::Assignment& a : unit.assignments) {
    require(!a.key.empty() && !a.section.empty() && a.line >= 1);
    require(a.key.find_first_of(std::string_view("\n\r\0", 3)) == std::string::npos);
    require(a.value.find_first_of(std::string_view("\n\r\0", 3)) == std::string::npos);
  }
  auto config = dc::unit::resolve_service(unit, dc::unit::SpecifierHost{});
  if (!config) return require(printable(config.error().message()));
  require(!config->exec_start.empty() || has_fatal(config->findings));
  for (const dc::unit::Finding& f : config->findings) require(printable(describe(f)));
  for (size_t i = 0; i < config->not_simulated.size(); ++i) {
    require(dc::unit::known_service_key(config->not_simulated[i]));
    for (size_t j = 0; j < i; ++j) require(config->not_simulated[j] != config->not_simulated[i]);
  }
}

// An Exec*= value: each command names a program, absolute or bare, and an
// argv; an error is one short printable line. Expansion, the environment
// file parser and the other value parsers never crash.
void execline_target(std::string_view text) {
  auto commands = dc::unit::parse_exec_value(text);
  if (!commands) {
    require(printable(commands.error().message()) && commands.error().message().size() < 300);
  } else {
    const std::map<std::string, std::string> env{{"A", std::string(text.substr(0, 64))}};
    for (const dc::unit::ExecCommand& c : *commands) {
      require(!c.path.empty() && !c.argv.empty());
      require(c.path.starts_with('/') || c.path.find('/') == std::string::npos);
      std::vector<std::string> argv = dc::unit::expand_argv(c, env);
      if (!c.expand_environment) require(argv == c.argv);
    }
  }
  (void)dc::unit::split_words(text);
  dc::unit::EnvironmentText env_file = dc::unit::parse_environment_file(text, "e");
  for (const auto& [name, value] : env_file.assignments) {
    require(!name.empty() && name.find_first_of("= \t\n") == std::string::npos);
  }
  for (const dc::unit::Finding& f : env_file.findings) require(printable(describe(f)));
  auto span = dc::unit::parse_timespan(text);
  if (!span) require(printable(span.error().message()) && span.error().message().size() < 300);
  auto signo = dc::unit::parse_signal(text);
  if (!signo) require(printable(signo.error().message()) && signo.error().message().size() < 300);
  if (signo) require(*signo >= 1 && *signo <= 64);
  auto resolved = dc::unit::resolve_specifiers(
      text, *dc::unit::split_unit_name("a-b@c\\x2d.service"), dc::unit::SpecifierHost{});
  if (!resolved) require(printable(resolved.error().message()));
}

constexpr std::array kTargets{
    Target{"stat", stat_target},       Target{"status", status_target},
    Target{"locks", locks_target},     Target{"fdinfo", fdinfo_target},
    Target{"environ", environ_target}, Target{"limits", limits_target},
    Target{"maps", maps_target},       Target{"pidfile", pidfile_target},
    Target{"signals", signals_target}, Target{"waivers", waivers_target},
    Target{"unit", unit_target},       Target{"execline", execline_target},
};

}  // namespace

std::span<const Target> targets() {
  return kTargets;
}

}  // namespace dc::fuzz
