// The Observation: every fact a rule may read, gathered by launch, observe and
// the probes, and nothing else. Plain data: the rules are pure functions over
// it, and tests build it by hand.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/control.h"
#include "model/service.h"
#include "profiles/profile.h"

namespace dc {

// How a process ended, as waitid() told it.
struct ExitInfo {
  pid_t pid = 0;
  std::optional<int> exit_status;  // set when it exited
  std::optional<int> signal;       // set when a signal killed it
  double at_ms = 0;                // since the launch started
};

struct PlantedFd {
  int fd = 0;        // the number it had in the target
  std::string kind;  // "file" or "pipe"
  std::string path;  // for the file; "pipe:[ino]" for the pipe
  unsigned long long dev = 0, ino = 0;
};

// The pidfile as it stood at one moment.
struct PidfileState {
  bool exists = false;
  bool is_symlink = false;
  bool regular = false;
  std::string content;       // at most 4 KiB
  std::optional<pid_t> pid;  // parsed from content
  std::string parse_error;   // why content is not a pid
  unsigned long long dev = 0, ino = 0;
  std::vector<std::string> locks;  // lock lines on its inode (/proc/locks format), raw
  std::vector<long> lock_pids;     // their owners (-1 or 0 when not shown)
};

// What the dirty launch planted, and how the launched process ended.
struct LaunchFacts {
  std::vector<std::string> argv;  // after {tmp} expansion
  std::string tmp_dir;
  pid_t checker_pid = 0;
  pid_t holder_pid = 0;
  pid_t launch_sid = 0;    // the holder's session
  pid_t launched_pid = 0;  // the target
  pid_t job_pgid = 0;      // the target's process group
  std::string pty_path;
  unsigned long long pty_rdev = 0;
  unsigned umask = 0;
  std::vector<PlantedFd> planted_fds;
  std::vector<int> blocked_signals;
  std::vector<int> ignored_signals;
  std::string canary_name, canary_value;

