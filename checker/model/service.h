// The facts of a service check (service.md: `daemoncheck --unit`, and the
// systemd profile, which runs a unit made up from the command line): the unit
// as the checker resolved it, every command it ran, every notify message, and
// what start-up, reload, the watchdog and stop did. Plain data, filled by the
// service launch and read by the rules of checker/rules/service.cpp.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dc {

// The unit as the check used it (the scorecard's `unit` object).
struct UnitFacts {
  std::string file;  // the unit file; empty for the systemd profile's made-up unit
  std::vector<std::string> dropins;
  bool made_up = false;  // the systemd profile: made from the command line
  std::string name;      // "foo@bar.service"
  // The reader's and the resolution's findings, "FILE:LINE: message", and
  // whether any is fatal (systemd would refuse to load or run the unit).
  std::vector<std::string> findings;
  bool fatal = false;
  // What unit-file-valid checks beyond parsing: ExecStart= count, its program.
  int exec_start_count = 0;
  std::string exec_start_program;  // as resolved (absolute), empty when none
  bool exec_start_absolute = false, exec_start_exists = false, exec_start_executable = false;
  std::vector<std::string> unresolved;  // "User=nobody2: no such user", "Type=bogus: ..."
  // Resolved settings (systemd's defaults filled in).
  std::string type;            // simple exec forking oneshot notify notify-reload
  bool type_was_idle = false;  // Type=idle runs as simple
  std::string notify_access;   // none main exec all
  std::string kill_mode;       // control-group mixed process none
  int kill_signal = 15, reload_signal = 1;
  bool send_sigkill = true;
  double timeout_start_s = 90, timeout_stop_s = 90;  // after --start-timeout/--stop-timeout
  uint64_t watchdog_usec = 0;                        // WatchdogSec= as written (0: none)
  uint64_t watchdog_usec_used = 0;  // WATCHDOG_USEC given: min(WatchdogSec=, --watchdog-usec)
  std::optional<std::string> pid_file;
  bool guess_main_pid = true;
  std::vector<int> success_exit_status, success_signals;  // beyond systemd's own
  std::string standard_input = "null", standard_output = "journal", standard_error = "inherit";
  bool has_exec_reload = false, has_exec_stop = false;
  // [Service] keys present, not simulated; then a passed socket unit's
  // [Socket] keys as "NAME.socket: KEY".
  std::vector<std::string> not_simulated;
  // Socket activation: what the socket units the unit starts with it listen
  // on, passed from descriptor 3 on (LISTEN_FDS), and notes on socket units
  // beside it that are not passed.
  struct Socket {
    std::string unit;    // dbus.socket
    std::string listen;  // ListenStream=/run/dbus/system_bus_socket
    int fd = 0;          // in the ExecStart= process
    std::string name;    // its LISTEN_FDNAMES entry
  };
  std::vector<Socket> sockets;
  std::vector<std::string> socket_notes;
  // The settings the launch used, as text, for the scorecard:
  // {"User", "www-data"}, {"WorkingDirectory", "/"}, {"Environment", "A=1 B=2"}, ...
  std::vector<std::pair<std::string, std::string>> settings;
};

// One Exec*= command line run by the check, and how it ended.
struct ExecRun {
  std::string kind;  // ExecStartPre ExecStart ExecStartPost ExecReload ExecStop
  std::vector<std::string> argv;
  bool ignore_failure = false;  // the "-" prefix
  pid_t pid = 0;
  double started_ms = 0;  // since the launch started
  std::optional<int> exit_status, signal;
  double ended_ms = -1;    // -1: did not end within its bound (then killed)
  std::string exec_error;  // execve() failed: why (systemd: result "exit-code", status 203)
  bool timed_out = false;  // killed at its bound
};

// One datagram on NOTIFY_SOCKET, with its sender and whether NotifyAccess=
// let systemd take it.
struct ServiceNotify {
  double at_ms = 0;
  pid_t sender = 0;  // in the check's namespace; 0 when the credentials were missing
  std::string text;  // the message, escaped when not printable
  bool accepted = false;
  std::string rejected_why;  // systemd's words: "reception only permitted for main PID ..."
};

