// See proc.h.
#include "sys/proc.h"

#include <charconv>
#include <cstring>

#include "sys/fd.h"

namespace dc::sys {

std::string proc_path(pid_t pid, std::string_view leaf) {
  std::string path = "/proc/" + std::to_string(pid);
  if (!leaf.empty()) path.append("/").append(leaf);
  return path;
}

Result<std::vector<int>> numbered_entries_at(int dfd, const std::string& path) {
  UniqueDir dir =
      UniqueDir::adopt(UniqueFd(::openat(dfd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
  if (!dir) return os_error("list", path);
  std::vector<int> out;
  while (dirent* e = dir.next()) {
    const char* name = e->d_name;
    int n = 0;
    auto [end, ec] = std::from_chars(name, name + std::strlen(name), n);
    if (ec == std::errc() && *end == '\0' && n >= 0) out.push_back(n);
  }
  return out;
}

std::vector<pid_t> threads_of(pid_t pid) {
  auto tids = numbered_entries(proc_path(pid, "task"));
  return tids ? std::vector<pid_t>(tids->begin(), tids->end()) : std::vector<pid_t>{};
}

}  // namespace dc::sys
