// See cleanup.h.
#include "launch/cleanup.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "launch/isolation.h"
#include "launch/signal_guard.h"
#include "launch/tracked.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/path.h"

namespace dc {

CleanupReport kill_all_descendants(double grace_ms) {
  const Reaper::HeldInterrupts held;
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  CleanupReport rep;
  auto note = [&](std::vector<pid_t>& list, const Tracked& t) {
    if (std::find(list.begin(), list.end(), t.pid) != list.end()) return;
    list.push_back(t.pid);
    rep.comms.push_back(t.comm);
  };
  // 1. SIGTERM: the polite request, with grace_ms to act on it.
  auto first = track_live_descendants();
  for (auto& t : first) {
    send_signal(t.fd.get(), SIGTERM);
    send_signal(t.fd.get(), SIGCONT);  // a stopped process acts on SIGTERM only when continued
  }
  if (!first.empty()) wait_all_exit(first, reaper.now_ms() + grace_ms);
  for (auto& t : first)
    if (!pidfd_alive(t.fd.get())) note(rep.terminated, t);
  // 2. SIGKILL whatever is left or has appeared since. Each process is
  // stopped first so that it cannot fork any more. A chain of processes that
  // fork and exit can still slip between two reads of /proc, but each of its
  // links is re-parented to the checker and reaped here. With the check's
  // pids cgroup the tree is empty when the cgroup counts only init and the
  // checker; without it, after two empty scans 1 ms apart with nothing
  // reaped in between.
  const double give_up = reaper.now_ms() + 10000;
  double look = 0.05;
  for (int quiet = 0; quiet < 2 && reaper.now_ms() < give_up;) {
    const size_t reaped_before = reaper.reaped().size();
    reaper.reap_now();
    auto ts = track_live_descendants();
    if (ts.empty()) {
      if (auto empty = only_checker_left()) {
        if (*empty) break;
        reaper.wait({}, reaper.now_ms() + look);  // a zombie to reap, a fork to land
        look = std::min(2 * look, 1.0);
        continue;
      }
      reaper.wait({}, reaper.now_ms() + 1);  // let a fork in flight land in /proc
      quiet = reaper.reaped().size() == reaped_before ? quiet + 1 : 0;
      continue;
    }
    quiet = 0;
    for (auto& t : ts) send_signal(t.fd.get(), SIGSTOP);
    for (auto& t : ts) {
      send_signal(t.fd.get(), SIGKILL);
      note(rep.killed, t);
    }
    wait_all_exit(ts, reaper.now_ms() + 2000);
  }
  reaper.reap_now();
  rep.ms = reaper.now_ms() - t0;
  return rep;
}

namespace {

std::string temp_base() {
  const char* base = std::getenv("TMPDIR");
  return base && *base ? base : "/tmp";
}

// Every temp folder holds this file, made with O_EXCL when the folder is
// made: "daemoncheck-temp-folder HOSTPID STARTTIME\n", the owning checker
// and the start time of that process (field 22 of its stat), which tells it
// from a later process with the same pid. Only a folder with this mark is
// ever swept; a folder is never recognised by its name alone.
constexpr const char* kMarkName = ".daemoncheck-owner";
constexpr std::string_view kMarkTag = "daemoncheck-temp-folder ";

std::optional<std::string> read_small_at(int dfd, const char* name, size_t max) {
  UniqueFd fd(::openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
    return std::nullopt;
  auto text = sys::read_fd(fd.get(), max, name);
  return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
}

// Field 22 of /proc/PID/stat (under proc_dir): when the process started.
std::optional<std::string> start_time_of(int proc_dir, pid_t pid) {
  auto text = read_small_at(proc_dir, (std::to_string(pid) + "/stat").c_str(), 4096);
  if (!text) return std::nullopt;
  auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  size_t at = close + 2;
  for (int field = 3; field < 22 && at < text->size(); ++field) {
    at = text->find(' ', at);
    if (at == std::string::npos) return std::nullopt;
    ++at;
  }
  auto end = text->find(' ', at);
  if (end == std::string::npos || end == at) return std::nullopt;
  return text->substr(at, end - at);
}

struct Mark {
  pid_t owner = 0;
  std::string started;
};

std::optional<Mark> parse_mark(std::string_view text) {
  if (!text.starts_with(kMarkTag) || !text.ends_with('\n')) return std::nullopt;
  text.remove_prefix(kMarkTag.size());
  text.remove_suffix(1);
  auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  Mark m;
  auto digits = text.substr(0, space);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), m.owner);
  if (ec != std::errc() || p != digits.data() + digits.size() || m.owner <= 0) return std::nullopt;
  m.started = std::string(text.substr(space + 1));
  if (m.started.empty() || m.started.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return m;
}

// --- removing a tree --------------------------------------------------------

// Octal escapes of /proc/self/mountinfo ("\040" for a space).
std::string unescape_mount_path(std::string_view s) {
  std::string out;
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

// The mount points at or below `path` (field 5 of mountinfo), deepest first.
std::vector<std::string> mounts_below(const std::string& path) {
  std::vector<std::string> out;
  auto read = sys::read_file("/proc/self/mountinfo", 64 << 20);
  if (!read) return out;
  const std::string& text = *read;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    size_t at = 0;
    for (int field = 0; field < 4 && at != std::string_view::npos; ++field) {
      at = line.find(' ', at);
      if (at != std::string_view::npos) ++at;
    }
    if (at == std::string_view::npos) continue;
    std::string mp = unescape_mount_path(line.substr(at, line.find(' ', at) - at));
    if (mp == path || mp.starts_with(path + "/")) out.push_back(std::move(mp));
  }
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

// Opens name below dfd as a directory, never through a symbolic link and
// never into another mount (openat2's RESOLVE_NO_XDEV also sees a bind mount
// of the same file system, which st_dev cannot).
UniqueFd open_dir_beneath(int dfd, const char* name, bool path_only = false) {
  open_how how{};
  how.flags = static_cast<unsigned long long>((path_only ? O_PATH : O_RDONLY) | O_DIRECTORY |
                                              O_NOFOLLOW | O_CLOEXEC);
  how.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, dfd, name, &how, sizeof how)));
  if (fd.valid() || errno != ENOSYS) return fd;
  // A kernel before 5.6: a same-device check instead.
  struct stat above {
  }, st{};
  if (::fstat(dfd, &above) != 0) return UniqueFd();
  fd.reset(
      ::openat(dfd, name, (path_only ? O_PATH : O_RDONLY) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.valid() && (::fstat(fd.get(), &st) != 0 || st.st_dev != above.st_dev)) {
    fd.reset();
    errno = EXDEV;
  }
  return fd;
}

// Detaches what was mounted at or below root (the target can mount inside its
// temp folder, as a chroot jail binds /usr): each mount point is reached from
// root's descriptor without following a symbolic link, then unmounted lazily
// through /proc/self/fd, so that a path swapped meanwhile cannot point the
// unmount elsewhere.
void detach_mounts(int root_fd, const std::string& root_path) {
  for (const std::string& mp : mounts_below(root_path)) {
    if (mp == root_path) continue;  // the folder itself is never a mount of ours
    std::string rel = mp.substr(root_path.size() + 1);
    open_how how{};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how)));
    if (!fd.valid()) continue;
    const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
    ::umount2(self.c_str(), MNT_DETACH);
  }
}

