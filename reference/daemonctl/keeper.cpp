// The keeper: start the command in a group of its own, forward, sweep, follow.
#include "keeper.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
extern "C" {  // glibc 2.36's <sys/pidfd.h> forgets to say so itself
#include <sys/pidfd.h>
}

#include "daemonize/fd.h"
#include "daemonize/signals.h"

namespace daemonctl {

namespace {

using daemonize::UniqueFd;

// The signals the supervisor forwards, and SIGCHLD, which ends the command.
sigset_t keeper_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD}) sigaddset(&set, signo);
  return set;
}

// Tells the supervisor why the command did not start, and gives up.
[[noreturn]] void fail(int exec_status, int err) {
  (void)!::write(exec_status, &err, sizeof err);
  ::_exit(127);
}

// In the command's process, between fork and exec.
[[noreturn]] void exec_command(const CommandLine& command, pid_t keeper) {
  // A group of its own, so that one kill() reaches a shell and its children.
  ::setpgid(0, 0);
  // Should the keeper itself be killed, the command goes too, as long as it
  // keeps its credentials (a change clears this, hence the keeper).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != keeper) ::_exit(127);
  // The command starts clean: default dispositions (not even the job control
  // signals ignored), nothing blocked.
  (void)daemonize::reset_signal_dispositions();
  (void)daemonize::reset_signal_mask();
  for (int fd : command.pass_fds) ::fcntl(fd, F_SETFD, 0);
  std::vector<char*> argv, envp;
  for (const std::string& arg : command.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  for (const std::string& entry : command.env) envp.push_back(const_cast<char*>(entry.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  ::execvpe(argv[0], argv.data(), envp.data());
  fail(command.exec_status, errno);
}

// The pids of our children, as the kernel lists them (we are single-threaded).
std::vector<pid_t> children() {
  std::ifstream list("/proc/self/task/" + std::to_string(::getpid()) + "/children");
  std::vector<pid_t> pids;
  for (pid_t pid; list >> pid;) pids.push_back(pid);
  return pids;
}

// Reaps the children that ended, except `command`; true when the command has
// ended (it is left a zombie, so its pid, which is its group's id, stays ours
// until the group has been swept).
bool command_ended(pid_t command) {
  for (;;) {
    siginfo_t ended{};
    if (::waitid(P_ALL, 0, &ended, WEXITED | WNOHANG | WNOWAIT) != 0 || ended.si_pid == 0) {
      return false;
    }
    if (ended.si_pid == command) return true;
    ::waitpid(ended.si_pid, nullptr, 0);  // an orphan re-parented to us
  }
}

// Dies the way `wstatus` says the command died, so that the supervisor, our
// parent, reads the command's own fate in our wait status.
[[noreturn]] void end_like(int wstatus) {
  if (WIFSIGNALED(wstatus)) {
    const int signo = WTERMSIG(wstatus);
    ::signal(signo, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signo);
    ::sigprocmask(SIG_UNBLOCK, &one, nullptr);
    ::raise(signo);
  }
  ::_exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus));
}

}  // namespace

void kill_all_children() {
  for (;;) {
    for (const pid_t child : children()) ::kill(child, SIGKILL);
    if (::waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) return;
  }
}

void keep(pid_t supervisor, const CommandLine& command) {
  // Nothing of the supervisor's but the pidfile (its lock), the command's
  // descriptors and the exec status pipe: not its signal pipe, not its
  // readiness channel, not the notify socket.
  std::vector<int> keep_open = command.pass_fds;
  if (command.lock_fd >= 0) keep_open.push_back(command.lock_fd);  // `run` may have none
  keep_open.push_back(command.exec_status);
  (void)daemonize::close_inherited_fds(keep_open);

  // Signals stay blocked (they arrived so) and are read from a signalfd; a
  // pidfd on the supervisor becomes readable when it dies, SIGKILL included.
  const sigset_t handled = keeper_signals();
  UniqueFd signals(::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK));
  UniqueFd parent(::pidfd_open(supervisor, 0));
  if (!signals || !parent) fail(command.exec_status, errno);
  if (::getppid() != supervisor) ::_exit(1);  // it died before we could watch it
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) fail(command.exec_status, errno);

  const pid_t keeper = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) fail(command.exec_status, errno);
  if (child == 0) exec_command(command, keeper);
  ::setpgid(child, child);  // here too: no forwarded signal may find no group
  ::close(command.exec_status);

  for (;;) {
    pollfd events[2] = {{signals.get(), POLLIN, 0}, {parent.get(), POLLIN, 0}};
    if (::poll(events, 2, -1) < 0) continue;
    if (events[1].revents != 0) {  // the supervisor died: nobody supervises the tree
      ::kill(-child, SIGKILL);     // the unreaped command keeps the group id ours
      kill_all_children();
      ::_exit(1);
    }
    signalfd_siginfo info{};
    while (::read(signals.get(), &info, sizeof info) == sizeof info) {
      if (info.ssi_signo != SIGCHLD) ::kill(-child, static_cast<int>(info.ssi_signo));
    }
    if (command_ended(child)) {
      ::kill(-child, SIGKILL);  // what it started in its group goes with it
      int wstatus = 0;
      ::waitpid(child, &wstatus, 0);
      kill_all_children();  // and so does what left the group
      end_like(wstatus);
    }
  }
}

}  // namespace daemonctl
