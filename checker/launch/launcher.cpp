// See launcher.h. The holder and the target run this file's code between fork
// and exec; everything they need is prepared by the checker before fork.
#include "launch/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "common/clock.h"
#include "launch/signal_guard.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "sys/fileio.h"

extern char** environ;

namespace dc {
namespace {

// What the holder tells the checker. Fixed size, so one read is one message.
struct HolderMsg {
  int32_t type;
  int32_t pid;
  int32_t wait_status;
  int32_t pad;
  double at_monotonic_ms;
};
constexpr int32_t kTargetStarted = 1;
constexpr int32_t kTargetExited = 2;

// The environment of a shell user, less what would tell a daemonizer it runs
// under systemd or socket activation: those would change its behaviour.
const char* const kStrippedEnv[] = {"NOTIFY_SOCKET", "INVOCATION_ID",  "LISTEN_PID",
                                    "LISTEN_FDS",    "LISTEN_FDNAMES", "JOURNAL_STREAM",
                                    "WATCHDOG_USEC", "WATCHDOG_PID"};

// Where the two leaked descriptors sit in the target (rules.md v2): a regular
// file at 3 and a pipe end at 9, nothing open in between. A close loop that
// closes only the numbers below its first free slot (busybox's daemonize
// opens /dev/null at 4 and closes 4 and 3), or stops at the first number that
// is not open, leaves 9 open and is caught. The descriptors the target's
// launch code parks sit at 10 and above, close-on-exec.
constexpr int kPlantedFileFd = 3;
constexpr int kPlantedPipeFd = 9;

void close_all_except(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned lo = 0;
  for (int k : keep) {
    if (k < 0) continue;
    auto uk = static_cast<unsigned>(k);
    if (uk > lo) ::close_range(lo, uk - 1, 0);
    lo = uk + 1;
  }
  ::close_range(lo, ~0U, 0);
}

// Writes one message record whole (sys::write_all allocates nothing, so the
// holder and the child before exec may call it).
template <class T>
void write_record(int fd, const T& record) {
  sys::write_all(fd, std::string_view(reinterpret_cast<const char*>(&record), sizeof record));
}

std::vector<std::string> target_environment(const LaunchPlan& plan) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    std::string_view key = kv.substr(0, kv.find('='));
    bool stripped = key == plan.canary_name;
    for (const char* s : kStrippedEnv) stripped = stripped || key == s;
    for (const auto& [k, v] : plan.extra_env) stripped = stripped || key == k;
    if (!stripped) env.emplace_back(kv);
  }
  env.push_back(plan.canary_name + "=" + plan.canary_value);
  for (const auto& [k, v] : plan.extra_env) env.push_back(std::string(k).append("=").append(v));
  return env;
}

