// See fileio.h.
#include "sys/fileio.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sys/fd.h"

namespace dc::sys {

Result<std::string> read_fd(int fd, size_t max_bytes, const std::string& subject) {
  std::string out;
  char buf[8192];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd, buf, std::min(sizeof buf, max_bytes - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("read", subject);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> read_file_at(int dfd, const std::string& path, size_t max_bytes,
                                 int extra_flags) {
  UniqueFd fd(::openat(dfd, path.c_str(), O_RDONLY | O_CLOEXEC | extra_flags));
  if (!fd.valid()) return os_error("open", path);
  return read_fd(fd.get(), max_bytes, path);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace dc::sys
