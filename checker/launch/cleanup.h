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

// grace_ms bounds the wait between SIGTERM and SIGKILL. Processes listed in
// `spare` are left alone (none of the checker's own uses it yet).
CleanupReport kill_all_descendants(double grace_ms);

// Removes a directory tree without following symbolic links.
void remove_tree(const std::string& path);

// A temporary directory made with mkdtemp() under $TMPDIR (or /tmp), mode
// 0755 so a daemon that drops privileges still reaches it, and removed with
// everything in it when the object goes away, exceptions included.
// The folder's name carries the owning checker's pid (its host pid when the
// check runs in a PID namespace), so that the namespace's init can remove the
// folders of a checker that was killed (remove_temp_dirs_of), and
// sweep_stale_temp_dirs() those of one killed without isolation.
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
// daemoncheck killed without isolation (or together with its init) leaves.
void sweep_stale_temp_dirs();

// Removes the temp folders of the checker whose (host) pid is `owner`: what
// init does once daemoncheck was killed (isolation.cpp).
void remove_temp_dirs_of(pid_t owner);

}  // namespace dc