// The last steps before exec, in the target: the inheritance of a messy shell.
[[noreturn]] void exec_target(const LaunchPlan& plan, const std::vector<std::string>& env,
                              int slave, int err_w, int planted_file, int planted_pipe) {
  int report_fd = err_w;  // moves above the target's numbers below
  auto fail = [&](int err) {
    write_record(report_fd, err);
    ::_exit(127);
  };
  // Park what we keep above the numbers the target will see, close the rest.
  int s = ::fcntl(slave, F_DUPFD_CLOEXEC, 10);
  int e = ::fcntl(err_w, F_DUPFD_CLOEXEC, 10);
  if (e >= 0) report_fd = e;
  int pf = ::fcntl(planted_file, F_DUPFD_CLOEXEC, 10);
  int pp = ::fcntl(planted_pipe, F_DUPFD_CLOEXEC, 10);
  if (s < 0 || e < 0 || pf < 0 || pp < 0) fail(errno);
  close_all_except({s, e, pf, pp});
  // The terminal on 0, 1, 2 and two leaked descriptors (dup2 clears
  // close-on-exec: they are inherited, as a careless shell leaks them), with
  // a gap between them, as a shell with a few files open leaves them.
  if (::dup2(s, 0) < 0 || ::dup2(s, 1) < 0 || ::dup2(s, 2) < 0) fail(errno);
  if (::dup2(pf, kPlantedFileFd) < 0 || ::dup2(pp, kPlantedPipeFd) < 0) fail(errno);
  ::close(s);
  ::close(pf);
  ::close(pp);
  ::umask(plan.umask);
  // `ulimit -c unlimited`, as a developer who debugs crashes has it: a
  // caller's shell with `ulimit -c 0` must not pass core-dumps-disabled for a
  // daemon that never sets the limit.
  rlimit core{};
  if (::getrlimit(RLIMIT_CORE, &core) == 0 && core.rlim_cur != core.rlim_max) {
    core.rlim_cur = core.rlim_max;
    ::setrlimit(RLIMIT_CORE, &core);
  }
  if (::chdir(plan.tmp_dir.c_str()) != 0) fail(errno);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  for (int sig : plan.ignored_signals) ::signal(sig, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : plan.blocked_signals) sigaddset(&mask, sig);
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);

  if (plan.pin_cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(plan.pin_cpu, &one);
    if (::sched_setaffinity(0, sizeof one, &one) != 0) fail(errno);
    sched_param rt{};
    rt.sched_priority = 1;
    if (plan.realtime) ::sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt);
  }

  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& kv : env) envp.push_back(const_cast<char*>(kv.c_str()));
  envp.push_back(nullptr);
  // The target starts in {tmp}: a relative command was resolved beforehand.
  if (plan.exec_path.empty())
    ::execvpe(argv[0], argv.data(), envp.data());
  else
    ::execve(plan.exec_path.c_str(), argv.data(), envp.data());
  fail(errno);
  ::_exit(127);
}

// The job's side of the start gate (a pipe): it waits until the holder has
// told the checker its pid (the holder closes the write end then, or dies),
// so that a target that kills its parent at once cannot do so before the
// checker knows which process it launched.
void wait_at_gate(int gate_r) {
  char c;
  while (::read(gate_r, &c, 1) < 0 && errno == EINTR) {
  }
  ::close(gate_r);
}

// The session holder: a shell at its prompt. It leads the pty's session, runs
// the target as its foreground job, reports the job's exit, takes the terminal
// back (as a shell does when a foreground job ends), and on hang-up sends
// SIGHUP to the job's process group and exits.
[[noreturn]] void run_holder(const LaunchPlan& plan, const std::vector<std::string>& env,
                             const std::string& slave_path, int msg_w, int err_w, int planted_file,
                             int planted_pipe, pid_t checker) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != checker) ::_exit(1);
  if (::setsid() < 0) ::_exit(1);
  if (plan.holder_subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) ::_exit(1);
  int slave = ::open(slave_path.c_str(), O_RDWR | O_CLOEXEC);
  if (slave < 0 || ::ioctl(slave, TIOCSCTTY, 0) != 0) ::_exit(1);
  close_all_except({0, 1, 2, slave, msg_w, err_w, planted_file, planted_pipe});
  ::dup2(slave, 0);
  ::dup2(slave, 1);
  ::dup2(slave, 2);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  // An interactive shell ignores the job-control and keyboard signals.
  for (int sig : {SIGTTOU, SIGTTIN, SIGTSTP, SIGINT, SIGQUIT}) ::signal(sig, SIG_IGN);
  sigset_t waitset;
  sigemptyset(&waitset);
  for (int sig : {SIGCHLD, SIGHUP, SIGTERM}) sigaddset(&waitset, sig);
  ::sigprocmask(SIG_SETMASK, &waitset, nullptr);

  int gate[2];
  if (::pipe2(gate, O_CLOEXEC) != 0) ::_exit(1);
  pid_t job = ::fork();
  if (job < 0) ::_exit(1);
  if (job == 0) {
    ::close(msg_w);
    ::close(gate[1]);
    ::setpgid(0, 0);
    ::tcsetpgrp(slave, ::getpid());  // SIGTTOU is ignored here, reset in exec_target
    wait_at_gate(gate[0]);
    exec_target(plan, env, slave, err_w, planted_file, planted_pipe);
  }
  ::close(gate[0]);
  ::setpgid(job, job);
  ::close(err_w);
  ::close(planted_file);
  ::close(planted_pipe);
  HolderMsg started{kTargetStarted, job, 0, 0, monotonic_ms()};
  write_record(msg_w, started);
  ::close(gate[1]);
  for (;;) {
    siginfo_t si{};
    int sig = ::sigwaitinfo(&waitset, &si);
    if (sig == SIGCHLD) {
      int st = 0;
      pid_t p;
      while ((p = ::waitpid(-1, &st, WNOHANG)) > 0) {
        if (p != job) continue;
        HolderMsg exited{kTargetExited, job, st, 0, monotonic_ms()};
        write_record(msg_w, exited);
        ::tcsetpgrp(slave, ::getpgrp());
      }
    } else if (sig == SIGHUP) {
      forward_to_job(job, SIGHUP);
      forward_to_job(job, SIGCONT);
      ::_exit(0);
    } else if (sig == SIGTERM) {
      ::_exit(0);
    }
  }
}

