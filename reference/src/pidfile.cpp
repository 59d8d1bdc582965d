// Pidfile: create without following links, lock, write, remove; and inspection.
#include "daemonize/pidfile.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace daemonize {

namespace {

// A write lock over the whole file, as F_OFD_SETLK and F_OFD_GETLK want it
// (l_pid must be 0 for OFD requests).
struct flock whole_file_write_lock() {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  return lock;
}

// The claim: a write lock on the last byte a file can have, which conflicts
// with every whole-file lock and every other claim.
struct flock claim_lock() {
  struct flock lock = whole_file_write_lock();
  lock.l_start = kClaimOffset;
  return lock;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<size_t>(n));
  return text;
}

// True when fdinfo `text` has a "lock:" line on the whole file (dev, ino), as
// in "lock:\t1: OFDLCK ADVISORY  WRITE -1 fe:00:10952930 0 EOF" (a claim ends
// in "9223372036854775807 EOF" instead). Reading the lock's own device and
// inode, rather than stat()ing what the descriptor points to, never waits on
// another file system.
bool lists_lock_on(const std::string& text, dev_t dev, ino_t ino) {
  for (size_t at = text.find("lock:"); at != std::string::npos; at = text.find("lock:", at + 1)) {
    const std::string line = text.substr(at, text.find('\n', at) - at);
    size_t start = 0;
    for (size_t end; start < line.size(); start = end + 1) {
      end = std::min(line.find(' ', start), line.size());
      unsigned major_id = 0, minor_id = 0;
      unsigned long inode = 0;
      char tail = 0;
      if (std::sscanf(line.substr(start, end - start).c_str(), "%x:%x:%lu%c", &major_id, &minor_id,
                      &inode, &tail) == 3 &&
          major_id == major(dev) && minor_id == minor(dev) && inode == ino &&
          line.compare(end, std::string::npos, " 0 EOF") == 0) {
        return true;
      }
    }
  }
  return false;
}

