// The dirty launch: starts the target the way a messy interactive shell would
// (rules.md, "How a target is launched"). In the normal mode a session-holder
// "shell" leads a fresh pty session and runs the target as its foreground job;
// in the race mode (race-free-startup trials) the target itself leads the
// pty's session, as under `ssh -t host cmd`.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/observation.h"
#include "observe/reaper.h"
#include "sys/fd.h"

namespace dc {

struct LaunchPlan {
  std::vector<std::string> argv;  // {tmp} already expanded
  std::string exec_path;          // what to execute; "" means argv[0] through PATH
  std::string tmp_dir;
  bool target_leads_session = false;
  unsigned umask = 047;
  std::vector<int> blocked_signals;  // defaults filled by default_plan()
  std::vector<int> ignored_signals;
  std::string canary_name = "DAEMONCHECK_CANARY";
  std::string canary_value;
  std::vector<std::pair<std::string, std::string>> extra_env;  // e.g. NOTIFY_SOCKET
  // Race trials: the target (and, by inheritance, all it starts) runs on this
  // CPU only, so that after fork() the parent runs on and exits before the
  // child is scheduled: the adversarial interleaving, not a lucky one.
  int pin_cpu = -1;
  // With pin_cpu: the target runs SCHED_FIFO with SCHED_RESET_ON_FORK, so
  // that a child it forks (an ordinary process again) cannot run on that CPU
  // before the target blocks or exits: a parent that exits without waiting
  // for its child's setsid() always wins the race against it.
  bool realtime = false;
  // The holder adopts what the target's processes orphan (a child subreaper),
  // so that everything this launch started is found below its holder, apart
  // from what other launches start (the second instance).
  bool holder_subreaper = false;
  // Race mode: the stand-in parent adopts what the target's processes orphan
  // (a child subreaper) and stays, reaping nothing but the target, until it
  // is killed: what one trial left, the dead included (zombies), is found
  // below its stand-in even while other trials run beside it.
  bool stand_in_stays = false;
};

// The plan every check uses: SIGUSR2 blocked, SIGRTMIN+3 ignored, umask 047,
// a fresh random canary value.
LaunchPlan default_plan(std::vector<std::string> argv, std::string tmp_dir);

// Replaces every "{tmp}" in s with the launch's temp directory.
std::string expand_tmp(std::string s, const std::string& tmp);

// One running launch. Destroying it closes the pty master (the terminal hangs
// up) and the descriptors; processes are cleaned up by cleanup.h, not here.
// What the target writes to its terminal is read and thrown away by every
// wait, as a terminal window would scroll it by.
class Launch {
 public:
  LaunchFacts facts;  // what was planted; exit filled by wait_exit()
  DrainedFd pty_master;
  UniqueFd holder_pidfd;        // invalid in the race mode
  UniqueFd target_pidfd;        // may be invalid if it exited very early
  UniqueFd holder_events;       // holder -> checker messages
  UniqueFd planted_pipe_peer;   // our end of the planted pipe
  bool stand_in_stays = false;  // the plan's: wait_exit() does not wait for it to go
  pid_t stand_in_pid = 0;       // race mode: the target's stand-in parent

  // Waits (bounded) for the launched process to exit; fills facts.launched_exit.
  // Returns false on timeout.
  bool wait_exit(double deadline_ms);
  bool exited() const { return facts.launched_exit.has_value(); }
  // Reads any pending holder message without blocking.
  void poll_holder();
};

// Starts the launch. Errors (pty, fork, exec) come back as an Error; an exec
// failure is the step "cannot execute" with exec's errno.
Result<Launch> start_launch(const LaunchPlan& plan);

// start_launch() in two halves, so that several launches' forks, namespaces
// and execs overlap: begin_launch() forks the holder (or the stand-in) and
// returns at once; finish_launch() waits for the holder's word naming the
// target and for the target's exec. A pending launch dropped unfinished
// closes its descriptors; its processes are cleaned up by cleanup.h.
struct PendingLaunch {
  Launch launch;
  UniqueFd exec_errors;  // EOF once the target exec'd, errno if exec failed
  std::string exec_name;
  bool target_leads_session = false;
};
Result<PendingLaunch> begin_launch(const LaunchPlan& plan);
Result<Launch> finish_launch(PendingLaunch pending);

// The clean launch of one Exec*= command, as systemd's exec_child() does it
// (service.md's table): forked by the checker, which is PID 1 of the check's
// namespace, so the process's parent is pid 1 as under systemd; a session of
// its own; exactly `env`; stdio on the given descriptors; credentials,
// working directory, umask and limits from the unit; every signal default and
// unblocked; no descriptor above 2.
struct ServiceExecPlan {
  std::string exec_path;  // absolute
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=VALUE", exactly what the process gets
  std::string cwd = "/";
  bool cwd_optional = false;  // "-" prefix: a missing directory falls back to /
  unsigned umask = 0022;
  std::optional<uid_t> uid;  // unset: stays root (the checker's own)
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;  // supplementary groups (with uid: set, else left)
  rlimit nofile{1024, 524288};
  std::optional<rlimit> core;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // -1: /dev/null
  bool stdin_is_tty = false;                          // stdin_fd becomes the controlling terminal
  // SYSTEMD_EXEC_PID= the process's own pid, added in the child; an entry
  // "WATCHDOG_PID=$$SELF" or "LISTEN_PID=$$SELF" gets that pid too.
  bool exec_pid_var = false;
  // --dirty: descriptors planted on top, {number in the process, source}.
  std::vector<std::pair<int, int>> planted;
  // RootDirectory=: the process is chroot()ed there before its working
  // directory is entered and before it drops privileges; exec_path and cwd
  // are then inside it, as systemd resolves them.
  std::string root_directory;
  // False for Type=simple, whose start systemd considers done once fork()
  // succeeded: spawn_service() then returns at once and await_exec() says
  // later whether execve() succeeded.
  bool wait_for_exec = true;
};

struct SpawnedService {
  pid_t pid = 0;
  UniqueFd pidfd;
  double started_ms = 0;   // Reaper clock, at fork
  double exec_ms = -1;     // Reaper clock, when execve() succeeded (-1: not, or not yet known)
  std::string exec_error;  // set when the process could not exec (it then exits 203)
  UniqueFd exec_report;    // the error pipe's read end, until await_exec() has read it
};

// Starts one command and returns once it has exec'd or failed to (the error
// pipe closes on exec): event-driven, bounded by deadline_ms. With
// plan.wait_for_exec false, returns right after fork().
Result<SpawnedService> spawn_service(const ServiceExecPlan& plan, double deadline_ms);

// Waits, bounded by deadline_ms, for the process's execve(): the close-on-exec
// error pipe reads EOF when it succeeded and an errno when it failed. Sets
// exec_ms or exec_error; does nothing once the pipe has been read.
void await_exec(SpawnedService& s, double deadline_ms);

// Resolves argv[0] like execvp would, to an absolute path (the target starts
// in another directory); Error when it is missing or not executable, so that a
// bad target is reported before anything starts.
Result<std::string> resolve_executable(const std::string& name);

}  // namespace dc