// The race mode's stand-in parent: the target leads the pty's session, and
// its parent is this process rather than the checker, which runs as its
// PID namespace's init (pid 1): a daemonizer that reads a parent of pid 1 as
// "started by init" would not daemonize. It reports the target's start and
// exit like the holder, then exits.
[[noreturn]] void run_stand_in(const LaunchPlan& plan, const std::vector<std::string>& env,
                               const std::string& slave_path, int msg_w, int err_w,
                               int planted_file, int planted_pipe) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (plan.stand_in_stays && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) ::_exit(126);
  int gate[2];
  if (::pipe2(gate, O_CLOEXEC) != 0) ::_exit(126);
  pid_t job = ::fork();
  if (job < 0) ::_exit(126);
  if (job == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::close(msg_w);
    ::close(gate[1]);
    if (::setsid() < 0) ::_exit(126);
    int slave = ::open(slave_path.c_str(), O_RDWR | O_CLOEXEC);
    if (slave < 0 || ::ioctl(slave, TIOCSCTTY, 0) != 0) ::_exit(126);
    wait_at_gate(gate[0]);
    exec_target(plan, env, slave, err_w, planted_file, planted_pipe);
  }
  ::close(gate[0]);
  ::close(err_w);
  ::close(planted_file);
  ::close(planted_pipe);
  HolderMsg started{kTargetStarted, job, 0, 0, monotonic_ms()};
  write_record(msg_w, started);
  ::close(gate[1]);
  int st = 0;
  while (::waitpid(job, &st, 0) < 0 && errno == EINTR) {
  }
  HolderMsg exited{kTargetExited, job, st, 0, monotonic_ms()};
  write_record(msg_w, exited);
  // Orphans that die stay zombies here, for the checker to count and reap
  // once it kills this process (they are re-parented to it then). Like the
  // checker, it ignores or blocks every signal a daemon may send its parent,
  // SIGKILL and SIGSTOP aside.
  while (plan.stand_in_stays) ::pause();
  ::_exit(0);
}

void record_exit(LaunchFacts& facts, pid_t pid, int wait_status, double at_ms) {
  ExitInfo e;
  e.pid = pid;
  e.at_ms = at_ms;
  if (WIFEXITED(wait_status))
    e.exit_status = WEXITSTATUS(wait_status);
  else if (WIFSIGNALED(wait_status))
    e.signal = WTERMSIG(wait_status);
  facts.launched_exit = e;
}

}  // namespace

LaunchPlan default_plan(std::vector<std::string> argv, std::string tmp_dir) {
  LaunchPlan p;
  p.argv = std::move(argv);
  p.tmp_dir = std::move(tmp_dir);
  p.blocked_signals = {SIGUSR2};
  p.ignored_signals = {SIGRTMIN + 3};
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  p.canary_value = std::string("dc-canary-") + buf;
  return p;
}

