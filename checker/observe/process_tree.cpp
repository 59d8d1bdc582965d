// Reads /proc/[pid]/stat for every process to find the checker's descendants.
#include "observe/process_tree.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "parse/proc_parse.h"
#include "sys/fileio.h"
#include "sys/proc.h"

namespace dc {
namespace {

// The stat line of one thread of pid, when it can still be read.
Result<std::string> thread_stat(pid_t pid, pid_t tid) {
  return sys::read_file(sys::proc_path(pid, "task/" + std::to_string(tid) + "/stat"));
}

}  // namespace

std::optional<pid_t> live_thread_of(pid_t pid) {
  for (pid_t tid : sys::threads_of(pid)) {
    auto text = thread_stat(pid, tid);
    if (!text) continue;
    auto st = observe::parse_stat(*text);
    if (st && st->state != 'Z' && st->state != 'X') return st->pid;
  }
  return std::nullopt;
}

std::optional<ProcEntry> read_proc_entry(pid_t pid) {
  auto text = sys::read_file(sys::proc_path(pid, "stat"));
  if (!text) return std::nullopt;
  auto st = observe::parse_stat(*text);
  if (!st) return std::nullopt;
  ProcEntry e{st->pid, st->ppid, st->pgrp, st->session, st->state, st->comm};
  // A leader whose main thread exited shows as a zombie while its other
  // threads run: the process is alive, and is shown in a live thread's state.
  if (e.state == 'Z') {
    if (auto tid = live_thread_of(pid)) {
      if (auto t = thread_stat(pid, *tid)) {
        if (auto ts = observe::parse_stat(*t)) e.state = ts->state == 'Z' ? 'S' : ts->state;
      }
    }
  }
  return e;
}

bool all_threads_waiting(pid_t pid) {
  bool any = false;
  for (pid_t tid : sys::threads_of(pid)) {
    auto text = thread_stat(pid, tid);
    if (!text) continue;  // a thread that just ended
    auto st = observe::parse_stat(*text);
    if (!st) continue;
    if (st->state == 'Z' || st->state == 'X') continue;  // an exited thread (a leader's too)
    any = true;
    if (st->state != 'S' && st->state != 'T' && st->state != 't') return false;
  }
  return any;
}

std::vector<ProcEntry> descendants_of(pid_t root) {
  std::map<pid_t, ProcEntry> all;
  if (auto pids = sys::numbered_entries("/proc")) {
    for (pid_t pid : *pids)
      if (auto entry = pid > 0 ? read_proc_entry(pid) : std::nullopt) all.emplace(pid, *entry);
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

std::vector<pid_t> live_descendants_of(pid_t root, const std::vector<pid_t>& except) {
  std::vector<pid_t> out;
  for (const auto& e : descendants_of(root))
    if (e.state != 'Z' && std::find(except.begin(), except.end(), e.pid) == except.end())
      out.push_back(e.pid);
  return out;
}

std::vector<pid_t> live_descendants(const std::vector<pid_t>& except) {
  return live_descendants_of(::getpid(), except);
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
