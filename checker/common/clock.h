// Monotonic time in milliseconds, the one clock every timing in a scorecard uses.
#pragma once

#include <time.h>

namespace dc {

inline double monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace dc
