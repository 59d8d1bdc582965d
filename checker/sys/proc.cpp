// See proc.h.
#include "sys/proc.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
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
  UniqueFd dir(::openat(dfd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return os_error("list", path);
  return numbered_entries_in(dir.get());
}

std::vector<int> numbered_entries_in(int dirfd) {
  struct Dirent64 {  // the kernel's struct linux_dirent64
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
  };
  std::vector<int> out;
  alignas(8) static thread_local char buf[1 << 16];
  for (;;) {
    const long n = ::syscall(SYS_getdents64, dirfd, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      const auto* e = reinterpret_cast<const Dirent64*>(buf + at);
      at += e->d_reclen;
      const char* name = e->d_name;
      const char* end = name + std::strlen(name);
      int v = 0;
      auto [p, ec] = std::from_chars(name, end, v);
      if (ec == std::errc() && p == end && v >= 0) out.push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> threads_of(pid_t pid) {
  auto tids = numbered_entries(proc_path(pid, "task"));
  return tids ? std::vector<pid_t>(tids->begin(), tids->end()) : std::vector<pid_t>{};
}

}  // namespace dc::sys
