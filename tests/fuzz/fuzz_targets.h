// What each fuzzed parser promises, one function per parser. A target gets the
// raw input, must not crash, and abort()s when a promise its callers rely on
// is broken. The libFuzzer harnesses and the corpus replay test share them.
#pragma once

#include <span>
#include <string_view>

namespace dc::fuzz {

struct Target {
  std::string_view name;  // also the folder of its corpus: corpus/<name>/
  void (*run)(std::string_view input);
};

// Every target: stat, status, locks, fdinfo, environ, limits, maps, pidfile,
// signals, waivers, unit, execline.
std::span<const Target> targets();

}  // namespace dc::fuzz