std::string expand_tmp(std::string s, const std::string& tmp) {
  const std::string token = "{tmp}";
  for (size_t at = s.find(token); at != std::string::npos; at = s.find(token, at + tmp.size()))
    s.replace(at, token.size(), tmp);
  return s;
}

Result<std::string> resolve_executable(const std::string& name) {
  if (name.empty()) return Error{.detail = "the command is empty"};
  auto check = [](const std::string& path) -> Result<std::string> {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Error{"", path, errno, {}};
    if (S_ISDIR(st.st_mode)) return Error{"", path, 0, "is a directory"};
    if (::access(path.c_str(), X_OK) != 0) return Error{"", path, errno, "not executable"};
    return path;
  };
  if (name.find('/') != std::string::npos) {
    if (name[0] == '/') return check(name);
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return os_error("getcwd", "");
    return check(std::string(cwd) + "/" + name);
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty() || dir[0] != '/') {  // a relative PATH entry: relative to here
      char cwd[4096];
      if (!::getcwd(cwd, sizeof cwd)) return os_error("getcwd", "");
      dir = dir.empty() ? std::string(cwd) : std::string(cwd).append("/").append(dir);
    }
    if (auto r = check(dir.append("/").append(name))) return r;
    start = end + 1;
  }
  return Error{"", name, 0, "command not found in PATH"};
}

Result<PendingLaunch> begin_launch(const LaunchPlan& plan) {
  Reaper& reaper = Reaper::get();
  PendingLaunch pending;
  pending.exec_name = plan.argv[0];
  Launch& launch = pending.launch;
  launch.stand_in_stays = plan.target_leads_session && plan.stand_in_stays;
  LaunchFacts& f = launch.facts;
  f.argv = plan.argv;
  f.tmp_dir = plan.tmp_dir;
  f.checker_pid = ::getpid();
  f.umask = plan.umask;
  f.blocked_signals = plan.blocked_signals;
  f.ignored_signals = plan.ignored_signals;
  f.canary_name = plan.canary_name;
  f.canary_value = plan.canary_value;
  rlimit core{};
  if (::getrlimit(RLIMIT_CORE, &core) == 0 && core.rlim_max != RLIM_INFINITY)
    f.core_limit = core.rlim_max;

  launch.pty_master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!launch.pty_master.valid())
    return os_error("cannot open a pseudo-terminal (posix_openpt)", "");
  if (::grantpt(launch.pty_master.get()) != 0 || ::unlockpt(launch.pty_master.get()) != 0)
    return os_error("cannot unlock the pseudo-terminal", "");
  char name[128];
  if (::ptsname_r(launch.pty_master.get(), name, sizeof name) != 0) return os_error("ptsname", "");
  f.pty_path = name;
  struct winsize ws {};
  ws.ws_row = 24;
  ws.ws_col = 80;
  ::ioctl(launch.pty_master.get(), TIOCSWINSZ, &ws);
  struct stat st {};
  if (::stat(name, &st) == 0) f.pty_rdev = st.st_rdev;

  // The two leaked descriptors: a regular file and the read end of a pipe.
  static int launch_count = 0;
  std::string leak_path =
      plan.tmp_dir + "/.daemoncheck-inherited-" + std::to_string(++launch_count);
  UniqueFd planted_file(
      ::open(leak_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!planted_file.valid()) return os_error("cannot create", leak_path);
  int pp[2];
  if (::pipe2(pp, O_CLOEXEC) != 0) return os_error("pipe", "");
  UniqueFd planted_pipe(pp[0]);
  launch.planted_pipe_peer.reset(pp[1]);
  if (::fstat(planted_file.get(), &st) == 0)
    f.planted_fds.push_back(PlantedFd{kPlantedFileFd, "file", leak_path, st.st_dev, st.st_ino});
  if (::fstat(planted_pipe.get(), &st) == 0)
    f.planted_fds.push_back(PlantedFd{
        kPlantedPipeFd, "pipe", "pipe:[" + std::to_string(st.st_ino) + "]", st.st_dev, st.st_ino});

  int ep[2], mp[2];
  if (::pipe2(ep, O_CLOEXEC) != 0) return os_error("pipe", "");
  UniqueFd err_r(ep[0]), err_w(ep[1]);
  if (::pipe2(mp, O_CLOEXEC) != 0) return os_error("pipe", "");
  UniqueFd msg_r(mp[0]), msg_w(mp[1]);

  const std::vector<std::string> env = target_environment(plan);
  const pid_t checker = ::getpid();
  pid_t child = ::fork();
  if (child < 0) return os_error("fork", "");
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &reaper.original_mask(), nullptr);
    if (plan.target_leads_session)
      run_stand_in(plan, env, f.pty_path, msg_w.get(), err_w.get(), planted_file.get(),
                   planted_pipe.get());
    run_holder(plan, env, f.pty_path, msg_w.get(), err_w.get(), planted_file.get(),
               planted_pipe.get(), checker);
  }
  err_w.reset();
  msg_w.reset();
  f.launch_sid = child;
  // The session holder, or in the race mode the stand-in parent (not a
  // session holder: holder_pid stays 0).
  if (!plan.target_leads_session) f.holder_pid = child;
  if (plan.target_leads_session) launch.stand_in_pid = child;
  launch.holder_pidfd = open_descendant_pidfd(child);
  launch.holder_events = std::move(msg_r);
  pending.exec_errors = std::move(err_r);
  pending.target_leads_session = plan.target_leads_session;
  return pending;
}

