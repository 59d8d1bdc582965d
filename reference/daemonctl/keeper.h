// The keeper: a small process between the supervisor and the command, whose
// only job is that everything the command starts ends with it, and with the
// supervisor.
//
// Why a process of its own: the kernel's parent-death signal is cleared when
// the command changes its credentials (`setpriv --reuid`, any daemon that drops
// root), and reaches only the direct child anyway, not a shell's children. The
// keeper never changes its credentials, so nothing the command does defeats it:
//   - the command runs in a process group of its own, and the signals the
//     supervisor forwards go to that whole group (a shell and its sleep);
//   - the keeper is a child subreaper: whatever leaves the group, even with a
//     double fork and setsid(), is re-parented to the keeper, never to init;
//   - when the command ends, the keeper kills (SIGKILL) what is left of its
//     group and every process re-parented to it, then ends the way the
//     command ended (same exit status, or the same signal), so the supervisor
//     sees the command's fate;
//   - when the supervisor dies, however it dies (a pidfd tells, SIGKILL
//     included), the keeper kills the whole tree the same way;
//   - the keeper holds the pidfile's descriptor, and so its lock, until the
//     last process of the tree is gone: `status` never says "dead" and `start`
//     never starts a second daemon while any of them runs.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace daemonctl {

// What the keeper needs to start the command.
struct CommandLine {
  std::vector<std::string> argv;  // PATH is searched for argv[0]
  std::vector<std::string> env;   // the command's whole environment
  std::vector<int> pass_fds;      // stay open in the command (--keep-fd)
  int lock_fd = -1;               // the pidfile, whose lock the keeper holds
  int exec_status = -1;           // close-on-exec pipe: an errno if exec failed
};

// Runs in the child the supervisor (pid `supervisor`) has just forked, with
// every signal blocked. Starts the command, keeps it, and never returns.
[[noreturn]] void keep(pid_t supervisor, const CommandLine& command);

// SIGKILLs every child of this process, reaps it, and repeats as long as
// processes are re-parented to us (a subreaper), until no child is left. Only
// our own unreaped children are signalled: their pids cannot have been reused.
void kill_all_children();

}  // namespace daemonctl
