// See isolation.h.
#include "launch/isolation.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "launch/cleanup.h"
#include "launch/signal_guard.h"
#include "observe/observe.h"
#include "observe/process_tree.h"
#include "parse/proc_parse.h"
#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/proc.h"

namespace dc {
namespace {

int g_host_proc = -1;  // the host's /proc, kept open under the new mount
// The check's pids cgroup, as seen from the checker, and how many tasks it
// held when the checker started (the checker): see only_checker_left.
std::string g_census_path;
long g_census_baseline = 0;

std::optional<long> read_count(const std::string& path) {
  auto text = sys::read_file(path, 31);
  if (!text || text->empty()) return std::nullopt;
  const char* begin = text->data();
  const char* const last = begin + text->size();
  long v = 0;
  auto [end, ec] = std::from_chars(begin, last, v);
  if (ec != std::errc() || (end != last && *end != '\n')) return std::nullopt;
  return v;
}

int exit_code(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

sigset_t forwarded_and_chld() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, s);
  return set;
}

bool write_text(const std::string& path, const char* text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  const size_t n = std::strlen(text);
  // One write: a cgroup file takes its value whole. Its close reports a
  // refused move too, so it is checked.
  const bool ok = ::write(fd.get(), text, n) == static_cast<ssize_t>(n);
  return ::close(fd.release()) == 0 && ok;
}

// Moves the calling single-threaded process into the cgroup at dir. On a v1
// hierarchy it writes "0" (itself) to `tasks`: moving one's own thread skips
// the kernel's global threadgroup lock, whose write side waits for an RCU
// grace period (10-20 ms) as every write to cgroup.procs does.
bool join_cgroup_self(const std::string& dir) {
  return write_text(dir + "/tasks", "0\n") || write_text(dir + "/cgroup.procs", "0\n");
}

// What the checker gets when the outer process dies (daemoncheck itself was
// killed, SIGKILL included): its parent-death signal, one of the signals that
// interrupt a check, so that the check is torn down as on SIGHUP. It comes
// from outside the namespace, so the checker tells it from a target's signal.
constexpr int kOuterGone = SIGHUP;

// The checker leaves its pids cgroup and removes it on its way out, so that
// nothing is left when the outer process is gone too (killed); the outer
// process removes it when it is still there.
std::string g_cgroup_to_remove;
void remove_own_cgroup() {
  if (g_cgroup_to_remove.empty()) return;
  const std::string parent = g_cgroup_to_remove.substr(0, g_cgroup_to_remove.rfind('/'));
  if (join_cgroup_self(parent)) ::rmdir(g_cgroup_to_remove.c_str());
}

// The checker's result, as it crosses the pipe to the outer process: this
// header, then `size` bytes of scorecard. The token, drawn by daemoncheck
// before it forked the checker, is known to the two only: a target that
// opens the pipe through /proc/1/fd cannot hand over a verdict of its own.
struct ResultHeader {
  uint8_t token[16];
  int32_t status;
  uint32_t pad;
  uint64_t size;
};
int g_result_w = -1;  // in the checker: the pipe's write end, -1 when nobody reads it
uint8_t g_token[16];

// The outer process's side of hand_over_result(): what came through the
// pipe so far (it is read as it comes, so that the wait keeps forwarding
// signals), and, once it is whole, what publishing it returned.
class ResultReader {
 public:
  ResultReader(UniqueFd fd, const Publish& publish) : fd_(std::move(fd)), publish_(publish) {}
  int fd() const { return fd_.valid() ? fd_.get() : -1; }
  // Reads what is there; publishes once the result is whole.
  void read_some(bool at_end = false) {
    char buf[65536];
    const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) return;
    if (n < 0 && errno == EAGAIN && !at_end) return;
    if (n <= 0) {
      finish();
      return;
    }
    got_.append(buf, static_cast<size_t>(n));
    if (whole()) finish();
  }
  // At the checker's exit: every process of the namespace is gone with it,
  // so the pipe reads to its end. The status to exit with, nullopt when the
  // checker handed over nothing (it failed, or was interrupted: its own exit
  // status says so).
  std::optional<int> at_exit() {
    while (fd_.valid()) read_some(true);
    return published_;
  }