  std::optional<ExitInfo> launched_exit;  // unset: still running at the start timeout
  // The session holder's end, when it ended before the launched process was
  // seen to exit (the target killed its parent, say): then nothing tells
  // when the launched process exits.
  std::optional<ExitInfo> holder_exit;
  // What bounded the wait for the launched process to exit, when that was
  // the check's --timeout (seconds) rather than the start timeout.
  std::optional<double> exit_wait_cut_by_timeout_s;
  std::vector<ExitInfo> reaped;                 // descendants the checker reaped
  std::optional<PidfileState> pidfile_at_exit;  // when the launched process exited
  double ready_ms = 0;                          // when settle ended
  bool settle_timed_out = false;
  // RLIMIT_CORE's soft limit the target started with (raised to the hard
  // limit); unset: unlimited.
  std::optional<unsigned long long> core_limit;
  // The last 4 KiB the launched process and its descendants wrote on the
  // terminal (raw bytes).
  std::string terminal_output;
};

struct FdFact {
  int fd = 0;
  std::string target;  // readlink of /proc/PID/fd/N
  unsigned long long dev = 0, ino = 0, rdev = 0;
  unsigned mode = 0;  // st_mode of the target
  bool stat_ok = false;
};

// One surviving daemon, read from /proc.
struct DaemonFacts {
  pid_t pid = 0;
  std::optional<pid_t> host_pid;  // when the check runs in its own PID namespace
  std::string comm;
  std::string why;  // "pidfile", "re-parented to the checker"
  pid_t ppid = 0, pgrp = 0, sid = 0, tpgid = 0;
  int tty_nr = 0;
  std::string cwd, root;
  std::optional<unsigned> umask;
  unsigned uid[3] = {0, 0, 0};  // real, effective, saved
  unsigned gid[3] = {0, 0, 0};
  std::vector<FdFact> fds;
  uint64_t sig_blk = 0, sig_ign = 0, sig_cgt = 0;
  std::vector<std::string> environ;  // entries of /proc/PID/environ
  bool environ_key_value = true;
  // When the environ block was rewritten: where the canary was met in memory
  // ("[stack] at 0x..."), "" when searched and absent, unset when not searched.
  std::optional<std::string> canary_in_memory;
  std::string memory_search_error;
  std::optional<unsigned long long> core_soft, core_hard;  // unset: unlimited
  bool core_known = false;
  std::vector<pid_t> descendants;   // its own live descendants
  std::vector<std::string> errors;  // what could not be read
};

struct PidfileFacts {
  std::string path;
  std::string found_by;  // "option", "lock", "scan"
  PidfileState state;    // after settle, at observation time
};

struct Expectations {
  std::optional<std::string> cwd;
  std::optional<unsigned> umask;
  std::optional<unsigned> uid, gid;
  std::optional<std::string> user, group;  // as given
  std::optional<std::string> root;
};

// Probe facts (filled by the probes; `ran` false with `skipped` saying why).
struct HangupProbe {
  bool ran = false;
  std::string skipped;
  std::string error;             // the probe could not be run or finish (the rule is then `error`)
  std::vector<pid_t> reachable;  // daemons still in the job's group or the launch session
  std::vector<ExitInfo> died;    // daemons that died after the hang-up
  double ms = 0;
};
struct SecondInstanceProbe {
  bool ran = false;
  std::string skipped;
  std::string error;                      // the probe could not be run (the rule is then `error`)
  int relaunch = 0;                       // measured on relaunch N (0: on the first launch)
  std::optional<ExitInfo> launched_exit;  // unset: still running at the start timeout
  std::vector<pid_t> left_behind;         // processes the second launch left alive
  std::vector<std::string> left_behind_comm;
  bool first_alive = true;
  bool pidfile_known = false;
  bool pidfile_unchanged = true;
  std::string pidfile_change;  // what changed (content, inode, removed)
  double ms = 0;
};
struct SignalProbe {
  bool ran = false;
  std::string skipped;
  std::string error;  // the probe could not be run (its rules are then `error`)
  int relaunch = 0;   // measured on relaunch N (0: on the first launch)
  int signal = 0;
  std::vector<ExitInfo> died;          // daemons that ended after the signal
  bool all_exited = false;             // every daemon ended within the bound
  double last_exit_ms = 0;             // after the signal
  std::vector<pid_t> killed_at_bound;  // SIGTERM: still alive at the stop timeout
  // SIGTERM: of those, the ones whose SIGTERM the kernel discarded as it was
  // sent (SIG_IGN, not blocked), killed without waiting for the stop timeout
  std::vector<pid_t> discarded;
  bool pidfile_known = false;
  bool pidfile_removed = false;
  std::vector<pid_t> left_behind;  // processes the daemon started, alive after it exited
  std::vector<std::string> left_behind_comm;
  double settled_ms = -1;  // SIGHUP: when the daemon was at rest again (-1: never)
  double ms = 0;
};
struct RaceTrial {
  bool daemon_survived = false;
  std::string exec_error;  // the trial could not start the target
  std::optional<ExitInfo> launched_exit;
  std::vector<ExitInfo> deaths;  // descendants that died, with how
  double ms = 0;
};
struct RaceProbe {
  bool ran = false;
  std::string skipped;
  std::string error;  // the trials could not all be run (the rule is then `error`)
  std::string how;    // how the trials were run (pinned to which CPU)
  std::vector<RaceTrial> trials;
};
struct NotifyMessage {
  double at_ms = 0;
  pid_t sender = 0;
  std::string text;
};
struct ForegroundProbe {  // systemd profile
  bool ran = false;
  bool alive_at_end = false;  // the launched process ran through the start wait
  std::optional<ExitInfo> exit;
  double waited_ms = 0;
  std::vector<NotifyMessage> notify;
  std::optional<double> ready_ms;     // READY=1 received
  std::vector<std::string> rejected;  // messages from strangers, dropped
};

struct ProbeFacts {
  HangupProbe hangup;
  SecondInstanceProbe second;
  SignalProbe sighup;
  SignalProbe sigterm;
  RaceProbe race;
  ForegroundProbe foreground;
};

struct Observation {
  ProfileId profile = ProfileId::Sysv;
  bool attach = false;           // --attach: nothing planted, nothing probed
  bool notify_required = false;  // --notify
  double start_timeout_s = 10, stop_timeout_s = 5;
  int race_trials = 5;
  LaunchFacts launch;
  std::optional<PidfileFacts> pidfile;
  std::vector<DaemonFacts> daemons;
  Expectations expect;
  ProbeFacts probes;
  // The service profiles (--unit, --profile systemd): the unit and what the
  // service launch saw. Unset for the other profiles.
  std::optional<ServiceFacts> service;
  // The control profile (daemoncheck control): every action run and what it
  // did. Unset for the other profiles.
  std::optional<ControlFacts> control;
  std::map<std::string, double> phase_ms;  // launch, settle, observe, each probe
  // How the check was isolated: pid_namespace, cgroup, pids_max, note.
  bool pid_namespace = false;
  std::string cgroup;
  long pids_max = 0;
  std::string isolation_note;
  std::vector<std::string> private_dirs;    // host folders made private to the check
  std::vector<std::string> kept_from_host;  // host entries shown in a fresh private folder
  // What the reader of the scorecard should know about the check itself: a
  // long observation, the --timeout that ended it, signals from the target
  // that the checker ignored.
  std::vector<std::string> notes;
};

}  // namespace dc