Result<Launch> finish_launch(PendingLaunch pending) {
  Reaper& reaper = Reaper::get();
  Launch& launch = pending.launch;
  LaunchFacts& f = launch.facts;
  {
    // The holder's (or the race mode's stand-in's) first message names the job.
    HolderMsg m{};
    const int fds[] = {launch.holder_events.get()};
    double deadline = reaper.now_ms() + 10000;
    while (f.launched_pid == 0) {
      int r = reaper.wait(fds, deadline);
      if (r == Reaper::kTimeout)
        return Error{.step = "the session holder did not start the target"};
      if (r != 0) continue;
      ssize_t n = ::read(launch.holder_events.get(), &m, sizeof m);
      if (n != static_cast<ssize_t>(sizeof m) || m.type != kTargetStarted)
        return Error{.step = "the session holder failed before starting the target"};
      f.launched_pid = m.pid;
      f.job_pgid = m.pid;
    }
    launch.target_pidfd = open_descendant_pidfd(f.launched_pid);
    if (pending.target_leads_session) f.launch_sid = f.launched_pid;
  }

  // EOF on the error pipe means exec succeeded; an int means it failed.
  const UniqueFd& err_r = pending.exec_errors;
  const int efds[] = {err_r.get()};
  double deadline = reaper.now_ms() + 10000;
  for (;;) {
    int r = reaper.wait(efds, deadline);
    if (r == Reaper::kTimeout) break;
    if (r != 0) continue;
    int err = 0;
    ssize_t n = ::read(err_r.get(), &err, sizeof err);
    if (n == static_cast<ssize_t>(sizeof err)) {
      return Error{"cannot execute", pending.exec_name, err, {}};
    }
    break;
  }
  // The terminal is open on the target's side by now (the holder or the
  // target opened it before exec), so a hang-up seen from here on is real.
  launch.pty_master.start_draining();
  return std::move(launch);
}

Result<Launch> start_launch(const LaunchPlan& plan) {
  auto pending = begin_launch(plan);
  if (!pending) return pending.error();
  return finish_launch(std::move(*pending));
}