 private:
  bool whole() const {
    ResultHeader h{};
    if (got_.size() < sizeof h) return false;
    std::memcpy(&h, got_.data(), sizeof h);
    return got_.size() - sizeof h >= h.size;
  }
  // Anything but one whole result with the token (a target that wrote into
  // the pipe, a checker cut short) publishes nothing and fails the run.
  void finish() {
    fd_.reset();
    if (got_.empty()) return;
    ResultHeader h{};
    if (got_.size() >= sizeof h) std::memcpy(&h, got_.data(), sizeof h);
    if (!whole() || std::memcmp(h.token, g_token, sizeof g_token) != 0 ||
        got_.size() != sizeof h + h.size) {
      std::fprintf(stderr, "daemoncheck: the checker's result did not come whole\n");
      published_ = 3;
      return;
    }
    published_ = publish_(h.status, got_.substr(sizeof h));
  }

  UniqueFd fd_;
  const Publish& publish_;
  std::string got_;
  std::optional<int> published_;
};

// The outer process: waits for the checker, forwarding the interrupting
// signals to it, publishes the result the checker hands over (while the
// checker exits), then removes the cgroup and exits with the published
// status, else the checker's.
[[noreturn]] void wait_and_forward(pid_t checker, const sigset_t& set, const std::string& cgroup,
                                   UniqueFd result, const Publish& publish) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, checker, 0)));
  UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  ResultReader reader(std::move(result), publish);
  for (;;) {
    pollfd p[2] = {{signals.get(), POLLIN, 0}, {reader.fd(), POLLIN, 0}};
    if (::poll(p, reader.fd() >= 0 ? 2 : 1, -1) < 0) continue;  // EINTR
    // The result first: it was written before the checker exited.
    if (reader.fd() >= 0 && p[1].revents != 0) reader.read_some();
    if (p[0].revents == 0) continue;
    signalfd_siginfo si{};
    if (::read(signals.get(), &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
    const int sig = static_cast<int>(si.ssi_signo);
    if (sig == SIGCHLD) {
      int st = 0;
      if (::waitpid(checker, &st, WNOHANG) == checker) {
        const std::optional<int> published = reader.at_exit();
        if (!cgroup.empty()) ::rmdir(cgroup.c_str());
        ::_exit(published ? *published : exit_code(st));
      }
    } else {
      send_signal(fd.get(), sig);
    }
  }
}

// A daemoncheck killed with SIGKILL can leave its (empty) cgroup behind; the
// next run removes those it made (named daemoncheck-PID, nothing else) whose
// owner is gone. rmdir() refuses a cgroup in use.
void remove_stale_cgroups(const std::string& root) {
  UniqueDir d = UniqueDir::open(root);
  if (!d) return;
  while (dirent* e = d.next()) {
    std::string_view name(e->d_name);
    if (!name.starts_with("daemoncheck-")) continue;
    std::string_view digits = name.substr(12);
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) continue;
    std::string owner = "/proc/" + std::to_string(pid);
    if (::access(owner.c_str(), F_OK) != 0) ::rmdir((root + "/" + std::string(name)).c_str());
  }
}

// A pids cgroup (v2 if mounted, else the v1 controller) for the namespace.
std::string make_pids_cgroup(long pids_max, std::string* note) {
  for (const char* root : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"}) {
    std::string probe = std::string(root) + "/cgroup.procs";
    if (::access(probe.c_str(), W_OK) != 0) continue;
    remove_stale_cgroups(root);
    std::string dir = std::string(root) + "/daemoncheck-" + std::to_string(::getpid());
    if (::mkdir(dir.c_str(), 0755) != 0) continue;
    std::string max = dir + "/pids.max";
    FILE* f = std::fopen(max.c_str(), "w");
    if (!f) {
      ::rmdir(dir.c_str());
      continue;
    }
    bool ok = std::fprintf(f, "%ld\n", pids_max) > 0;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
      ::rmdir(dir.c_str());
      continue;
    }
    return dir;
  }
  *note += "no writable pids cgroup: the target's process count is not capped. ";
  return "";
}

// The keeper's children once the checker is gone: what the target left.
std::vector<pid_t> own_children() {
  std::vector<pid_t> out;
  const std::string me = std::to_string(::getpid());
  auto text = sys::read_file(sys::proc_path(::getpid(), "task/" + me + "/children"));
  if (!text) return out;
  const char* p = text->data();
  const char* end = p + text->size();
  while (p < end) {
    pid_t pid = 0;
    auto [next, ec] = std::from_chars(p, end, pid);
    if (ec == std::errc() && pid > 1) out.push_back(pid);
    p = next + (next < end ? 1 : 0);
    if (ec != std::errc()) break;
  }
  return out;
}