// Removes what dfd holds. Never follows a symbolic link (unlinkat removes the
// link), never enters another mount (left in place, and so is its folder).
void remove_contents(int dfd, int depth) {
  if (depth > 4096) return;
  UniqueDir d = UniqueDir::adopt(UniqueFd(::dup(dfd)));
  if (!d) return;
  std::vector<std::string> subdirs;
  while (dirent* e = d.next()) {
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    if (::unlinkat(dfd, e->d_name, 0) == 0) continue;
    if (errno == EISDIR || errno == EPERM) subdirs.emplace_back(name);
  }
  d.reset();
  for (const std::string& name : subdirs) {
    UniqueFd sub = open_dir_beneath(dfd, name.c_str());
    if (!sub.valid()) continue;  // another mount, or swapped for a link meanwhile
    remove_contents(sub.get(), depth + 1);
    ::unlinkat(dfd, name.c_str(), AT_REMOVEDIR);
  }
}

}  // namespace

std::optional<TempDir> TempDir::make(const std::string& prefix) {
  const pid_t owner = host_pid_of(::getpid()).value_or(::getpid());
  std::string tmpl = temp_base() + "/" + prefix + "-" + std::to_string(owner) + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return std::nullopt;
  TempDir dir(tmpl);
  ::chmod(tmpl.c_str(), 0755);
  UniqueFd d(::open(tmpl.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  // The start time is the same in every PID namespace's view of this process.
  UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  auto started = start_time_of(proc.get(), ::getpid());
  if (!d.valid() || !started) return std::nullopt;
  const std::string mark = std::string(kMarkTag) + std::to_string(owner) + " " + *started + "\n";
  UniqueFd m(
      ::openat(d.get(), kMarkName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!m.valid() || ::write(m.get(), mark.data(), mark.size()) != static_cast<ssize_t>(mark.size()))
    return std::nullopt;
  return dir;
}

void sweep_stale_temp_dirs() {
  const std::string base = temp_base();
  UniqueFd base_fd(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!base_fd.valid() || !proc.valid()) return;
  std::vector<std::string> stale;
  UniqueDir d = UniqueDir::adopt(UniqueFd(::dup(base_fd.get())));
  if (!d) return;
  while (dirent* e = d.next()) {
    std::string_view name(e->d_name);
    if (!name.starts_with("daemoncheck-")) continue;
    UniqueFd dir(::openat(base_fd.get(), e->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!dir.valid() || ::fstat(dir.get(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    auto text = read_small_at(dir.get(), kMarkName, 128);
    auto mark = text ? parse_mark(*text) : std::nullopt;
    if (!mark) continue;  // not a folder daemoncheck made: never touched
    auto now = start_time_of(proc.get(), mark->owner);
    if (now && *now == mark->started) continue;  // its checker is still running
    stale.emplace_back(name);
  }
  d.reset();
  for (const auto& name : stale) remove_tree(base + "/" + name);
}

void remove_tree(const std::string& path) {
  if (path.empty() || path == "/") return;
  const std::string parent = sys::folder_of(path);
  const std::string leaf = sys::base_of(path);
  UniqueFd up(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!up.valid()) return;
  struct stat st {};
  if (::fstatat(up.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    ::unlinkat(up.get(), leaf.c_str(), 0);
    return;
  }
  {
    UniqueFd where = open_dir_beneath(up.get(), leaf.c_str(), true);
    if (!where.valid()) return;  // a mount point itself: never emptied
    // mountinfo names mount points by their resolved path.
    char real[4096];
    const std::string self = "/proc/self/fd/" + std::to_string(where.get());
    ssize_t n = ::readlink(self.c_str(), real, sizeof real);
    if (n > 0) detach_mounts(where.get(), std::string(real, static_cast<size_t>(n)));
  }
  UniqueFd root = open_dir_beneath(up.get(), leaf.c_str());
  if (!root.valid()) return;
  remove_contents(root.get(), 0);
  ::unlinkat(up.get(), leaf.c_str(), AT_REMOVEDIR);
}

}  // namespace dc
