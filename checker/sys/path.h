// The parts of a path, as dirname(1) and basename(1) name them, without
// touching the file system.
#pragma once

#include <string>
#include <string_view>

namespace dc::sys {

// The folder a path names its file in: "a/b" -> "a", "/x" -> "/", "x" -> ".".
inline std::string folder_of(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

// The last part of a path: "a/b" -> "b", "x" -> "x".
inline std::string base_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace dc::sys
