// File descriptors: an owning handle, and the "close everything we inherited"
// step (daemon(7) SysV step 1, the tutorial's step 7).
#pragma once

#include <fcntl.h>

#include <span>
#include <string_view>

#include "daemonize/error.h"
#include "daemonize/unique_fd.h"

namespace daemonize {

struct Pipe {
  UniqueFd read, write;
};
// pipe2(); O_CLOEXEC by default, so no program we exec inherits either end.
Result<Pipe> make_pipe(int flags = O_CLOEXEC);

// Closes every descriptor except 0, 1, 2 and those in `keep`, so that nothing
// the launching shell or its parents left open (a terminal, a log file, the
// write end of someone's pipe) stays open for the daemon's whole life: a pipe
// whose write end lingers never reaches EOF, and an open file keeps its file
// system busy. close_range(2) does it in one call; where the kernel lacks it,
// close_listed_fds() is the fallback.
Result<void> close_inherited_fds(std::span<const int> keep);

// The fallback: closes what /proc/self/fd lists, or, without /proc, every
// number up to RLIMIT_NOFILE (daemon(7) step 1 recommends exactly this).
Result<void> close_listed_fds(std::span<const int> keep);

// Writes all of `data`, retrying after EINTR and short writes.
Result<void> write_all(int fd, std::string_view data);

}  // namespace daemonize