// Kills and reaps every child of the keeper until none is left on two looks
// in a row (what a killed process started is re-parented here meanwhile),
// bounded by 10 s. Each is stopped before it is killed, so it forks no more.
void end_orphans() {
  const double give_up = monotonic_ms() + 10000;
  for (int quiet = 0; quiet < 2 && monotonic_ms() < give_up;) {
    bool reaped = false;
    while (::waitpid(-1, nullptr, WNOHANG) > 0) reaped = true;
    auto kids = own_children();
    if (kids.empty()) {
      quiet = reaped ? 0 : quiet + 1;
      // The next look comes when a child changes (SIGCHLD, blocked in the
      // keeper), or after 1 ms at most: a process re-parented here sends none.
      sigset_t chld;
      sigemptyset(&chld);
      sigaddset(&chld, SIGCHLD);
      const timespec at_most{0, 1000000};
      ::sigtimedwait(&chld, nullptr, &at_most);
      continue;
    }
    quiet = 0;
    std::vector<UniqueFd> fds;
    for (pid_t pid : kids) fds.emplace_back(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    for (auto& fd : fds) send_signal(fd.get(), SIGSTOP);
    for (auto& fd : fds) send_signal(fd.get(), SIGKILL);
    for (pid_t pid : kids) ::waitpid(pid, nullptr, 0);
  }
}

// The keeper: waits for the checker, forwarding the interrupting signals;
// then ends what the checker could not (it was killed), removes its marked
// temp folders and exits with its status.
[[noreturn]] void keep(pid_t checker, const sigset_t& set) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, checker, 0)));
  int st = 0;
  for (;;) {
    siginfo_t si{};
    int sig = ::sigwaitinfo(&set, &si);
    if (sig == SIGCHLD) {
      // While the checker runs it is the keeper's only child: its own
      // descendants are re-parented to it, a subreaper too.
      if (::waitpid(checker, &st, WNOHANG) == checker) break;
    } else if (sig > 0) {
      send_signal(fd.get(), sig);
    }
  }
  end_orphans();
  sweep_stale_temp_dirs();
  ::_exit(exit_code(st));
}

}  // namespace

void enter_keeper() {
  const sigset_t set = forwarded_and_chld();
  sigset_t old;
  ::sigprocmask(SIG_BLOCK, &set, &old);
  int go[2];
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 || ::pipe2(go, O_CLOEXEC) != 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return;
  }
  pid_t checker = ::fork();
  if (checker < 0) {
    ::close(go[0]);
    ::close(go[1]);
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return;
  }
  if (checker > 0) {
    ::close(go[0]);
    ::signal(SIGPIPE, SIG_IGN);
    if (::write(go[1], "g", 1) != 1) ::_exit(3);
    ::close(go[1]);
    keep(checker, set);
  }
  // The checker. Should the keeper die, it tears the check down as on
  // SIGHUP (the keeper is no descendant: the Reaper takes it for an
  // interrupt, not for the target's signal). The go byte comes once the
  // keeper waits; if it died first, the pipe ends and so does the checker.
  ::close(go[1]);
  ::prctl(PR_SET_PDEATHSIG, kOuterGone);
  char byte;
  if (::read(go[0], &byte, 1) != 1) ::_exit(3);
  ::close(go[0]);
  // The interrupting signals stay blocked, as in enter_isolation(): the
  // Reaper reads them from its signalfd.
}

