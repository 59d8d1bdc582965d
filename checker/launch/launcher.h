// The dirty launch: starts the target the way a messy interactive shell would
// (rules.md, "How a target is launched"). In the normal mode a session-holder
// "shell" leads a fresh pty session and runs the target as its foreground job;
// in the race mode (race-free-startup trials) the target itself leads the
// pty's session, as under `ssh -t host cmd`.
#pragma once

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

// Resolves argv[0] like execvp would, to an absolute path (the target starts
// in another directory); Error when it is missing or not executable, so that a
// bad target is reported before anything starts.
Result<std::string> resolve_executable(const std::string& name);

}  // namespace dc
