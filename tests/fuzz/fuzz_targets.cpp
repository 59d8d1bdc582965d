// See fuzz_targets.h.
#include "fuzz_targets.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/waivers.h"
#include "observe/proc_parse.h"

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
  const std::string& message = result.error().message;
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
    const std::string& message = waivers.error().message;
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

constexpr std::array kTargets{
    Target{"stat", stat_target},       Target{"status", status_target},
    Target{"locks", locks_target},     Target{"fdinfo", fdinfo_target},
    Target{"environ", environ_target}, Target{"limits", limits_target},
    Target{"maps", maps_target},       Target{"pidfile", pidfile_target},
    Target{"signals", signals_target}, Target{"waivers", waivers_target},
};

}  // namespace

std::span<const Target> targets() {
  return kTargets;
}

}  // namespace dc::fuzz
