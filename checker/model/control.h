// The facts of a control check (control.md: `daemoncheck control -- SCRIPT`):
// every action the checker ran, in order, with its exit, its output and the
// processes after it; the decoys; the crash and the recycled pid. Plain data,
// filled by the action runner and read by the rules of rules/control.cpp.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace dc {

// The steps of control.md's sequence an action can belong to.
enum class ControlStep {
  StatusStopped,  // 1: status with nothing running
  Start,          // 2: start, then status
  StartRunning,   // 5: start again, with the daemon running
  Stop,           // 6: stop; status; stop again
  Restart,        // 7: start; restart
  Crash,          // 8: status after the checker SIGKILLed the daemon
  Recycled,       // 9: stop; start with the stale pidfile naming the pager decoy
  Unknown,        // 10: an unknown action
  Optional,       // 11: run, reload, force-reload, try-restart
  Final,          // 12: the last stop
};

// The step's number in control.md's sequence.
inline int control_step_number(ControlStep s) {
  switch (s) {
    case ControlStep::StatusStopped:
      return 1;
    case ControlStep::Start:
      return 2;
    case ControlStep::StartRunning:
      return 5;
    case ControlStep::Stop:
      return 6;
    case ControlStep::Restart:
      return 7;
    case ControlStep::Crash:
      return 8;
    case ControlStep::Recycled:
      return 9;
    case ControlStep::Unknown:
      return 10;
    case ControlStep::Optional:
      return 11;
    case ControlStep::Final:
      return 12;
  }
  return 0;
}

// One process of the check's namespace as the table after an action shows it.
struct ControlProcess {
  pid_t pid = 0, ppid = 0;
  std::string comm;
  std::string cmdline;  // arguments joined by spaces, escaped
};

struct ActionRun {
  ControlStep step = ControlStep::Start;
  std::string action;  // "start", "status", "daemoncheck-no-such-action", ...
  std::string why;     // "with nothing running", "again, with the daemon running", ...
  double started_ms = 0;
  double duration_ms = 0;
  std::optional<int> exit_status, signal;  // unset both: killed at the action timeout
  bool timed_out = false;                  // ran past --action-timeout (killed with its tree)
  std::string output;                      // the last 2 KiB it wrote (stdout and stderr, raw)
  std::string error_output;                // the last 2 KiB of stderr alone
  std::vector<pid_t> daemons_before;       // daemons running when it started
  std::vector<pid_t> daemons;              // daemons running when it returned
  // Processes the daemons before it had started, still alive after it (a
  // stop that ends the daemon but not its workers).
  std::vector<pid_t> daemon_tree_left;
  bool pidfile_after = false;  // the daemon's pidfile existed when it returned
  // `run`: the launched process was still running when the checker sent it
  // SIGTERM (it stayed in the foreground), and how it ended then.
  bool stayed_in_foreground = false;
  std::optional<bool> exited_on_sigterm;
  std::vector<pid_t> helpers_left;         // its own processes left behind, the daemon aside
  std::vector<ControlProcess> table;       // every process of the check after it
  std::vector<std::string> files_created;  // new files in {tmp}, /run, /tmp, /var/tmp
  std::string error;                       // it could not be run (rules error)
};

// A process that looks like the daemon and is not (control.md step 4).
struct Decoy {
  std::string kind;  // "pager" (less + the daemon's command line) or "namesake"
  pid_t pid = 0;
  std::vector<std::string> argv;
  std::string comm;
  bool alive_at_end = false;
  std::vector<std::string> signals;               // "SIGTERM from pid 42 during stop (step 6)"
  std::vector<int> signal_steps;                  // control.md's step of each (0: between)
  std::vector<std::string> counted_as_daemon_by;  // actions whose exit counted it
};

struct ControlFacts {
  std::vector<std::string> script;             // SCRIPT [ARGS...]
  std::vector<std::string> actions_requested;  // --actions
  double action_timeout_s = 10;
  std::vector<ActionRun> runs;         // in the order run
  std::optional<std::string> pidfile;  // the daemon's pidfile, as given or discovered
  std::string pidfile_found_by;        // "option", "lock", "scan"
  pid_t first_daemon = 0;              // what the first start left
  std::vector<Decoy> decoys;           // empty with --no-decoy
  bool decoys_planted = false;
  bool no_decoy = false;  // --no-decoy: none was asked for
  // The crash: the daemon the checker SIGKILLed, and whether its pidfile
  // stayed behind.
  pid_t crashed = 0;
  bool pidfile_left_by_crash = false;
  // The recycled pid: the pager decoy's pid written into the stale pidfile.
  pid_t recycled_into_pidfile = 0;
  // Still alive after the final stop, killed by the checker's cleanup.
  std::vector<ControlProcess> left_at_end;
  std::string error;  // the sequence could not be run to its end (rules error)
};

}  // namespace dc
