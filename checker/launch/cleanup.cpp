// See cleanup.h.
#include "launch/cleanup.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "common/unique_fd.h"
#include "launch/isolation.h"
#include "launch/process_tree.h"
#include "launch/reaper.h"
#include "launch/signal_guard.h"

namespace dc {
namespace {

struct Target {
  pid_t pid;
  std::string comm;
  UniqueFd fd;
};

std::vector<Target> live_descendants() {
  std::vector<Target> out;
  for (const auto& e : descendants_of(::getpid())) {
    if (e.state == 'Z') continue;
    UniqueFd fd = open_descendant_pidfd(e.pid);
    if (fd.valid()) out.push_back(Target{e.pid, e.comm, std::move(fd)});
  }
  return out;
}

// Waits until every pidfd reports exit or the deadline passes.
void wait_all_exit(std::vector<Target>& ts, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  for (;;) {
    std::vector<int> fds;
    for (auto& t : ts)
      if (t.fd.valid() && pidfd_alive(t.fd.get())) fds.push_back(t.fd.get());
    if (fds.empty()) return;
    // Any readable pidfd means one more exited; loop to re-check the rest.
    if (reaper.wait(fds, deadline_ms) == Reaper::kTimeout) return;
  }
}

}  // namespace

CleanupReport kill_all_descendants(double grace_ms) {
  Reaper& reaper = Reaper::get();
  double t0 = reaper.now_ms();
  CleanupReport rep;
  auto note = [&](std::vector<pid_t>& list, const Target& t) {
    if (std::find(list.begin(), list.end(), t.pid) != list.end()) return;
    list.push_back(t.pid);
    rep.comms.push_back(t.comm);
  };
  // 1. SIGTERM: the polite request, with grace_ms to act on it.
  auto first = live_descendants();
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
    auto ts = live_descendants();
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
}  // namespace

std::optional<TempDir> TempDir::make(const std::string& prefix) {
  const pid_t owner = host_pid_of(::getpid()).value_or(::getpid());
  std::string tmpl = temp_base() + "/" + prefix + "-" + std::to_string(owner) + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return std::nullopt;
  ::chmod(tmpl.c_str(), 0755);
  return TempDir(tmpl);
}

namespace {

// The temp folders (TempDir) under temp_base() whose owner pid `owned`
// accepts: daemoncheck[-race|-suite]-PID-XXXXXX, a folder of ours.
template <class Pred>
std::vector<std::string> temp_dirs_owned(Pred owned) {
  const std::string base = temp_base();
  std::vector<std::string> out;
  DIR* d = ::opendir(base.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (!name.starts_with("daemoncheck-")) continue;
    auto last = name.rfind('-');
    if (last == std::string_view::npos || last == 0) continue;
    auto prev = name.rfind('-', last - 1);
    std::string_view pid_text = name.substr(prev + 1, last - prev - 1);
    pid_t pid = 0;
    auto [p, ec] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
    if (ec != std::errc() || p != pid_text.data() + pid_text.size() || pid <= 0) continue;
    std::string path = base + "/" + std::string(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
      continue;
    }
    if (owned(pid)) out.push_back(std::move(path));
  }
  ::closedir(d);
  return out;
}

}  // namespace

void sweep_stale_temp_dirs() {
  auto gone = [](pid_t pid) {
    return ::access(("/proc/" + std::to_string(pid)).c_str(), F_OK) != 0;
  };
  for (const auto& path : temp_dirs_owned(gone)) remove_tree(path);
}

void remove_temp_dirs_of(pid_t owner) {
  for (const auto& path : temp_dirs_owned([owner](pid_t pid) { return pid == owner; })) {
    remove_tree(path);
  }
}

void remove_tree(const std::string& path) {
  if (path.empty() || path == "/") return;
  std::error_code ec;
  std::filesystem::remove_all(path, ec);  // does not follow symbolic links
}

}  // namespace dc
