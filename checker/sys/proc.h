// Naming and listing what /proc holds: one process's files, and the numbered
// entries of a directory (/proc itself, /proc/PID/task, /proc/PID/fd).
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dc::sys {

// "/proc/PID/leaf" ("/proc/PID" for an empty leaf).
std::string proc_path(pid_t pid, std::string_view leaf = {});

// The entries of the directory at path (relative to dfd) whose names are
// whole decimal numbers, ascending: the pids in /proc, the threads in
// /proc/PID/task, the descriptors in /proc/PID/fd. Error ("list", path,
// errno) when it cannot be opened.
Result<std::vector<int>> numbered_entries_at(int dfd, const std::string& path);
inline Result<std::vector<int>> numbered_entries(const std::string& path) {
  return numbered_entries_at(AT_FDCWD, path);
}
// The same for a directory already open on dirfd, read from its offset with
// large getdents64 batches (a /proc/PID/fd of tens of thousands of
// descriptors in a few calls), so that its entries can then be read relative
// to dirfd (readlinkat, fstatat) without opening it again.
std::vector<int> numbered_entries_in(int dirfd);

// The threads of pid (/proc/PID/task); empty when pid is gone.
std::vector<pid_t> threads_of(pid_t pid);

}  // namespace dc::sys
