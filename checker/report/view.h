// A scorecard read once into plain data for the renderers. Reading never
// throws: a field that is missing or of another type reads as empty, so that
// `daemoncheck render` shows an old or hand-edited scorecard instead of
// failing on it. Renderers read everything else through the get_* helpers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dc {

struct RuleView {
  std::string id, title, severity, status, message, seed_step;
  std::string waiver;  // the reason, when status is "waived"
  nlohmann::json evidence = nlohmann::json::object();
};

struct WaiverView {
  std::string id, reason;
  bool used = false;
};

// How a process ended: killed by `signal`, or exited with `exit_status`.
struct ExitView {
  long long pid = 0;
  std::string signal;  // "SIGHUP" when killed by a signal
  std::optional<long long> exit_status;
  double at_ms = 0;
};

struct FdView {
  long long fd = 0;
  std::string kind, path;  // planted descriptors
  std::string target;      // a daemon's descriptors: what /proc/PID/fd/N names
};

struct IdsView {
  long long real = 0, effective = 0, saved = 0;
};

// What the launch planted and saw; zero pids when the run attached.
struct LaunchView {
  long long checker_pid = 0, holder_pid = 0, launched_pid = 0, launch_sid = 0, job_pgid = 0;
  std::vector<std::string> argv;  // as launched, {tmp} expanded
  std::string pty, tmp, umask, canary_name;
  std::vector<FdView> planted_fds;
  std::vector<std::string> blocked_signals, ignored_signals;
  std::optional<ExitView> exit;  // the launched process's, when it ended
  std::vector<ExitView> reaped;
  std::optional<double> ready_ms;
  bool settle_timed_out = false;
  std::string terminal_output;  // the last 4 KiB written on the terminal, as recorded
};

struct DaemonView {
  long long pid = 0, ppid = 0, pgrp = 0, sid = 0, tty_nr = 0;
  std::string comm, why, cwd, root, umask = "unknown";
  IdsView uid, gid;
  std::vector<std::string> descendants;
  std::vector<std::string> blocked_signals, ignored_signals, caught_signals;
  std::string core_soft = "null", core_hard = "null";  // a number or "unlimited"
  std::vector<FdView> fds;
  std::vector<std::string> errors;  // what could not be read
};

struct PidfileView {
  std::string path, found_by, content;
  bool exists = false;
  std::vector<std::string> locks;
};

// The processes the probes started, for naming pids in the timeline.
struct ProbesView {
  struct Trial {
    long long launched_pid = 0;
    std::vector<long long> deaths;
  };
  long long second_instance_pid = 0;
  std::vector<long long> left_behind;  // by the second instance
  std::vector<Trial> race_trials;
};

// The service profiles' unit and what the service launch ran (the
// scorecard's `unit` and `service` objects).
struct UnitView {
  struct Notify {
    double at_ms = 0;
    long long sender = 0;
    std::string text, rejected_why;
    bool accepted = false;
    int relaunch = 0;  // N: during relaunch N
  };
  struct Exec {
    std::string kind;  // ExecStartPre ExecStart ExecStartPost ExecReload ExecStop
    std::vector<std::string> argv;
    long long pid = 0;
    double started_ms = 0, ended_ms = -1;
    std::optional<long long> exit_status;
    std::string signal, exec_error;
    bool timed_out = false;
    int relaunch = 0;  // N: run for relaunch N
  };
  std::string file, name, type;
  bool made_up = false;
  std::vector<std::string> dropins, not_simulated;
  // Socket activation: "dbus.socket ListenStream=/run/dbus/system_bus_socket (fd 3)".
  std::vector<std::string> sockets, socket_notes;
  std::vector<Notify> notify;
  std::vector<Exec> execs;
};

struct ScorecardView {
  std::string schema, tool_name = "daemoncheck", tool_version, profile, started_at;
  std::vector<std::string> argv;
  double duration_ms = 0;
  bool strict = false;
  std::vector<RuleView> rules;
  std::vector<WaiverView> waivers;
  std::vector<std::pair<std::string, int>> counts;  // pass, fail, error, waived, skip first
  std::string verdict = "fail";
  int exit_status = 1;
  LaunchView launch;
  std::vector<DaemonView> daemons;
  std::optional<PidfileView> pidfile;
  ProbesView probes;
  std::vector<std::pair<std::string, double>> timings_ms;  // numeric entries, by name
  std::vector<std::string> notes;
  std::optional<UnitView> unit;  // the service profiles only

  const RuleView* rule(std::string_view id) const;
  int count(std::string_view status) const;
  // The status rule `id` gave daemon `pid` (its own entry when the rule ran
  // on several daemons); "" when the rule did not judge that daemon.
  std::string status_for(std::string_view id, long long pid) const;
};

ScorecardView read_view(const nlohmann::json& scorecard);

// Why a waiver went unused, for the reports: "the rule passed", ...
std::string unused_waiver_reason(const ScorecardView& v, const WaiverView& w);

// "✓" pass, "✗" fail, "!" error, "~" waived, "-" skip, "?" anything else.
const char* status_mark(std::string_view status);

// "pass 4, fail 13, skip 8": the non-zero counts.
std::string counts_line(const ScorecardView& v);

// What a terminal showed, for a report: CR LF as LF, trailing blank lines
// and spaces dropped. Still raw: each format escapes it its own way.
std::string terminal_text(std::string_view recorded);

// Milliseconds for people: "0.4 ms", "34 ms", "1.25 s".
std::string human_ms(double ms);

// Field access that never throws.
const nlohmann::json& get(const nlohmann::json& j, std::string_view key);  // null when absent
std::string get_string(const nlohmann::json& j, std::string_view key, std::string fallback = "");
double get_number(const nlohmann::json& j, std::string_view key, double fallback = 0);
long long get_int(const nlohmann::json& j, std::string_view key, long long fallback = 0);
bool get_bool(const nlohmann::json& j, std::string_view key, bool fallback = false);
// The value as one line of text: strings bare, anything else as compact JSON.
std::string as_text(const nlohmann::json& j);

}  // namespace dc