Isolation enter_isolation(long pids_max, PrivateStyle style, Publish publish,
                          const std::vector<std::string>& keep) {
  Isolation iso;
  const sigset_t set = forwarded_and_chld();
  sigset_t old;
  ::sigprocmask(SIG_BLOCK, &set, &old);
  // The caller's mount namespace and folder, for the outer process to go back to.
  UniqueFd host_mnt(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
  UniqueFd host_cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
    iso.note = std::string("no PID namespace (") + std::strerror(errno) +
               "): cleanup relies on the subreaper, and a checker killed with SIGKILL can leave "
               "the target's processes behind, and the target may write the host's /run, /tmp, "
               "/var/tmp and /etc";
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return iso;
  }
  iso.cgroup = make_pids_cgroup(pids_max, &iso.note);
  if (!iso.cgroup.empty()) iso.pids_max = pids_max;
  int go[2], res[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(res, O_CLOEXEC) != 0 ||
      ::fcntl(res[0], F_SETFL, O_NONBLOCK) != 0 ||
      ::getrandom(g_token, sizeof g_token, 0) != static_cast<ssize_t>(sizeof g_token))
    ::_exit(3);
  UniqueFd go_r(go[0]), go_w(go[1]), result_r(res[0]), result_w(res[1]);
  ::signal(SIGPIPE, SIG_IGN);
  pid_t checker = ::fork();
  if (checker < 0) {
    std::fprintf(stderr, "daemoncheck: fork: %s\n", std::strerror(errno));
    ::_exit(3);
  }
  if (checker > 0) {
    // The outer process: let the checker go, leave its mount namespace (so
    // that the checker's exit is what takes it down), wait. Should the
    // kernel refuse, the namespace goes when this process exits.
    go_r.reset();
    result_w.reset();
    if (::write(go_w.get(), "g", 1) != 1) ::_exit(3);
    go_w.reset();
    // setns() leaves the process in the namespace's root folder: it goes back
    // to its own (the reports are written through descriptors opened before,
    // so a folder that cannot be re-entered changes nothing).
    if (host_mnt.valid() && ::setns(host_mnt.get(), CLONE_NEWNS) == 0 && host_cwd.valid() &&
        ::fchdir(host_cwd.get()) != 0)
      host_cwd.reset();
    host_mnt.reset();
    host_cwd.reset();
    if (!publish) result_r.reset();
    wait_and_forward(checker, set, iso.cgroup, std::move(result_r), publish);
  }
  // The checker is pid 1, the namespace's init: no process of the target can
  // kill or stop it (the kernel drops SIGKILL, SIGSTOP and every signal left
  // at its default action when they come from inside the namespace), and
  // whatever the target leaves is re-parented to it. When it exits, the kernel
  // kills every process of the namespace.
  go_w.reset();
  result_r.reset();
  host_mnt.reset();
  host_cwd.reset();
  if (publish) g_result_w = result_w.release();
  ::prctl(PR_SET_PDEATHSIG, kOuterGone);
  // The go byte comes once the outer process is waiting; if the outer process
  // died first, the pipe ends and so does the checker.
  char byte;
  if (::read(go_r.get(), &byte, 1) != 1) ::_exit(3);
  go_r.reset();
  // Into the cgroup before anything is forked: everything after inherits it.
  if (!iso.cgroup.empty() && !join_cgroup_self(iso.cgroup)) {
    iso.note += "the pids cgroup could not be joined: the target's process count is not capped. ";
    iso.pids_max = 0;
    iso.cgroup.clear();
  }
  g_host_proc = ::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    std::fprintf(stderr, "daemoncheck: cannot mount /proc for the PID namespace: %s\n",
                 std::strerror(errno));
    ::_exit(3);
  }
  // Before any temp folder is made, so that the check's own live there too.
  PrivateDirs priv = make_host_dirs_private(style, keep);
  iso.private_dirs = std::move(priv.made);
  iso.kept = std::move(priv.kept);
  if (!priv.note.empty()) iso.note += priv.note + ". ";
  // The interrupting signals stay blocked: the Reaper reads them from its
  // signalfd (a parent-death signal that came early is still pending there).
  iso.pid_namespace = true;
  if (!iso.cgroup.empty()) {
    g_census_path = iso.cgroup + "/pids.current";
    g_census_baseline = read_count(g_census_path).value_or(0);
    g_cgroup_to_remove = iso.cgroup;
    std::atexit(remove_own_cgroup);
  }
  return iso;
}

bool hand_over_result(int status, const std::string& scorecard) {
  if (g_result_w < 0) return false;
  UniqueFd w(g_result_w);
  g_result_w = -1;
  ResultHeader h{};
  std::memcpy(h.token, g_token, sizeof h.token);
  h.status = status;
  h.size = scorecard.size();
  const std::string_view head(reinterpret_cast<const char*>(&h), sizeof h);
  // A failed write means the outer process is gone (daemoncheck was killed):
  // there is nobody to publish for.
  if (sys::write_all(w.get(), head)) sys::write_all(w.get(), scorecard);
  return true;
}