namespace {

// The child's side of spawn_service(): every step exec_child() takes, in its
// order (stdio, session, limits, credentials, umask, directory, signals).
[[noreturn]] void exec_service(const ServiceExecPlan& plan, int err_w) {
  int report_fd = ::fcntl(err_w, F_DUPFD_CLOEXEC, 10);
  auto fail = [&](int err) {
    write_record(report_fd, err);
    ::_exit(203);  // systemd's EXIT_EXEC
  };
  if (report_fd < 0) ::_exit(203);
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  int in = plan.stdin_fd >= 0 ? plan.stdin_fd : null.get();
  int out = plan.stdout_fd >= 0 ? plan.stdout_fd : null.get();
  int err = plan.stderr_fd >= 0 ? plan.stderr_fd : null.get();
  // Parked above 2 first, so that dup2() onto 0, 1, 2 cannot close a source.
  int pin = ::fcntl(in, F_DUPFD_CLOEXEC, 10), pout = ::fcntl(out, F_DUPFD_CLOEXEC, 10),
      perr = ::fcntl(err, F_DUPFD_CLOEXEC, 10);
  if (pin < 0 || pout < 0 || perr < 0) fail(errno);
  if (::dup2(pin, 0) < 0 || ::dup2(pout, 1) < 0 || ::dup2(perr, 2) < 0) fail(errno);
  // Planted descriptors: all parked above 10 first, so that placing one
  // cannot close the source of the next; dup2() makes them inherited.
  std::vector<int> keep{0, 1, 2, report_fd}, parked;
  for (const auto& planted : plan.planted) {
    parked.push_back(::fcntl(planted.second, F_DUPFD_CLOEXEC, 10));
    if (parked.back() < 0) fail(errno);
  }
  for (size_t i = 0; i < parked.size(); ++i) {
    if (::dup2(parked[i], plan.planted[i].first) < 0) fail(errno);
    keep.push_back(plan.planted[i].first);
  }
  close_all_except(keep);
  if (::setsid() < 0) fail(errno);
  if (plan.stdin_is_tty && ::ioctl(0, TIOCSCTTY, 1) != 0) fail(errno);
  // Without CAP_SYS_RESOURCE (a container) a hard limit above the checker's
  // cannot be set: the checker's hard limit bounds it then.
  auto set_limit = [&](int resource, rlimit want) {
    if (::setrlimit(resource, &want) == 0) return;
    rlimit have{};
    if (errno != EPERM || ::getrlimit(resource, &have) != 0) fail(errno);
    want.rlim_max = std::min(want.rlim_max, have.rlim_max);
    want.rlim_cur = std::min(want.rlim_cur, want.rlim_max);
    if (::setrlimit(resource, &want) != 0) fail(errno);
  };
  set_limit(RLIMIT_NOFILE, plan.nofile);
  if (plan.core) set_limit(RLIMIT_CORE, *plan.core);
  // systemd's apply_root_directory(): after the mounts, before the
  // credentials are dropped (chroot needs CAP_SYS_CHROOT); the working
  // directory and the program are then looked up inside the root.
  if (!plan.root_directory.empty() && plan.root_directory != "/" &&
      ::chroot(plan.root_directory.c_str()) != 0)
    fail(errno);
  if (plan.uid) {
    if (::setgroups(plan.groups.size(), plan.groups.data()) != 0) fail(errno);
    if (plan.gid && ::setresgid(*plan.gid, *plan.gid, *plan.gid) != 0) fail(errno);
    if (::setresuid(*plan.uid, *plan.uid, *plan.uid) != 0) fail(errno);
  } else if (plan.gid && ::setresgid(*plan.gid, *plan.gid, *plan.gid) != 0) {
    fail(errno);
  }
  ::umask(plan.umask);
  if (::chdir(plan.cwd.c_str()) != 0) {
    if (!plan.cwd_optional) fail(errno);  // systemd: 200/CHDIR; said as the exec error here
    if (::chdir("/") != 0) fail(errno);
  }
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // Only known after fork: the process's own pid (no allocation here).
  static char exec_pid[40], watchdog_pid[40], listen_pid[40];
  std::snprintf(exec_pid, sizeof exec_pid, "SYSTEMD_EXEC_PID=%d", static_cast<int>(::getpid()));
  std::snprintf(watchdog_pid, sizeof watchdog_pid, "WATCHDOG_PID=%d", static_cast<int>(::getpid()));
  std::snprintf(listen_pid, sizeof listen_pid, "LISTEN_PID=%d", static_cast<int>(::getpid()));
  for (const auto& kv : plan.env)
    envp.push_back(kv == "WATCHDOG_PID=$$SELF" ? watchdog_pid
                   : kv == "LISTEN_PID=$$SELF" ? listen_pid
                                               : const_cast<char*>(kv.c_str()));
  if (plan.exec_pid_var) envp.push_back(exec_pid);
  envp.push_back(nullptr);
  ::execve(plan.exec_path.c_str(), argv.data(), envp.data());
  fail(errno);
  ::_exit(203);
}

}  // namespace

