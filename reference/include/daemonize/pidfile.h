// The pidfile: "there can be only one". A file that names the daemon's pid
// and is write-locked for the daemon's whole life: the lock, not the file's
// existence, says that the daemon runs, so a pidfile left by a crash (stale:
// nobody holds its lock) is taken over, and a pid in it is never trusted alone.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemonize/error.h"
#include "daemonize/fd.h"

namespace daemonize {

class Pidfile {
 public:
  // Opens `path` (created with mode 0644; a symbolic link is refused, so a
  // hostile link cannot redirect what a root daemon writes) and takes an OFD
  // write lock on it. When another process holds the lock the daemon is
  // already running: the Error says so (is_already_running()) and the file is
  // left exactly as it was. A stale file is taken over and emptied.
  //
  // Why an OFD lock (F_OFD_SETLK): it belongs to the open file description,
  // not to the process, so it is taken once, before the first fork, and the
  // daemon inherits it through fork, and a program through exec when the
  // descriptor is not close-on-exec. A classic POSIX lock (F_SETLK) is not
  // inherited by fork, and is dropped when the process closes *any*
  // descriptor of the file.
  //
  // The lock is taken in two steps: first a claim (a lock on kClaimOffset),
  // which conflicts with a daemon's lock and with every other claim, then,
  // once the file is empty, the whole file. So a whole-file lock never goes
  // with a stale pid, and a process that only claims the file (a start, or a
  // stop removing a stale file, at work for a moment) is never taken for a
  // daemon (process_holds_lock()). Such a claim is waited out (inotify, 5 s
  // at most) rather than reported as a running daemon.
  static Result<Pidfile> acquire(const std::string& path);
  // Removes `path` if it is stale (unlocked), taking its lock to do so, as
  // after a daemon was killed with SIGKILL. Fails when it is locked; a file
  // that is already gone is not created.
  static Result<void> remove_stale(const std::string& path);

  Pidfile() = default;
  Pidfile(Pidfile&&) noexcept = default;
  Pidfile& operator=(Pidfile&&) noexcept = default;
  // Removes the file when this process acquired it (a start that failed
  // before forking leaves no empty pidfile) or is the one whose pid it holds.
  ~Pidfile();

  // Writes "PID\n", replacing the content, and remembers `pid` as the owner.
  Result<void> write_pid(pid_t pid);
  // Unlinks the file while the lock is still held, then releases the lock.
  // Only the owner does it, and only if the path still names our file.
  Result<void> remove();

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  explicit operator bool() const { return static_cast<bool>(fd_); }

 private:
  // acquire(), with `create` O_CREAT or 0.
  static Result<Pidfile> lock(const std::string& path, int create);

  std::string path_;
  std::string name_;  // the last component, relative to dir_
  UniqueFd dir_;      // the directory, so that removal works after chdir and chroot
  UniqueFd fd_;
  pid_t owner_ = 0;
};

// Where Pidfile::acquire() claims a pidfile: the last byte a file can have,
// which no pidfile reaches.
inline constexpr off_t kClaimOffset = std::numeric_limits<off_t>::max();

// True when `error` says that another process holds the pidfile's lock.
bool is_already_running(const Error& error);

// What a pidfile says, read without modifying it (for `daemonctl status`).
struct PidfileState {
  bool exists = false;
  bool locked = false;       // some process holds a write-conflicting lock
  std::optional<pid_t> pid;  // the content, when it is a valid pid
  std::string content;       // at most 64 bytes
  dev_t dev = 0;
  ino_t ino = 0;
};
Result<PidfileState> inspect_pidfile(const std::string& path);

// "1234\n" -> 1234. Digits, an optional trailing newline, a value > 0.
std::optional<pid_t> parse_pid(std::string_view content);

// True when process `pid` holds a lock on the whole file (dev, ino): the
// /proc/PID/fdinfo of one of its descriptors lists it (OFD and flock locks
// under every descriptor of the open file description, POSIX ones under the
// one they were taken through). A claim (see Pidfile::acquire()) does not count.
// The proof that a locked pidfile's pid is the daemon, and neither a recycled
// number nor a process that merely opened the file. (/proc/locks will not do:
// it names the process that took an OFD lock, long gone after a daemon's fork.)
Result<bool> process_holds_lock(pid_t pid, dev_t dev, ino_t ino);
// Every process that holds it, found by reading all of /proc: after a fork
// (the supervisor's keeper) or an exec'd command's own fork, several may.
// Processes we may not inspect are left out.
std::vector<pid_t> lock_holders(dev_t dev, ino_t ino);

}  // namespace daemonize
