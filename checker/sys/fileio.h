// Reading and writing whole small files: one definition of each, with a size
// bound, for /proc files, pidfiles, scorecards and the waivers file.
#pragma once

#include <fcntl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dc::sys {

// Open flags for a path the target could have planted: never through a
// symbolic link, never blocking on a FIFO.
constexpr int kUntrusted = O_NOFOLLOW | O_NONBLOCK;

// Everything fd reads until end of file, at most max_bytes (the rest is left
// unread, so a caller that must refuse a larger file asks for one byte more).
// Retries after EINTR; on a failed read the Error is ("read", subject, errno).
Result<std::string> read_fd(int fd, size_t max_bytes, const std::string& subject);

// The whole file at path (relative to dfd, or to the working directory for
// AT_FDCWD), at most max_bytes, opened O_RDONLY | O_CLOEXEC | extra_flags.
// A /proc file is read whole this way, in one pass from one descriptor, so
// its lines describe one moment. On failure the Error is ("open" or "read",
// path, errno), and errno is left as the failed call set it.
Result<std::string> read_file_at(int dfd, const std::string& path, size_t max_bytes = 1 << 20,
                                 int extra_flags = 0);
inline Result<std::string> read_file(const std::string& path, size_t max_bytes = 1 << 20,
                                     int extra_flags = 0) {
  return read_file_at(AT_FDCWD, path, max_bytes, extra_flags);
}

// Writes all of data, retrying after EINTR and short writes. False (errno
// set) when a write fails. Allocates nothing, so a child between fork and
// exec may call it.
bool write_all(int fd, std::string_view data);

}  // namespace dc::sys
