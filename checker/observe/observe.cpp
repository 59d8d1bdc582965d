// See observe.h.
#include "observe/observe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "observe/process_tree.h"
#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/proc.h"

namespace dc::observe {
namespace {

std::string proc(pid_t pid, const char* leaf) {
  return sys::proc_path(pid, leaf);
}

// /proc files and pidfiles are read never through a link, never blocking.
Result<std::string> read_file(const std::string& path, size_t max_bytes = 1 << 20) {
  return sys::read_file(path, max_bytes, sys::kUntrusted);
}

std::optional<std::string> read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::string errtext(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// "/proc/42/stat: No such file or directory": which file, and why.
std::string unreadable(const Error& e) {
  return Error{.subject = e.subject, .err = e.err}.message();
}

// /proc/PID/fd, opened once: every descriptor is then read relative to it
// (readlinkat, fstatat), without a path walk through /proc/PID per entry.
UniqueFd open_fd_dir(pid_t pid) {
  return UniqueFd(::open(proc(pid, "fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

// A descriptor's entry name in /proc/PID/fd, for the *at() calls.
struct FdName {
  char text[12];
};
FdName fd_name(int fd) {
  FdName n{};
  std::to_chars(n.text, n.text + sizeof n.text - 1, fd);
  return n;
}

void stat_into(const struct stat& st, FdFact& f) {
  f.stat_ok = true;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.rdev = st.st_rdev;
  f.mode = st.st_mode;
}

// Every descriptor of pid: its number, where it points (readlink) and what
// it is (stat of the open file). Two system calls per descriptor, linear.
std::vector<FdFact> read_fds(pid_t pid, std::vector<std::string>& errors) {
  std::vector<FdFact> out;
  UniqueFd dir = open_fd_dir(pid);
  if (!dir.valid()) {
    errors.push_back(errtext(proc(pid, "fd")));
    return out;
  }
  const auto fds = sys::numbered_entries_in(dir.get());
  out.reserve(fds.size());
  char buf[4096];
  for (int fd : fds) {
    FdFact f;
    f.fd = fd;
    const FdName name = fd_name(fd);
    const ssize_t n = ::readlinkat(dir.get(), name.text, buf, sizeof buf);
    if (n >= 0) f.target.assign(buf, static_cast<size_t>(n));
    struct stat st {};
    if (::fstatat(dir.get(), name.text, &st, 0) == 0) stat_into(st, f);
    out.push_back(std::move(f));
  }
  return out;
}

// The descriptors of pid open on (dev, ino): one fstatat per descriptor, no
// readlink (the lock lookups need only the identity).
std::vector<int> fds_on_inode(pid_t pid, unsigned long long dev, unsigned long long ino) {
  std::vector<int> out;
  UniqueFd dir = open_fd_dir(pid);
  if (!dir.valid()) return out;
  for (int fd : sys::numbered_entries_in(dir.get())) {
    struct stat st {};
    if (::fstatat(dir.get(), fd_name(fd).text, &st, 0) == 0 && st.st_dev == dev && st.st_ino == ino)
      out.push_back(fd);
  }
  return out;
}

// Reads the process's readable memory looking for needle. Returns the place
// ("[stack] at 0x7ffd...") or "" when absent; nullopt with *err on failure.
std::optional<std::string> search_memory(pid_t pid, const std::string& needle, std::string* err) {
  auto maps_text = read_file(proc(pid, "maps"), 16 << 20);
  if (!maps_text) {
    *err = unreadable(maps_text.error());
    return std::nullopt;
  }
  auto maps = parse_maps(*maps_text);
  if (!maps) {
    *err = maps.error().message();
    return std::nullopt;
  }
  UniqueFd mem(::open(proc(pid, "mem").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mem.valid()) {
    *err = errtext(proc(pid, "mem"));
    return std::nullopt;
  }
  const size_t chunk = 1 << 20;
  std::string buf;
  size_t readable = 0;
  for (const auto& m : *maps) {
    if (m.perms.empty() || m.perms[0] != 'r' || m.path == "[vvar]" || m.path == "[vsyscall]")
      continue;
    for (unsigned long long at = m.start; at < m.end; at += chunk) {
      size_t len =
          static_cast<size_t>(std::min<unsigned long long>(chunk + needle.size(), m.end - at));
      buf.resize(len);
      ssize_t n = ::pread(mem.get(), buf.data(), len, static_cast<off_t>(at));
      if (n <= 0) break;
      readable += static_cast<size_t>(n);
      auto pos = std::string_view(buf.data(), static_cast<size_t>(n)).find(needle);
      if (pos != std::string_view::npos) {
        char where[64];
        std::snprintf(where, sizeof where, " at 0x%llx", at + pos);
        return (m.path.empty() ? std::string("[anonymous]") : m.path) + where;
      }
    }
  }
  if (readable == 0) {
    *err = "no memory of the process could be read";
    return std::nullopt;
  }
  return std::string();
}

}  // namespace

DaemonFacts observe_daemon(pid_t pid, const std::string& canary_value) {
  DaemonFacts d;
  d.pid = pid;
  auto& errors = d.errors;
  // Per-process files are read through a live thread when the main thread
  // has exited (the leader is a zombie, the process runs on).
  pid_t src = pid;
  if (auto text = read_file(proc(pid, "stat"))) {
    if (auto st = parse_stat(*text)) {
      if (st->state == 'Z') src = live_thread_of(pid).value_or(pid);
      d.comm = st->comm;
      d.ppid = st->ppid;
      d.pgrp = st->pgrp;
      d.sid = st->session;
      d.tty_nr = st->tty_nr;
      d.tpgid = st->tpgid;
    } else {
      errors.push_back(st.error().message());
    }
  } else {
    errors.push_back(unreadable(text.error()));
  }
  if (auto text = read_file(proc(src, "status"))) {
    if (auto st = parse_status(*text)) {
      d.umask = st->umask;
      d.uid[0] = st->uid.real, d.uid[1] = st->uid.effective, d.uid[2] = st->uid.saved;
      d.gid[0] = st->gid.real, d.gid[1] = st->gid.effective, d.gid[2] = st->gid.saved;
      d.sig_blk = st->sig_blk;
      d.sig_ign = st->sig_ign;
      d.sig_cgt = st->sig_cgt;
    } else {
      errors.push_back(st.error().message());
    }
  } else {
    errors.push_back(unreadable(text.error()));
  }
  if (auto c = read_link(proc(src, "cwd")))
    d.cwd = *c;
  else
    errors.push_back(errtext(proc(src, "cwd")));
  if (auto r = read_link(proc(src, "root")))
    d.root = *r;
  else
    errors.push_back(errtext(proc(src, "root")));
  d.fds = read_fds(src, errors);
  if (auto text = read_file(proc(src, "environ"), 4 << 20)) {
    auto env = parse_environ(*text);
    d.environ = std::move(env.entries);
    d.environ_key_value = env.key_value;
    if (!d.environ_key_value && !canary_value.empty()) {
      std::string err;
      d.canary_in_memory = search_memory(src, canary_value, &err);
      d.memory_search_error = err;
    }
  } else {
    errors.push_back(unreadable(text.error()));
  }
  if (auto text = read_file(proc(src, "limits"))) {
    if (auto lim = parse_limits_core(*text)) {
      d.core_known = true;
      d.core_soft = lim->soft;
      d.core_hard = lim->hard;
    } else {
      errors.push_back(lim.error().message());
    }
  } else {
    errors.push_back(unreadable(text.error()));
  }
  return d;
}

namespace {

// The locks /proc/PID/fdinfo/FD shows: those taken through that open file
// (flock, OFD) and the process's POSIX locks on it, in /proc/locks' format with
// pids as this namespace sees them (0 for a taker that has exited). Reading
// them here instead of /proc/locks matters: every read of /proc/locks takes
// the kernel's file-lock write lock, an RCU grace period of several ms.
std::vector<LockLine> fd_locks(pid_t pid, int fd) {
  auto text = read_file(proc(pid, "fdinfo/") + std::to_string(fd), 1 << 20);
  return text ? parse_fdinfo_locks(*text).locks : std::vector<LockLine>{};
}

bool same_lock(const LockLine& a, const LockLine& b) {
  return a.kind == b.kind && a.mode == b.mode && a.access == b.access && a.pid == b.pid &&
         a.inode == b.inode && a.major == b.major && a.minor == b.minor && a.start == b.start &&
         a.end == b.end;
}

}  // namespace

std::vector<LockLine> locks_on(unsigned long long dev, unsigned long long ino, pid_t holders) {
  const pid_t root = holders > 0 ? holders : ::getpid();
  std::vector<pid_t> pids;
  if (root != ::getpid()) pids.push_back(root);
  for (const auto& e : descendants_of(root)) {
    if (e.state != 'Z') pids.push_back(e.pid);
  }
  std::vector<LockLine> out;
  for (pid_t pid : pids) {
    for (int fd : fds_on_inode(pid, dev, ino)) {  // none when the process just exited
      for (LockLine& l : fd_locks(pid, fd)) {
        if (std::any_of(out.begin(), out.end(), [&](const LockLine& o) { return same_lock(o, l); }))
          continue;
        // One numbering for the whole list, as /proc/locks would show it.
        l.id = static_cast<long>(out.size()) + 1;
        l.raw = std::to_string(l.id) + l.raw.substr(l.raw.find(':'));
        out.push_back(std::move(l));
      }
    }
  }
  return out;
}

std::optional<pid_t> pidfile_pid(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  auto text = read_file(path, 4096);
  if (!text) return std::nullopt;
  auto pid = parse_pidfile(*text);
  return pid ? std::optional<pid_t>(*pid) : std::nullopt;
}

PidfileState read_pidfile(const std::string& path, pid_t holders) {
  PidfileState s;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.is_symlink = S_ISLNK(st.st_mode);
  s.regular = S_ISREG(st.st_mode);
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  if (s.regular) {
    if (auto text = read_file(path, 4096)) {
      s.content = *text;
      if (auto pid = parse_pidfile(s.content))
        s.pid = *pid;
      else
        s.parse_error = pid.error().message();
    }
  } else if (s.is_symlink) {
    s.parse_error = path + " is a symbolic link; it is not followed";
  } else {
    s.parse_error = path + " is not a regular file";
  }
  for (const auto& l : locks_on(s.dev, s.ino, holders)) {
    s.locks.push_back(l.raw);
    s.lock_pids.push_back(l.pid);
  }
  return s;
}

namespace {

// When pid started, in seconds of CLOCK_REALTIME: /proc/stat's btime (whole
// seconds, so up to 1 s early) plus field 22 of its stat.
std::optional<double> started_at(pid_t pid) {
  auto stat = read_file(proc(pid, "stat"));
  auto boot = read_file("/proc/stat");
  if (!stat || !boot) return std::nullopt;
  auto st = parse_stat(*stat);
  const size_t at = boot->find("\nbtime ");
  if (!st || at == std::string::npos) return std::nullopt;
  unsigned long long btime = 0;
  const char* from = boot->data() + at + 7;
  const auto [end, ec] = std::from_chars(from, boot->data() + boot->size(), btime);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (ec != std::errc() || end == from || ticks <= 0) return std::nullopt;
  return static_cast<double>(btime) +
         static_cast<double>(st->starttime) / static_cast<double>(ticks);
}

// A *.pid file one folder down in /run (/run/NAME/NAME.pid, as most Debian
// daemons keep theirs) that holds pid and was written since pid started
// (a second of slack for btime's rounding and a parent that wrote it just
// before the last fork): a file from before the check, which the sysv
// overlay shows, may hold the same small number by chance.
std::optional<std::string> pidfile_one_down(const std::string& dir, pid_t pid) {
  auto since = started_at(pid);
  if (!since) return std::nullopt;
  UniqueDir top = UniqueDir::open(dir);
  if (!top) return std::nullopt;
  while (dirent* sub = top.next()) {
    if (sub->d_name[0] == '.') continue;
    const std::string folder = dir + "/" + sub->d_name;
    struct stat fst {};
    if (sub->d_type != DT_DIR &&
        (sub->d_type != DT_UNKNOWN || ::lstat(folder.c_str(), &fst) != 0 || !S_ISDIR(fst.st_mode)))
      continue;
    UniqueDir dd = UniqueDir::open(folder);
    if (!dd) continue;
    while (dirent* e = dd.next()) {
      std::string_view name(e->d_name);
      if ((e->d_type != DT_REG && e->d_type != DT_UNKNOWN) || name.size() <= 4 ||
          !name.ends_with(".pid"))
        continue;
      const std::string path = folder + "/" + std::string(name);
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const double mtime =
          static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
      if (mtime < *since - 1.0) continue;
      auto content = read_file(path, 64);
      if (!content) continue;
      if (auto held = parse_pidfile(*content); held && *held == pid) return path;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<PidfileFacts> discover_pidfile(const DaemonFacts& d,
                                             const std::vector<std::string>& places,
                                             pid_t holders) {
  // 1. A regular file the daemon holds a lock on (fdinfo shows the locks
  // taken through that descriptor and the daemon's own POSIX locks).
  {
    std::optional<std::string> best;
    for (const auto& f : d.fds) {
      if (!f.stat_ok || !S_ISREG(f.mode) || f.target.empty() || f.target[0] != '/') continue;
      if (fd_locks(d.pid, f.fd).empty()) continue;
      // Prefer a name that says it is a pidfile.
      bool pidish = f.target.size() > 4 && f.target.ends_with(".pid");
      if (!best || pidish) best = f.target;
    }
    if (best) return PidfileFacts{*best, "lock", read_pidfile(*best, holders)};
  }
  // 2. A *.pid file in the usual places that holds the daemon's pid.
  for (const auto& dir : places) {
    UniqueDir dd = UniqueDir::open(dir);
    if (!dd) continue;
    std::optional<std::string> found;
    while (dirent* e = dd.next()) {
      std::string_view name(e->d_name);
      if (name.size() <= 4 || !name.ends_with(".pid")) continue;
      std::string path = dir + "/" + std::string(name);
      auto content = read_file(path, 64);
      if (!content) continue;
      auto pid = parse_pidfile(*content);
      if (pid && *pid == d.pid) {
        found = path;
        break;
      }
    }
    if (found) return PidfileFacts{*found, "scan", read_pidfile(*found, holders)};
  }
  // 3. A *.pid file one folder down in /run, written since the daemon started.
  if (std::find(places.begin(), places.end(), "/run") != places.end())
    if (auto found = pidfile_one_down("/run", d.pid))
      return PidfileFacts{*found, "scan", read_pidfile(*found, holders)};
  return std::nullopt;
}

std::string fingerprint(pid_t pid) {
  std::string fp;
  if (auto stat = read_file(proc(pid, "stat"))) {
    if (auto st = parse_stat(*stat))
      fp += st->comm + " " + std::to_string(st->session) + " " + std::to_string(st->pgrp) + " " +
            std::to_string(st->tty_nr) + " " + std::to_string(st->ppid);
  }
  if (auto c = read_link(proc(pid, "cwd"))) fp += "|" + *c;
  if (auto status = read_file(proc(pid, "status"))) {
    if (auto st = parse_status(*status)) {
      fp += "|" + std::to_string(st->umask.value_or(0)) + " " + std::to_string(st->sig_blk) + " " +
            std::to_string(st->sig_ign) + " " + std::to_string(st->sig_cgt) + " " +
            std::to_string(st->uid.effective);
    }
  }
  // The descriptors by number (one getdents pass), and where 0, 1 and 2
  // point: a readlink per descriptor would make every settle scan of a
  // daemon with tens of thousands of descriptors cost seconds.
  UniqueFd dir = open_fd_dir(pid);
  if (!dir.valid()) return fp;
  char buf[4096];
  for (int fd : sys::numbered_entries_in(dir.get())) {
    const FdName name = fd_name(fd);
    fp += "|";
    fp += name.text;
    if (fd > 2) continue;
    const ssize_t n = ::readlinkat(dir.get(), name.text, buf, sizeof buf);
    fp += ">";
    if (n > 0) fp.append(buf, static_cast<size_t>(n));
  }
  return fp;
}

}  // namespace dc::observe
