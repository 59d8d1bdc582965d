// See decoy.h.
#include "probe/decoy.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "launch/signal_guard.h"
#include "launch/tracked.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "sys/fileio.h"
#include "sys/proc.h"

extern char** environ;

namespace dc {
namespace {

// The descriptor the report pipe gets in the decoy.
constexpr int kReportFd = 3;

void default_and_block_all_signals() {
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);
}

// True when pid has a signal sent to it and not yet read (SigPnd, ShdPnd).
bool has_pending_signals(pid_t pid) {
  auto status = sys::read_file(sys::proc_path(pid, "status"), 8192);
  if (!status) return false;
  for (const char* key : {"\nSigPnd:\t", "\nShdPnd:\t"}) {
    auto at = status->find(key);
    if (at == std::string::npos) continue;
    if (std::strtoull(status->c_str() + at + std::strlen(key), nullptr, 16) != 0) return true;
  }
  return false;
}

}  // namespace

int decoy_main(const char* fd_text) {
  const int fd = std::atoi(fd_text);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (const char* comm = std::getenv(kDecoyCommEnv)) ::prctl(PR_SET_NAME, comm);
  default_and_block_all_signals();
  sigset_t all;
  sigfillset(&all);
  UniqueFd sfd(::signalfd(-1, &all, SFD_CLOEXEC));
  if (!sfd.valid()) return 1;
  for (;;) {
    signalfd_siginfo si{};
    const ssize_t n = ::read(sfd.get(), &si, sizeof si);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof si)) return 1;
    char line[64];
    const int len = std::snprintf(line, sizeof line, "%u %u\n", si.ssi_signo, si.ssi_pid);
    if (!sys::write_all(fd, std::string_view(line, static_cast<size_t>(len)))) return 0;
  }
}

Result<DecoyProcess> DecoyProcess::start(const std::vector<std::string>& argv,
                                         const std::string& comm) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return os_error("cannot make a pipe for a decoy", "");
  UniqueFd r(p[0]), w(p[1]);
  // Everything the child needs is made before fork().
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
  env_text.push_back(std::string(kDecoyFdEnv) + "=" + std::to_string(kReportFd));
  env_text.push_back(std::string(kDecoyCommEnv) + "=" + comm);
  std::vector<char*> envp, args;
  for (auto& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return os_error("cannot start a decoy", "fork");
  if (pid == 0) {
    // Signals are caught from the first instant: an ignored one would be lost.
    default_and_block_all_signals();
    ::setsid();
    if (::dup2(w.get(), kReportFd) < 0) ::_exit(127);
    ::close_range(kReportFd + 1, ~0U, 0);
    ::execve("/proc/self/exe", args.data(), envp.data());
    ::_exit(127);
  }
  DecoyProcess d;
  d.pid_ = pid;
  d.pidfd_ = open_descendant_pidfd(pid);
  ::fcntl(r.get(), F_SETFL, O_NONBLOCK);
  d.reports_ = std::move(r);
  return d;
}

std::vector<DecoyReport> DecoyProcess::take_reports(double wait_ms) {
  Reaper& reaper = Reaper::get();
  const double until = reaper.now_ms() + wait_ms;
  std::vector<DecoyReport> out;
  for (;;) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(reports_.get(), buf, sizeof buf)) > 0)
      partial_.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = partial_.find('\n')) != std::string::npos) {
      unsigned signo = 0, sender = 0;
      if (std::sscanf(partial_.c_str(), "%u %u", &signo, &sender) == 2)
        out.push_back({static_cast<int>(signo), static_cast<pid_t>(sender)});
      partial_.erase(0, nl + 1);
    }
    if (!alive() || !has_pending_signals(pid_) || reaper.now_ms() >= until) return out;
    const int fds[] = {reports_.get()};
    reaper.wait(fds, std::min(until, reaper.now_ms() + 5));
  }
}

bool DecoyProcess::alive() const {
  return pidfd_.valid() && pidfd_alive(pidfd_.get());
}

void DecoyProcess::end() {
  if (!alive()) return;
  const Reaper::HeldInterrupts held;
  send_signal(pidfd_.get(), SIGKILL);
  std::vector<Tracked> t;
  t.push_back({pid_, open_descendant_pidfd(pid_), {}});
  wait_all_exit(t, Reaper::get().now_ms() + 2000);
  Reaper::get().reap_now();
}

}  // namespace dc