struct ServiceStart {
  bool ran = false;
  std::string error;                                 // the start could not be run (rules error)
  pid_t exec_pid = 0;                                // the ExecStart process
  std::optional<int> exec_exit_status, exec_signal;  // its end, when it ended during start-up
  double exec_ended_ms = -1;
  // The main process as systemd would know it when start-up ended: the
  // ExecStart process (simple, exec, notify), the PIDFile='s pid, the one
  // survivor (forking, GuessMainPID=yes), or MAINPID=.
  pid_t main_pid = 0;
  std::string main_pid_source;  // "exec", "pidfile", "guess", "MAINPID="; empty: unknown
  bool main_alive_at_end = false;
  std::vector<pid_t> survivors;  // live processes of the service when start-up ended
  std::vector<std::string> survivors_comm;
  // With PIDFile=: its content when the first process exited, and when
  // start-up ended; whether it was reached through a symlink owned by
  // another user than root, the file's owner, and whether it named a
  // process of the service.
  std::optional<std::string> pidfile_at_first_exit;  // unset: absent then
  std::optional<std::string> pidfile_at_end;
  std::optional<pid_t> pidfile_pid_at_first_exit, pidfile_pid_at_end;
  bool pidfile_foreign_symlink = false;
  unsigned pidfile_uid = 0;
  bool pidfile_pid_in_service = false;
  double pidfile_seen_ms = -1;     // when the file first named a live process
  std::optional<double> ready_ms;  // an accepted READY=1
  std::vector<std::pair<pid_t, bool>>
      mainpid_sent;  // MAINPID= values, live process of the service?
  // systemd's result word: success timeout exit-code signal protocol resources
  std::string result;
  double ended_ms = 0;            // when the start job ended
  uint64_t sig_cgt_at_ready = 0;  // the main process's SigCgt when READY=1 first arrived
  // ... and the signals every one of its threads blocked then: read with a
  // signalfd or sigwait(), never given their default action
  uint64_t sig_blk_at_ready = 0;
  // simple, exec, idle: the start job ends at fork (simple) or execve
  // (exec), before the program has done anything; whether it forks away is
  // then watched until an event decides it: "exited" (the main process
  // ended), "at rest" (every process of the service asleep, no signal
  // pending, on two looks in a row), "busy" (the main process kept running
  // on a CPU), or "bound" (none of these within TimeoutStartSec=). forking
  // without PIDFile=: the same events decide when what the first process
  // left is looked at for the main process ("busy": the service on a CPU).
  // forking with PIDFile=: the same events decide when the main process the
  // file named is observed, after the start job.
  std::string watch_end;
  double watched_until_ms = -1;
  double exec_ms = -1;  // when execve() of ExecStart='s program succeeded (the pipe closed)
};

struct ServiceReload {
  bool ran = false;
  std::string skipped, error;
  std::string how;  // "ExecReload=" or "ReloadSignal=SIGHUP"
  int signal = 0;   // notify-reload: the signal sent
  double signal_ms = -1;
  uint64_t signal_monotonic_usec = 0;      // CLOCK_MONOTONIC when it was sent
  std::optional<double> reloading_ms;      // RELOADING=1 accepted
  std::optional<uint64_t> monotonic_usec;  // MONOTONIC_USEC= sent with it
  std::optional<double> ready_ms;          // READY=1 after it
  bool same_main_alive = false;            // the main process before is alive after
  pid_t main_pid_after = 0;
};

struct ServiceWatchdog {
  bool ran = false;
  std::string skipped, error;
  uint64_t usec = 0;             // WATCHDOG_USEC given
  double from_ms = 0;            // intervals counted from here (READY=1, or start-up's end)
  std::vector<double> pings_ms;  // accepted WATCHDOG=1
};

struct ServiceStop {
  bool ran = false;
  std::string skipped, error;
  int signal = 15;
  double signal_ms = -1;
  std::optional<int> main_exit_status, main_signal;  // how the main process ended
  double main_ended_ms = -1;                         // -1: did not end within the stop timeout
  std::vector<pid_t> sigkilled;                      // needed SIGKILL
  std::vector<std::string> sigkilled_comm;
  std::vector<pid_t> left_running;  // KillMode=process/none: alive after the stop, unsupervised
  std::vector<std::string> left_running_comm;
  bool stopping_sent = false;  // STOPPING=1 accepted
  pid_t main_pid = 0;          // the main process the stop acted on
  int relaunch = 0;            // N: measured on relaunch N (ServiceFacts::relaunches[N-1])
};

// A relaunch: the SIGHUP probe or the reload ended the service, and what
// comes after needs a running one, so the same unit is started again,
// cleanly, in fresh private folders, as systemd would start it again.
struct ServiceRelaunch {
  std::string why;     // what ended the instance before it
  std::string before;  // the phase it was made for: "the SIGHUP probe", "the stop"
  ServiceStart start;
  std::vector<ExecRun> execs;         // its ExecStartPre=, ExecStart=, ExecStartPost=
  std::vector<ServiceNotify> notify;  // messages from its start on
};

struct ServiceFacts {
  UnitFacts unit;
  std::vector<ExecRun> execs;  // every Exec* command, in the order run
  std::vector<ServiceNotify> notify;
  ServiceStart start;
  ServiceReload reload;
  ServiceWatchdog watchdog;
  ServiceStop stop;
  std::vector<ServiceRelaunch> relaunches;
  // Children of the main process whose environment holds NOTIFY_SOCKET,
  // looked for whenever the service is at rest: when start-up ended, after
  // the reload, after the SIGHUP probe, before the stop (a worker started
  // after READY=1 counts too); `children_seen` false when it had none then.
  bool children_seen = false;
  std::vector<pid_t> children_with_notify_socket;
  std::vector<std::string> children_with_notify_socket_seen;  // when: "after the reload"
  // Children that are still forked copies of their parent (no exec since):
  // /proc shows their parent's start-up environment, not what they hold now
  // (an unsetenv() before fork() is invisible there), so they are not judged,
  // unless one sent a notify message (then it is in the list above).
  std::vector<pid_t> children_not_execed;
  bool children_judged = false;  // some child's own environment was read
  std::string journal;           // the last 4 KiB the service wrote on its stdout/stderr stream
};

}  // namespace dc
