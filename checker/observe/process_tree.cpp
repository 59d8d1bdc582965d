// Reads /proc/[pid]/stat for every process to find the checker's descendants.
#include "observe/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <map>

#include "parse/proc_parse.h"

namespace dc {
namespace {

std::optional<std::string> slurp_small(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

std::optional<pid_t> live_thread_of(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return std::nullopt;
  std::optional<pid_t> found;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    auto text = slurp_small(dir + "/" + e->d_name + "/stat");
    if (!text) continue;
    auto st = observe::parse_stat(*text);
    if (st && st->state != 'Z' && st->state != 'X') {
      found = st->pid;
      break;
    }
  }
  ::closedir(d);
  return found;
}

std::optional<ProcEntry> read_proc_entry(pid_t pid) {
  auto text = slurp_small("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  auto st = observe::parse_stat(*text);
  if (!st) return std::nullopt;
  ProcEntry e{st->pid, st->ppid, st->pgrp, st->session, st->state, st->comm};
  // A leader whose main thread exited shows as a zombie while its other
  // threads run: the process is alive, and is shown in a live thread's state.
  if (e.state == 'Z') {
    if (auto tid = live_thread_of(pid)) {
      if (auto t = slurp_small("/proc/" + std::to_string(pid) + "/task/" + std::to_string(*tid) +
                               "/stat")) {
        if (auto ts = observe::parse_stat(*t)) e.state = ts->state == 'Z' ? 'S' : ts->state;
      }
    }
  }
  return e;
}

bool all_threads_waiting(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return false;
  bool waiting = true, any = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    auto text = slurp_small(dir + "/" + e->d_name + "/stat");
    if (!text) continue;  // a thread that just ended
    auto st = observe::parse_stat(*text);
    if (!st) continue;
    if (st->state == 'Z' || st->state == 'X') continue;  // an exited thread (a leader's too)
    any = true;
    if (st->state != 'S' && st->state != 'T' && st->state != 't') {
      waiting = false;
      break;
    }
  }
  ::closedir(d);
  return waiting && any;
}

std::vector<ProcEntry> descendants_of(pid_t root) {
  std::map<pid_t, ProcEntry> all;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      pid_t pid = 0;
      const char* name = e->d_name;
      auto [p, ec] = std::from_chars(name, name + std::char_traits<char>::length(name), pid);
      if (ec != std::errc() || *p != '\0' || pid <= 0) continue;
      if (auto entry = read_proc_entry(pid)) all.emplace(pid, *entry);
    }
    ::closedir(d);
  }
  std::vector<ProcEntry> out;
  for (const auto& [pid, entry] : all) {
    // Walk up the parents; a chain is at most as long as the table. A parent
    // that exited while /proc was being read breaks the chain: its child was
    // re-parented since, so that child is read once more and the walk goes on.
    int rereads = 0;
    pid_t cur = pid;
    for (size_t steps = 0; steps <= all.size() + 2; ++steps) {
      pid_t up = all.at(cur).ppid;
      if (up == root) {
        out.push_back(entry);
        break;
      }
      if (up <= 0) break;
      if (all.count(up)) {
        cur = up;
        continue;
      }
      auto fresh = rereads++ < 2 ? read_proc_entry(cur) : std::nullopt;
      if (!fresh || fresh->ppid == up) break;
      all[cur] = *fresh;
    }
  }
  return out;
}

UniqueFd open_descendant_pidfd(pid_t pid) {
  if (pid <= 1) return UniqueFd();
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid()) return UniqueFd();
  // The pidfd pins one process. Check ancestry after opening, then check that
  // the pinned process is still alive: a live process keeps its pid, so the
  // /proc read in between was of that same process.
  if (!is_live_descendant(pid, ::getpid()) || !pidfd_alive(fd.get())) return UniqueFd();
  return fd;
}

bool pidfd_alive(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

bool is_live_descendant(pid_t pid, pid_t root) {
  if (pid <= 1 || pid == root) return false;
  auto self = read_proc_entry(pid);
  if (!self || self->state == 'Z') return false;
  // Walk up. When a parent is gone (it exited while we read), its child was
  // re-parented: read the child again and go on from its new parent.
  pid_t cur = pid, up = self->ppid;
  for (int steps = 0, rereads = 0; steps < 4096; ++steps) {
    if (up == root) return true;
    if (up <= 1) return false;
    if (auto e = read_proc_entry(up)) {
      cur = up;
      up = e->ppid;
      continue;
    }
    auto again = rereads++ < 4 ? read_proc_entry(cur) : std::nullopt;
    if (!again || again->ppid == up) return false;
    up = again->ppid;
  }
  return false;
}

}  // namespace dc