std::string read_content(int fd) {
  char buffer[64];
  const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

// True when `dir`/`name` still names the file open on `fd`.
bool still_named(int dir, const std::string& name, int fd) {
  struct stat named {
  }, opened{};
  return ::fstatat(dir, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
         ::fstat(fd, &opened) == 0 && named.st_dev == opened.st_dev &&
         named.st_ino == opened.st_ino;
}

// How long acquire() waits for another process's claim to go.
constexpr std::chrono::seconds kClaimWait{5};

// True when the only locks on `fd`'s file that conflict with ours are claims.
bool only_claimed(int fd) {
  struct flock before_claim = whole_file_write_lock();
  before_claim.l_len = kClaimOffset;
  return ::fcntl(fd, F_OFD_GETLK, &before_claim) == 0 && before_claim.l_type == F_UNLCK;
}

// An inotify descriptor on changes to the files in `dir`.
UniqueFd watch_folder(const std::string& dir) {
  UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (watch && ::inotify_add_watch(watch.get(), dir.c_str(),
                                   IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                                       IN_MOVED_TO | IN_MOVED_FROM) < 0) {
    watch.reset();
  }
  return watch;
}

// Waits for, and drains, events on `watch`; false once `deadline` passed.
bool wait_for_event(int watch, std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd event{watch, POLLIN, 0};
  if (left.count() <= 0 || ::poll(&event, 1, static_cast<int>(left.count())) <= 0) return false;
  char drain[4096];
  while (::read(watch, drain, sizeof drain) > 0) {
  }
  return true;
}

}  // namespace

Result<Pidfile> Pidfile::acquire(const std::string& path) {
  return lock(path, O_CREAT);
}

Result<Pidfile> Pidfile::lock(const std::string& path, int create) {
  const std::filesystem::path fs_path(path);
  Pidfile pidfile;
  pidfile.path_ = path;
  pidfile.name_ = fs_path.filename();
  const std::string dir = fs_path.has_parent_path() ? fs_path.parent_path().string() : ".";
  pidfile.dir_.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!pidfile.dir_) return os_error("open pidfile directory", dir);

  // An instance that is shutting down unlinks the file while we may be opening
  // it: after locking, make sure the path still names what we locked, and
  // start again if not. Each retry means another instance made progress.
  // Another's claim alone is waited out (a start empties the file, a stop
  // removes it, at once): it does not mean that a daemon runs.
  UniqueFd watch;  // the folder, from the first claim we met
  const auto deadline = std::chrono::steady_clock::now() + kClaimWait;
  for (int replaced = 0; replaced < 8;) {
    // O_NONBLOCK: opening a FIFO planted under our name must not hang us.
    UniqueFd fd(::openat(pidfile.dir_.get(), pidfile.name_.c_str(),
                         O_RDWR | create | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644));
    if (!fd && errno == ELOOP) return Error{"open pidfile", path, ELOOP, "is a symbolic link"};
    if (!fd) return os_error("open pidfile", path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return os_error("stat pidfile", path);
    if (!S_ISREG(st.st_mode)) return Error{"open pidfile", path, 0, "not a regular file"};

    // A claim first, and the whole file only once it is empty: a whole-file
    // lock then always goes with the pid of the daemon that holds it (or with
    // no pid at all), never with a stale one, so that a stale pid's lock
    // holder is never taken for the daemon (see process_holds_lock).
    struct flock claim = claim_lock();
    if (::fcntl(fd.get(), F_OFD_SETLK, &claim) != 0) {
      if (errno != EAGAIN && errno != EACCES) return os_error("lock pidfile", path);
      if (only_claimed(fd.get())) {
        if (!watch) {  // look again once watching: no change may be missed
          watch = watch_folder(dir);
          if (watch) continue;
        } else if (wait_for_event(watch.get(), deadline)) {
          continue;
        }
      }
      const auto pid = parse_pid(read_content(fd.get()));
      return Error{"lock pidfile", path, EAGAIN,
                   "already running" + (pid ? " as pid " + std::to_string(*pid) : std::string())};
    }
    if (!still_named(pidfile.dir_.get(), pidfile.name_, fd.get())) {
      ++replaced;
      continue;
    }

    // Ours now. A stale pid must not be read as the new daemon's while it starts.
    if (::ftruncate(fd.get(), 0) != 0) return os_error("truncate pidfile", path);
    struct flock whole = whole_file_write_lock();
    if (::fcntl(fd.get(), F_OFD_SETLK, &whole) != 0) {  // someone locks bytes before the claim
      return Error{"lock pidfile", path, EAGAIN, "already running (a part of it is locked)"};
    }
    // 0644 whatever the umask (a daemon may ask for 077): anyone may read
    // which pid runs. A file someone else owns keeps the mode they gave it.
    if ((st.st_mode & 07777) != 0644 && st.st_uid == ::geteuid()) (void)::fchmod(fd.get(), 0644);
    pidfile.fd_ = std::move(fd);
    pidfile.owner_ = ::getpid();  // until write_pid() names the daemon
    return pidfile;
  }
  return Error{"lock pidfile", path, EAGAIN, "replaced repeatedly while being locked"};
}

Result<void> Pidfile::remove_stale(const std::string& path) {
  auto pidfile = lock(path, 0);  // never created here: a file already gone is no error
  if (!pidfile && pidfile.error().err == ENOENT) return {};
  if (!pidfile) return pidfile.error();
  return pidfile->remove();
}

Result<void> Pidfile::write_pid(pid_t pid) {
  const std::string text = std::to_string(pid) + "\n";
  if (::ftruncate(fd_.get(), 0) != 0) return os_error("truncate pidfile", path_);
  if (::pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return os_error("write pidfile", path_);
  }
  owner_ = pid;
  return {};
}

Result<void> Pidfile::remove() {
  if (!fd_ || owner_ != ::getpid()) return {};
  owner_ = 0;
  Result<void> result;
  if (still_named(dir_.get(), name_, fd_.get()) && ::unlinkat(dir_.get(), name_.c_str(), 0) != 0) {
    // Typically EACCES: privileges were dropped and the directory is root's.
    // Leave an empty file rather than a pid that will one day be someone else's.
    result = os_error("remove pidfile", path_);
    (void)!::ftruncate(fd_.get(), 0);
  }
  fd_.reset();  // releases the lock, after the name is gone
  return result;
}

Pidfile::~Pidfile() {
  (void)remove();
}

bool is_already_running(const Error& error) {
  return error.step == "lock pidfile" && error.err == EAGAIN;
}

Result<PidfileState> inspect_pidfile(const std::string& path) {
  PidfileState state;
  // O_NONBLOCK: a FIFO in the pidfile's place must not hang `status`.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd && errno == ENOENT) return state;
  if (!fd && errno == ELOOP) return Error{"open pidfile", path, ELOOP, "is a symbolic link"};
  if (!fd) return os_error("open pidfile", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os_error("stat pidfile", path);
  if (!S_ISREG(st.st_mode)) return Error{"open pidfile", path, 0, "not a regular file"};
  state.exists = true;
  state.dev = st.st_dev;
  state.ino = st.st_ino;
  state.content = read_content(fd.get());
  state.pid = parse_pid(state.content);

  // F_OFD_GETLK reports any lock that would conflict with ours, OFD or POSIX,
  // without taking one (taking one, even briefly, could make a starting
  // daemon believe it is already running).
  struct flock lock = whole_file_write_lock();
  if (::fcntl(fd.get(), F_OFD_GETLK, &lock) != 0) return os_error("query pidfile lock", path);
  state.locked = lock.l_type != F_UNLCK;
  return state;
}

std::optional<pid_t> parse_pid(std::string_view content) {
  if (content.ends_with('\n')) content.remove_suffix(1);
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(content.data(), content.data() + content.size(), pid);
  if (content.empty() || ec != std::errc() || end != content.data() + content.size() || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

Result<bool> process_holds_lock(pid_t pid, dev_t dev, ino_t ino) {
  const std::string fdinfo = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* dir = ::opendir(fdinfo.c_str());
  if (dir == nullptr && errno == ENOENT) return false;
  if (dir == nullptr) return os_error("list descriptors", fdinfo);
  bool holds = false;
  for (const dirent* entry; !holds && (entry = ::readdir(dir)) != nullptr;) {
    if (entry->d_name[0] == '.') continue;
    UniqueFd info(::openat(::dirfd(dir), entry->d_name, O_RDONLY | O_CLOEXEC));
    holds = info && lists_lock_on(read_all(info.get()), dev, ino);
  }
  ::closedir(dir);
  return holds;
}

std::vector<pid_t> lock_holders(dev_t dev, ino_t ino) {
  std::vector<pid_t> holders;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return holders;
  while (const dirent* entry = ::readdir(proc)) {
    const auto pid = parse_pid(entry->d_name);
    auto holds = pid ? process_holds_lock(*pid, dev, ino) : Result<bool>(false);
    if (holds && *holds) holders.push_back(*pid);
  }
  ::closedir(proc);
  return holders;
}

}  // namespace daemonize
