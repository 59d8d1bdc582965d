// Ends everything the target started: SIGTERM, a bounded wait on pidfds, then
// SIGKILL, repeated until no descendant is left, then every zombie reaped.
// Runs on every path out of the checker, interrupts included.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dc {

struct CleanupReport {
  std::vector<pid_t> terminated;   // ended by SIGTERM
  std::vector<pid_t> killed;       // needed SIGKILL
  std::vector<std::string> comms;  // names, for the summary
  double ms = 0;
};

// grace_ms bounds the wait between SIGTERM and SIGKILL.
CleanupReport kill_all_descendants(double grace_ms);

// Removes a directory tree without following symbolic links and without
// crossing into another mount: what the target mounted inside it is detached
// first (lazily, MNT_DETACH), and a mount that cannot be detached is left
// alone, with the folders above it. Everything is removed relative to
// directory descriptors (unlinkat), so a path swapped meanwhile cannot
// redirect the removal.
void remove_tree(const std::string& path);

// A temporary directory made with mkdtemp() under $TMPDIR (or /tmp), mode
// 0755 so a daemon that drops privileges still reaches it, and removed with
// everything in it when the object goes away, exceptions included.
// The folder holds a mark made with O_EXCL (.daemoncheck-owner: the owning
// checker's host pid and start time), so that sweep_stale_temp_dirs() can
// remove the folders of a checker that was killed, and only those.
class TempDir {
 public:
  static std::optional<TempDir> make(const std::string& prefix);
  TempDir(TempDir&& o) noexcept : path_(std::exchange(o.path_, std::string())) {}
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir() { remove_tree(path_); }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

// Removes the temp folders (TempDir) of checkers that are gone: what a
// checker killed with SIGKILL leaves. A folder is recognised by its mark
// (the owner's pid and start time), never by its name alone, and is kept
// while that process runs.
void sweep_stale_temp_dirs();

}  // namespace dc
