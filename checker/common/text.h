// Small text helpers shared by the checker's stages.
#pragma once

#include <cstdio>
#include <string>

namespace dc {

inline std::string octal(unsigned v, int width = 4) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*o", width, v);
  return buf;
}

inline std::string fixed_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", ms);
  return buf;
}

}  // namespace dc