std::optional<bool> only_checker_left() {
  // The checker at least; anything less means the cgroup was not joined, and
  // its count says nothing about the check.
  if (g_census_baseline < 1) return std::nullopt;
  auto now = read_count(g_census_path);
  if (!now) return std::nullopt;
  return *now <= g_census_baseline;
}

namespace {

// The checker's own pid in the host's view: the host /proc's "self" link,
// read through the descriptor kept from before the namespace's /proc was
// mounted. Read once: it never changes.
std::optional<pid_t> own_host_pid() {
  static const std::optional<pid_t> pid = []() -> std::optional<pid_t> {
    char buf[32];
    const ssize_t n = ::readlinkat(g_host_proc, "self", buf, sizeof buf);
    pid_t v = 0;
    if (n <= 0) return std::nullopt;
    auto [end, ec] = std::from_chars(buf, buf + n, v);
    if (ec != std::errc() || end != buf + n || v <= 0) return std::nullopt;
    return v;
  }();
  return pid;
}

// A pidfd's fdinfo, read through the host's /proc, names the process by its
// host pid ("Pid:" is given in the namespace of the /proc it is read from):
// one open and one read where a scan of every host process costs hundreds.
std::optional<pid_t> host_pid_by_pidfd(pid_t pid) {
  const auto self = own_host_pid();
  if (!self) return std::nullopt;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return std::nullopt;
  const std::string info = std::to_string(*self) + "/fdinfo/" + std::to_string(pidfd.get());
  const auto text = sys::read_file_at(g_host_proc, info, 4096);
  if (!text) return std::nullopt;
  const size_t at = text->find("\nPid:\t");
  if (at == std::string::npos) return std::nullopt;
  const char* first = text->data() + at + 6;
  const char* last = text->data() + text->size();
  pid_t v = 0;
  auto [end, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || v <= 0 || (end != last && *end != '\n')) return std::nullopt;
  return v;
}

}  // namespace

std::optional<pid_t> host_pid_of(pid_t pid) {
  if (g_host_proc < 0) return std::nullopt;
  if (pid == ::getpid()) return own_host_pid();
  if (auto found = host_pid_by_pidfd(pid)) return found;
  // A kernel whose pidfd fdinfo has no "Pid:" line: look through every
  // host process for the one whose innermost pid is this one.
  auto pids = sys::numbered_entries_at(g_host_proc, ".");
  if (!pids) return std::nullopt;
  std::string self_ns;
  {
    char buf[64];
    ssize_t n = ::readlink("/proc/self/ns/pid", buf, sizeof buf);
    if (n > 0) self_ns.assign(buf, static_cast<size_t>(n));
  }
  for (int host_pid : *pids) {
    const std::string dir = std::to_string(host_pid);
    auto text = sys::read_file_at(g_host_proc, dir + "/status", 4096);
    if (!text || text->empty()) continue;
    auto st = observe::parse_status(*text);
    if (!st || st->ns_pids.size() < 2 || st->ns_pids.back() != pid) continue;
    // Same innermost pid in some other namespace? Compare namespaces.
    char link[64];
    ssize_t m = ::readlinkat(g_host_proc, (dir + "/ns/pid").c_str(), link, sizeof link);
    if (m > 0 && std::string(link, static_cast<size_t>(m)) == self_ns) return st->ns_pids.front();
  }
  return std::nullopt;
}

}  // namespace dc

namespace dc {

void ignore_unused_signals() {
  // The interrupting signals and SIGCHLD are read from the Reaper's signalfd;
  // the synchronous ones (a fault of the checker's own) keep their action;
  // SIGCONT continues whatever its disposition. Signals 32 and 33 belong to
  // the C library's threads.
  static constexpr int kKept[] = {SIGKILL, SIGSTOP, SIGCHLD, SIGINT,  SIGTERM,
                                  SIGHUP,  SIGQUIT, SIGCONT, SIGSEGV, SIGBUS,
                                  SIGILL,  SIGFPE,  SIGTRAP, SIGABRT, SIGSYS};
  auto kept = [](int sig) {
    for (int k : kKept)
      if (k == sig) return true;
    return false;
  };
  for (int sig = 1; sig < 32; ++sig)
    if (!kept(sig)) ::signal(sig, SIG_IGN);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) ::signal(sig, SIG_IGN);
}

}  // namespace dc
