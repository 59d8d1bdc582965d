// Descriptor ownership and closing what the daemon inherited.
#include "daemonize/fd.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

namespace daemonize {

Result<Pipe> make_pipe(int flags) {
  int fds[2];
  if (::pipe2(fds, flags) != 0) return os_error("pipe", "");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("write", "fd " + std::to_string(fd));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

namespace {

// 0, 1, 2 and `keep`, sorted and unique: the descriptors that stay open.
std::vector<int> kept_fds(std::span<const int> keep) {
  std::vector<int> kept{0, 1, 2};
  kept.insert(kept.end(), keep.begin(), keep.end());
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  return kept;
}

}  // namespace

Result<void> close_inherited_fds(std::span<const int> keep) {
  // Close the gaps between the kept descriptors: [k_i + 1, k_{i+1} - 1], then
  // everything above the last one.
  const std::vector<int> kept = kept_fds(keep);
  for (size_t i = 0; i < kept.size(); ++i) {
    const unsigned first = static_cast<unsigned>(kept[i]) + 1;
    const unsigned last = i + 1 < kept.size() ? static_cast<unsigned>(kept[i + 1]) - 1 : ~0U;
    if (first > last) continue;
    if (::close_range(first, last, 0) != 0) {
      if (errno == ENOSYS || errno == EINVAL) return close_listed_fds(keep);  // before Linux 5.9
      return os_error("close_range", std::to_string(first) + "-" + std::to_string(last));
    }
  }
  return {};
}

Result<void> close_listed_fds(std::span<const int> keep) {
  const std::vector<int> kept = kept_fds(keep);
  const auto is_kept = [&](int fd) { return std::binary_search(kept.begin(), kept.end(), fd); };

  std::vector<int> open_fds;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    // Collect first, close after: closing while reading would pull the
    // directory listing's own descriptor out from under readdir().
    while (const dirent* entry = ::readdir(dir)) {
      int fd = -1;
      const char* end = entry->d_name + std::strlen(entry->d_name);
      if (std::from_chars(entry->d_name, end, fd).ptr == end && fd != ::dirfd(dir)) {
        open_fds.push_back(fd);
      }
    }
    ::closedir(dir);
  } else {
    // No /proc (early boot, a chroot): try every possible number.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return os_error("getrlimit", "RLIMIT_NOFILE");
    const rlim_t top = limit.rlim_cur == RLIM_INFINITY ? 65536 : limit.rlim_cur;
    for (rlim_t fd = 3; fd < top; ++fd) open_fds.push_back(static_cast<int>(fd));
  }
  for (int fd : open_fds) {
    if (!is_kept(fd)) ::close(fd);  // EBADF for numbers that were not open: fine
  }
  return {};
}

}  // namespace daemonize
