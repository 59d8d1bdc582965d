// See reaper.h.
#include "observe/reaper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "observe/process_tree.h"

namespace dc {
namespace {
std::unique_ptr<Reaper> g_reaper;

// Appends what was read, keeping only the last kTailBytes.
void keep_tail(std::string& tail, std::string_view more) {
  if (more.size() >= Reaper::kTailBytes) {
    tail.assign(more.substr(more.size() - Reaper::kTailBytes));
    return;
  }
  tail.append(more);
  if (tail.size() > Reaper::kTailBytes) tail.erase(0, tail.size() - Reaper::kTailBytes);
}
}  // namespace

Result<Reaper*> Reaper::install() {
  if (g_reaper) return g_reaper.get();
  std::unique_ptr<Reaper> r(new Reaper());
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return os_error("prctl(PR_SET_CHILD_SUBREAPER)", "");
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, &r->original_mask_) != 0) return os_error("sigprocmask", "");
  r->sigfd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!r->sigfd_.valid()) return os_error("signalfd", "");
  // A reader that went away must not kill the checker mid-cleanup.
  ::signal(SIGPIPE, SIG_IGN);
  r->origin_ms_ = monotonic_ms();
  g_reaper = std::move(r);
  return g_reaper.get();
}

Reaper& Reaper::get() {
  return *g_reaper;
}

double Reaper::now_ms() const {
  return monotonic_ms() - origin_ms_;
}

int Reaper::reap_now() {
  int n = 0;
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0) break;
    ExitInfo e;
    e.pid = info.si_pid;
    e.at_ms = now_ms();
    if (info.si_code == CLD_EXITED)
      e.exit_status = info.si_status;
    else
      e.signal = info.si_status;
    reaped_.push_back(e);
    ++n;
  }
  return n;
}

namespace {

// An interrupting signal from the target (SIGTERM to its parent, say) is not
// the user's: it is ignored. As the namespace's init (getpid() 1) every
// sender inside the namespace is the target's (the user's signals come from
// outside, sender 0); without a namespace, a sender below the checker is,
// or was (a child that has exited since: reaped, or a zombie still).
bool sent_by_target(const signalfd_siginfo& si, const std::vector<ExitInfo>& reaped) {
  const auto sender = static_cast<pid_t>(si.ssi_pid);
  if (sender <= 0 || (si.ssi_code != SI_USER && si.ssi_code != SI_QUEUE)) return false;
  const pid_t me = ::getpid();
  if (me == 1) return true;
  for (const auto& e : reaped)
    if (e.pid == sender) return true;
  if (auto e = read_proc_entry(sender); e && e->ppid == me) return true;
  return is_live_descendant(sender, me);
}

}  // namespace

void Reaper::drain_signals() {
  signalfd_siginfo si{};
  while (::read(sigfd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    int s = static_cast<int>(si.ssi_signo);
    if (s == SIGCHLD) continue;
    if (sent_by_target(si, reaped_)) {
      ignored_signals_.push_back({s, static_cast<pid_t>(si.ssi_pid)});
      continue;
    }
    if (interrupted_by_ == 0) interrupted_by_ = s;
  }
  if (interrupted_by_ != 0 && interrupts_throw_) throw Interrupted{interrupted_by_};
}

void Reaper::start_draining(int fd, std::string* tail) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  drained_.push_back({fd, tail});
}

void Reaper::stop_draining(int fd) {
  std::erase_if(drained_, [fd](const Drained& d) { return d.fd == fd; });
}

void Reaper::drain_now(int fd) {
  for (size_t i = 0; i < drained_.size(); ++i) {
    if (drained_[i].fd != fd) continue;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) drain(i, p.revents);
    return;
  }
}

// Reads what is there (a bounded amount, so that a flood cannot starve the
// wait) and stops draining a descriptor that hung up: a pty master whose
// terminal nobody holds any more reads EIO and polls POLLHUP for good.
void Reaper::drain(size_t index, short revents) {
  constexpr int kReadsPerWake = 16;
  char sink[65536];
  const int fd = drained_[index].fd;
  std::string* tail = drained_[index].tail;
  for (int i = 0; i < kReadsPerWake; ++i) {
    ssize_t n = ::read(fd, sink, sizeof sink);
    if (n > 0) {
      if (tail) keep_tail(*tail, std::string_view(sink, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (revents & (POLLHUP | POLLERR)) break;
      return;
    }
    break;  // end of file or an error
  }
  if (revents & (POLLHUP | POLLERR | POLLNVAL)) drained_.erase(drained_.begin() + index);
}

int Reaper::wait(std::span<const int> fds, double deadline_ms) {
  // An interrupt kept while a cleanup held them.
  if (interrupted_by_ != 0 && interrupts_throw_) throw Interrupted{interrupted_by_};
  std::vector<pollfd> p;
  for (;;) {
    if (reap_now() > 0) return kReaped;
    double left = deadline_ms - now_ms();
    if (left <= 0) return kTimeout;
    // Sub-millisecond deadlines are kept: a short wait stays short.
    const double wait_ms = std::min(left, 3.6e6);
    timespec timeout{};
    timeout.tv_sec = static_cast<time_t>(wait_ms / 1000);
    timeout.tv_nsec =
        static_cast<long>((wait_ms - 1000.0 * static_cast<double>(timeout.tv_sec)) * 1e6);
    // The caller's descriptors, then the drained ones, then the signalfd.
    p.clear();
    for (int fd : fds) p.push_back(pollfd{fd, POLLIN, 0});
    for (const auto& d : drained_) p.push_back(pollfd{d.fd, POLLIN, 0});
    p.push_back(pollfd{sigfd_.get(), POLLIN, 0});
    int n = ::ppoll(p.data(), p.size(), &timeout, nullptr);
    if (n < 0 && errno != EINTR) return kTimeout;
    if (n <= 0) continue;
    if (p.back().revents) drain_signals();
    for (size_t i = drained_.size(); i-- > 0;) {
      if (short revents = p[fds.size() + i].revents) drain(i, revents);
    }
    for (size_t i = 0; i < fds.size(); ++i)
      if (p[i].fd >= 0 && p[i].revents) return static_cast<int>(i);
  }
}

}  // namespace dc