Result<SpawnedService> spawn_service(const ServiceExecPlan& plan, double deadline_ms) {
  Reaper& reaper = Reaper::get();
  int ep[2];
  if (::pipe2(ep, O_CLOEXEC) != 0) return os_error("pipe", "");
  UniqueFd err_r(ep[0]), err_w(ep[1]);
  SpawnedService s;
  s.started_ms = reaper.now_ms();
  pid_t child = ::fork();
  if (child < 0) return os_error("fork", "");
  if (child == 0) {
    err_r.reset();
    exec_service(plan, err_w.get());
  }
  err_w.reset();
  s.pid = child;
  // Our own child, not reaped before the next Reaper call: its pid is its
  // own even when it has already exited (a Type=simple program may exec,
  // fork and exit before this line runs), so the pidfd pins it.
  s.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  s.exec_report = std::move(err_r);
  if (plan.wait_for_exec) await_exec(s, deadline_ms);
  return s;
}

void await_exec(SpawnedService& s, double deadline_ms) {
  if (!s.exec_report.valid()) return;
  Reaper& reaper = Reaper::get();
  // EOF on the error pipe: exec succeeded; an int: why it failed.
  const int fds[] = {s.exec_report.get()};
  for (;;) {
    const int r = reaper.wait(fds, deadline_ms);
    if (r == Reaper::kTimeout) return;  // still before exec: asked again later
    if (r != 0) continue;
    int err = 0;
    if (::read(s.exec_report.get(), &err, sizeof err) == static_cast<ssize_t>(sizeof err))
      s.exec_error = std::string(std::strerror(err));
    else
      s.exec_ms = reaper.now_ms();
    s.exec_report.reset();
    return;
  }
}

void Launch::poll_holder() {
  if (!holder_events.valid()) return;
  for (;;) {
    pollfd p{holder_events.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return;
    HolderMsg m{};
    ssize_t n = ::read(holder_events.get(), &m, sizeof m);
    if (n != static_cast<ssize_t>(sizeof m)) {
      holder_events.reset();  // the holder is gone
      return;
    }
    if (m.type == kTargetExited && !facts.launched_exit) {
      double at = m.at_monotonic_ms - (monotonic_ms() - Reaper::get().now_ms());
      record_exit(facts, m.pid, m.wait_status, at);
    }
  }
}

bool Launch::wait_exit(double deadline_ms) {
  Reaper& reaper = Reaper::get();
  // The race mode's stand-in exits right after reporting: once it has, only
  // what the target left is still running.
  auto stand_in_gone = [&] {
    if (facts.holder_pid != 0 || !holder_pidfd.valid() || stand_in_stays) return true;
    const int fds[] = {holder_pidfd.get()};
    while (pidfd_alive(fds[0]))
      if (reaper.wait(fds, deadline_ms) == Reaper::kTimeout) return false;
    return true;
  };
  while (!facts.launched_exit) {
    if (!holder_events.valid()) return false;  // the holder or stand-in is gone without telling
    const int fds[] = {holder_events.get()};
    int r = reaper.wait(fds, deadline_ms);
    if (r == Reaper::kTimeout) return false;
    if (r == 0) poll_holder();
  }
  return stand_in_gone();
}

}  // namespace dc
