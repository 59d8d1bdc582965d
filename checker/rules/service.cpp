// The rules of the service profile (service.md, "Rules of the service
// profile"): what systemd would do with the pair of a unit file and its
// program, judged from Observation::service. Each check is pure; the facts
// come from the service launch.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

bool is_notify_type(const std::string& type) {
  return type == "notify" || type == "notify-reload";
}

// simple, exec, notify, notify-reload and idle (run as simple): the process
// systemd started is the service, so it must still run when start-up ends.
bool is_foreground_type(const std::string& type) {
  return type == "simple" || type == "exec" || type == "idle" || is_notify_type(type);
}

bool unit_valid(const UnitFacts& u) {
  return !u.fatal && u.exec_start_count >= 1 && (u.exec_start_count == 1 || u.type == "oneshot") &&
         u.exec_start_absolute && u.exec_start_exists && u.exec_start_executable &&
         u.unresolved.empty();
}

// The verdict a rule gives when it cannot judge at all: no service launch
// (an attached check), an invalid unit (never started), a start the launch
// could not run. std::nullopt: go on.
std::optional<Verdict> not_judged(const Observation& o, bool needs_start = true) {
  // The unit alone (unit-file-valid, stdin-not-tty) is judged even when the
  // start was not observed.
  if (o.attach && needs_start)
    return skip("attached to a running service: its start was not observed");
  if (!o.service) return skip("the service launch did not run");
  const ServiceFacts& s = *o.service;
  if (!unit_valid(s.unit)) return skip("the unit is not valid (see unit-file-valid): not started");
  if (!needs_start) return std::nullopt;
  if (!s.start.error.empty()) return error("the start could not be run: " + s.start.error);
  if (!s.start.ran) return skip("the service was not started");
  return std::nullopt;
}

std::string pid_list(const std::vector<pid_t>& v, const std::vector<std::string>& comms = {}) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 5; ++i) {
    s += (i ? ", " : "") + std::to_string(v[i]);
    if (i < comms.size() && !comms[i].empty()) s += " (" + comms[i] + ")";
  }
  if (v.size() > 5) s += " and " + std::to_string(v.size() - 5) + " more";
  return s;
}

std::string argv_text(const std::vector<std::string>& argv) {
  return join(argv, " ");
}

// "exited with status 1", "was killed by SIGSEGV", "is still running".
std::string exit_words(const std::optional<int>& status, const std::optional<int>& sig) {
  if (sig) return "was killed by " + signal_name(*sig);
  if (status) return "exited with status " + std::to_string(*status);
  return "is still running";
}

nlohmann::json exec_json(const ExecRun& e) {
  nlohmann::json j{{"kind", e.kind},         {"argv", e.argv},
                   {"pid", e.pid},           {"started_ms", e.started_ms},
                   {"ended_ms", e.ended_ms}, {"timed_out", e.timed_out}};
  if (e.exit_status) j["exit_status"] = *e.exit_status;
  if (e.signal) j["signal"] = signal_name(*e.signal);
  if (!e.exec_error.empty()) j["exec_error"] = e.exec_error;
  if (e.ignore_failure) j["ignore_failure"] = true;
  return j;
}

nlohmann::json execs_json(const ServiceFacts& s, std::initializer_list<const char*> kinds) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : s.execs)
    for (const char* k : kinds)
      if (e.kind == k) a.push_back(exec_json(e));
  return a;
}

// The journal's last line, as a hint of why a program gave up: " (it wrote:
// "...")", or "" when it wrote nothing.
std::string wrote(const ServiceFacts& s) {
  std::string line = last_line(s.journal);
  return line.empty() ? "" : " (it wrote: \"" + line + "\")";
}

bool exec_failed(const ExecRun& e) {
  return !e.exec_error.empty() || e.timed_out || e.signal || e.exit_status.value_or(0) != 0;
}

std::string exec_end(const ExecRun& e) {
  if (!e.exec_error.empty()) return "could not be executed (" + e.exec_error + ")";
  if (e.timed_out) return "did not end within its timeout and was killed";
  return exit_words(e.exit_status, e.signal);
}

// --- unit-file-valid ----------------------------------------------------

Verdict unit_file_valid(const Observation& o) {
  if (!o.service) return skip("the service launch did not run");
  const UnitFacts& u = o.service->unit;
  nlohmann::json ev{{"file", u.file},
                    {"findings", u.findings},
                    {"fatal", u.fatal},
                    {"exec_start_count", u.exec_start_count},
                    {"exec_start_program", u.exec_start_program},
                    {"unresolved", u.unresolved},
                    {"type", u.type}};
  if (u.made_up) return pass("the unit was made up from the command line", ev);
  std::vector<std::string> problems;
  if (u.fatal)
    for (const auto& f : u.findings) problems.push_back(f);
  if (u.exec_start_count == 0) {
    problems.push_back(
        "no ExecStart= (systemd: \"Service has no ExecStart=, ExecStop=, or SuccessAction=. "
        "Refusing.\")");
  } else if (u.exec_start_count > 1 && u.type != "oneshot") {
    problems.push_back(std::to_string(u.exec_start_count) +
                       " ExecStart= lines (systemd: \"Service has more than one ExecStart= "
                       "setting, which is only allowed for Type=oneshot services. Refusing.\")");
  } else if (!u.exec_start_absolute) {
    problems.push_back("ExecStart= program \"" + u.exec_start_program +
                       "\" is not an absolute path: write the full path, /usr/bin/...");
  } else if (!u.exec_start_exists) {
    problems.push_back("ExecStart= program " + u.exec_start_program +
                       " does not exist (systemd: result exit-code, status 203/EXEC)");
  } else if (!u.exec_start_executable) {
    problems.push_back("ExecStart= program " + u.exec_start_program +
                       " is not executable (chmod +x it; systemd: status 203/EXEC)");
  }
  for (const auto& r : u.unresolved) problems.push_back(r);
  if (!problems.empty()) {
    std::string msg = problems.front();
    if (problems.size() > 1) msg += " (and " + std::to_string(problems.size() - 1) + " more)";
    return fail(msg, ev);
  }
  std::string msg = "the unit parses; ExecStart= runs " + u.exec_start_program + ", Type=" + u.type;
  if (!u.findings.empty())
    msg += " (" + std::to_string(u.findings.size()) + " warning" +
           (u.findings.size() == 1 ? "" : "s") + ": " + u.findings.front() + ")";
  return pass(msg, ev);
}

// --- type-matches-behaviour ---------------------------------------------

nlohmann::json start_json(const ServiceFacts& s) {
  const ServiceStart& st = s.start;
  nlohmann::json j{{"type", s.unit.type},
                   {"exec_pid", st.exec_pid},
                   {"exec_ended_ms", st.exec_ended_ms},
                   {"main_pid", st.main_pid},
                   {"main_pid_source", st.main_pid_source},
                   {"main_alive_at_end", st.main_alive_at_end},
                   {"survivors", st.survivors},
                   {"survivors_comm", st.survivors_comm},
                   {"result", st.result},
                   {"ended_ms", st.ended_ms}};
  if (st.exec_exit_status) j["exec_exit_status"] = *st.exec_exit_status;
  if (st.exec_signal) j["exec_signal"] = signal_name(*st.exec_signal);
  if (st.ready_ms) j["ready_ms"] = *st.ready_ms;
  if (!st.watch_end.empty()) {
    j["watch_end"] = st.watch_end;
    j["watched_until_ms"] = st.watched_until_ms;
  }
  return j;
}

const ExecRun* find_exec(const ServiceFacts& s, const char* kind) {
  for (const auto& e : s.execs)
    if (e.kind == kind) return &e;
  return nullptr;
}

// Why the ExecStart process never ran, or "".
std::string exec_start_never_ran(const ServiceFacts& s) {
  for (const auto& e : s.execs) {
    if (e.kind == "ExecStartPre" && exec_failed(e) && !e.ignore_failure)
      return "ExecStartPre= " + argv_text(e.argv) + " " + exec_end(e) +
             ", so ExecStart= never ran (see start-completes)";
  }
  const ExecRun* start = find_exec(s, "ExecStart");
  if (start && !start->exec_error.empty())
    return "ExecStart= could not be executed (" + start->exec_error + "; see start-completes)";
  if (s.start.exec_pid == 0) return "ExecStart= never ran (see start-completes)";
  return "";
}

Verdict forking_program_seen(const ServiceFacts& s, const nlohmann::json& ev) {
  const ServiceStart& st = s.start;
  const std::string t = "Type=" + s.unit.type;
  if (st.survivors.empty()) {
    return fail(t + ", but the ExecStart process exited 0 after " + fixed_ms(st.exec_ended_ms) +
                    " ms and left no process running: it does its work and ends, which "
                    "Type=oneshot fits; systemd would now consider the service dead",
                ev);
  }
  return fail(t + ", but the ExecStart process forked and exited 0 after " +
                  fixed_ms(st.exec_ended_ms) + " ms, leaving pid " +
                  pid_list(st.survivors, st.survivors_comm) +
                  ": the program daemonizes itself. systemd would now consider the service dead "
                  "and kill its other processes (KillMode=" +
                  s.unit.kill_mode +
                  "). Make the program stay in the foreground (most have an option: --foreground, "
                  "-f, --nodaemon), or declare Type=forking with PIDFile=",
              ev);
}

Verdict type_matches_behaviour(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceStart& st = s.start;
  nlohmann::json ev = start_json(s);
  if (std::string why = exec_start_never_ran(s); !why.empty()) return skip(why, ev);
  const bool exited = st.exec_exit_status.has_value() || st.exec_signal.has_value();
  const std::string t = "Type=" + s.unit.type;
  if (is_foreground_type(s.unit.type)) {
    if (!exited)
      return pass(t + ": the ExecStart process (pid " + std::to_string(st.exec_pid) +
                      ") was still running when start-up ended",
                  ev);
    if (!st.exec_signal && st.exec_exit_status == 0) return forking_program_seen(s, ev);
    return fail(t + ", but the ExecStart process " +
                    exit_words(st.exec_exit_status, st.exec_signal) + " during start-up" +
                    wrote(s) + ": systemd would mark the service failed (result " +
                    (st.exec_signal ? "signal" : "exit-code") + ")",
                ev);
  }
  if (s.unit.type == "forking") {
    if (!exited) {
      return fail(t + ", but the ExecStart process (pid " + std::to_string(st.exec_pid) +
                      ") was still running when start-up ended: it stays in the foreground, "
                      "which Type=simple fits (Type=notify if it sends READY=1); under "
                      "Type=forking systemd waits for it to exit and fails the start (result "
                      "timeout)",
                  ev);
    }
    if (st.exec_signal || st.exec_exit_status != 0) {
      return fail(t + ", but the first process " + exit_words(st.exec_exit_status, st.exec_signal) +
                      wrote(s) + ": systemd fails the start (result " +
                      (st.exec_signal ? "signal" : "exit-code") + ")",
                  ev);
    }
    if (st.survivors.empty()) {
      return fail(t + ", but the first process exited 0 and left no process running: it does "
                      "its work and ends, which Type=oneshot fits; systemd would consider the "
                      "service dead at once",
                  ev);
    }
    return pass(t + ": the first process exited 0 after " + fixed_ms(st.exec_ended_ms) +
                    " ms and pid " + pid_list(st.survivors, st.survivors_comm) + " survived it",
                ev);
  }
  if (s.unit.type == "oneshot") {
    if (exited)
      return pass(t + ": the process " + exit_words(st.exec_exit_status, st.exec_signal) +
                      " after " + fixed_ms(st.exec_ended_ms) + " ms",
                  ev);
    return fail(t + ", but the process (pid " + std::to_string(st.exec_pid) +
                    ") was still running when start-up ended: a service that keeps running "
                    "fits Type=simple (or Type=notify); under Type=oneshot systemd waits for "
                    "it to exit and the start never completes",
                ev);
  }
  return error("Type=" + s.unit.type + " is not one the checker judges", ev);
}

// --- start-completes -----------------------------------------------------

// What made the start fail, in a sentence, for the result word given.
std::string start_failure(const ServiceFacts& s) {
  const ServiceStart& st = s.start;
  const UnitFacts& u = s.unit;
  for (const auto& e : s.execs) {
    if (e.kind != "ExecStartPre" && e.kind != "ExecStart" && e.kind != "ExecStartPost") continue;
    if (exec_failed(e) && !e.ignore_failure && (e.kind != "ExecStart" || !e.exec_error.empty()))
      return e.kind + "= " + argv_text(e.argv) + " " + exec_end(e);
  }
  const bool exited = st.exec_exit_status.has_value() || st.exec_signal.has_value();
  if (st.result == "timeout") {
    if (is_notify_type(u.type)) {
      std::string ignored;
      for (const auto& m : s.notify)
        if (!m.accepted && m.text.find("READY=1") != std::string::npos)
          ignored = "; READY=1 came from pid " + std::to_string(m.sender) +
                    ", which NotifyAccess=" + u.notify_access + " ignores (see notify-access)";
      return "no READY=1 arrived within TimeoutStartSec=" + fixed_s(u.timeout_start_s) + "s" +
             ignored + ": call sd_notify(0, \"READY=1\") from the main process once it serves";
    }
    return std::string(u.type == "forking" ? "the first process" : "the process") +
           " did not exit within TimeoutStartSec=" + fixed_s(u.timeout_start_s) + "s";
  }
  if (exited && (st.exec_signal || st.exec_exit_status != 0))
    return "the ExecStart process " + exit_words(st.exec_exit_status, st.exec_signal) + wrote(s);
  if (st.result == "protocol") {
    if (is_notify_type(u.type)) return "the main process exited before READY=1 arrived";
    return "systemd could not tell the main process after the first process exited (see "
           "main-pid-known)";
  }
  if (st.result == "resources")
    return "systemd could not set up what the unit asks for, or read the PIDFile= it names";
  return "the start job did not succeed";
}

Verdict start_completes(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceStart& st = s.start;
  nlohmann::json ev = start_json(s);
  ev["timeout_start_s"] = s.unit.timeout_start_s;
  ev["execs"] = execs_json(s, {"ExecStartPre", "ExecStart", "ExecStartPost"});
  if (st.result == "success") {
    std::string how;
    if (is_notify_type(s.unit.type))
      how = "READY=1 after " + fixed_ms(st.ready_ms.value_or(st.ended_ms)) + " ms";
    else if (s.unit.type == "forking")
      how = "the first process exited 0 and the main process is pid " + std::to_string(st.main_pid);
    else if (s.unit.type == "oneshot")
      how = "the process exited with a success status";
    else
      how = "the program was started";
    return pass("the start job ended in success after " + fixed_ms(st.ended_ms) +
                    " ms (Type=" + s.unit.type + ": " + how + ")",
                ev);
  }
  if (st.result.empty()) return error("the launch recorded no result for the start job", ev);
  return fail("the start failed with result '" + st.result + "': " + start_failure(s), ev);
}

// --- main-pid-known, pidfile-written-before-exit, pidfile-safe -----------

bool is_forking(const Observation& o) {
  return o.service && o.service->unit.type == "forking";
}

Severity required_for_forking(const Observation& o) {
  return is_forking(o) ? Severity::Required : Severity::Info;
}

// For forking: whether the first process exited 0, so that systemd went on
// to look for the main process.
std::optional<Verdict> first_exit_not_clean(const ServiceFacts& s) {
  const ServiceStart& st = s.start;
  if (std::string why = exec_start_never_ran(s); !why.empty()) return skip(why);
  if (!st.exec_exit_status && !st.exec_signal)
    return skip(
        "the first process never exited, so systemd never looked for the main process "
        "(see type-matches-behaviour)");
  if (st.exec_signal || st.exec_exit_status != 0)
    return skip("the first process " + exit_words(st.exec_exit_status, st.exec_signal) +
                ", so systemd failed the start before looking for the main process");
  return std::nullopt;
}

Verdict main_pid_known(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const UnitFacts& u = s.unit;
  const ServiceStart& st = s.start;
  if (u.type != "forking")
    return skip("Type=" + u.type + ": the main process is the one systemd started");
  if (auto v = first_exit_not_clean(s)) return *v;
  nlohmann::json ev = start_json(s);
  ev["guess_main_pid"] = u.guess_main_pid;
  if (u.pid_file) ev["pid_file"] = *u.pid_file;
  if (st.pidfile_at_end) ev["pidfile_at_end"] = *st.pidfile_at_end;
  if (st.pidfile_seen_ms >= 0) ev["pidfile_seen_ms"] = st.pidfile_seen_ms;
  if (u.pid_file) {
    if (st.main_pid_source == "pidfile" && st.main_pid > 0 && st.pidfile_pid_in_service)
      return pass("PIDFile=" + *u.pid_file + " named pid " + std::to_string(st.main_pid) +
                      ", a live process of the service, " + fixed_ms(st.pidfile_seen_ms) +
                      " ms after the start",
                  ev);
    std::string held = st.pidfile_at_end ? "held \"" + *st.pidfile_at_end + "\"" : "never appeared";
    return fail("PIDFile=" + *u.pid_file + " " + held +
                    " within TimeoutStartSec=" + fixed_s(u.timeout_start_s) +
                    "s, not a live process of the service: systemd fails the start; write the "
                    "daemon's own pid there before the first process exits",
                ev);
  }
  if (!u.guess_main_pid)
    return fail(
        "GuessMainPID=no and no PIDFile=: systemd cannot tell the main process of a "
        "forking service; set PIDFile= to the file the daemon writes",
        ev);
  if (st.survivors.size() == 1)
    return pass("no PIDFile=, and exactly one process survived (pid " +
                    pid_list(st.survivors, st.survivors_comm) + "): systemd's guess is right",
                ev);
  if (st.survivors.empty())
    return fail(
        "no PIDFile= and no process survived the first process: systemd has no main "
        "process and considers the service dead",
        ev);
  return fail("no PIDFile=, and " + std::to_string(st.survivors.size()) +
                  " processes survived (pid " + pid_list(st.survivors, st.survivors_comm) +
                  "): systemd guesses one of them as the main process and may miss the daemon's "
                  "death; set PIDFile= to the file the daemon writes",
              ev);
}

Verdict pidfile_written_before_exit(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const UnitFacts& u = s.unit;
  const ServiceStart& st = s.start;
  if (u.type != "forking" || !u.pid_file)
    return skip(u.type != "forking" ? "Type=" + u.type + ": systemd reads no pidfile at start"
                                    : "no PIDFile=");
  if (auto v = first_exit_not_clean(s)) return *v;
  nlohmann::json ev{{"pid_file", *u.pid_file},
                    {"first_exit_ms", st.exec_ended_ms},
                    {"main_pid", st.main_pid},
                    {"pidfile_seen_ms", st.pidfile_seen_ms}};
  if (st.pidfile_at_first_exit) ev["pidfile_at_first_exit"] = *st.pidfile_at_first_exit;
  if (st.pidfile_pid_at_first_exit) ev["pidfile_pid_at_first_exit"] = *st.pidfile_pid_at_first_exit;
  const bool held_main = st.pidfile_pid_at_first_exit && st.main_pid > 0 &&
                         *st.pidfile_pid_at_first_exit == st.main_pid;
  if (held_main)
    return pass("PIDFile=" + *u.pid_file + " already held pid " + std::to_string(st.main_pid) +
                    " when the first process exited",
                ev);
  std::string then =
      st.pidfile_at_first_exit ? "held \"" + *st.pidfile_at_first_exit + "\"" : "did not exist yet";
  std::string later = st.pidfile_seen_ms >= 0
                          ? "; it named the daemon only at " + fixed_ms(st.pidfile_seen_ms) + " ms"
                          : "";
  return fail("PIDFile=" + *u.pid_file + " " + then + " when the first process exited at " +
                  fixed_ms(st.exec_ended_ms) + " ms" + later + ": systemd logs \"PID file " +
                  *u.pid_file +
                  " not readable (yet?) after start\" and depends on the file appearing before "
                  "the timeout; let the first process exit only once the daemon has written it",
              ev);
}

Verdict pidfile_safe(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const UnitFacts& u = s.unit;
  const ServiceStart& st = s.start;
  if (!u.pid_file) return skip("no PIDFile=");
  nlohmann::json ev{{"pid_file", *u.pid_file},
                    {"foreign_symlink", st.pidfile_foreign_symlink},
                    {"uid", st.pidfile_uid},
                    {"pid_in_service", st.pidfile_pid_in_service}};
  if (st.pidfile_pid_at_end) ev["pid"] = *st.pidfile_pid_at_end;
  if (st.pidfile_foreign_symlink)
    return fail("PIDFile=" + *u.pid_file +
                    " is reached through a symbolic link owned by another user than root: "
                    "systemd refuses to follow it and the unit fails; write the file itself, not "
                    "a link",
                ev);
  if (!st.pidfile_at_end && !st.pidfile_pid_at_end)
    return skip("PIDFile=" + *u.pid_file + " never appeared (see main-pid-known)", ev);
  if (st.pidfile_uid == 0)
    return pass("PIDFile=" + *u.pid_file + " is owned by root, which systemd trusts", ev);
  if (st.pidfile_pid_in_service)
    return pass("PIDFile=" + *u.pid_file + " is owned by uid " + std::to_string(st.pidfile_uid) +
                    " and names a process of the service",
                ev);
  std::string pid =
      st.pidfile_pid_at_end ? "pid " + std::to_string(*st.pidfile_pid_at_end) : "no valid pid";
  return fail("PIDFile=" + *u.pid_file + " is owned by uid " + std::to_string(st.pidfile_uid) +
                  " and names " + pid +
                  ", not a process of the service: systemd refuses it (\"New main PID does not "
                  "belong to service, and PID file is not owned by root. Refusing.\") and the "
                  "unit fails",
              ev);
}

// --- notify-access, mainpid-valid ----------------------------------------

nlohmann::json notify_json(const ServiceFacts& s) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& m : s.notify) {
    nlohmann::json j{
        {"at_ms", m.at_ms}, {"sender", m.sender}, {"text", m.text}, {"accepted", m.accepted}};
    if (!m.rejected_why.empty()) j["rejected_why"] = m.rejected_why;
    a.push_back(std::move(j));
  }
  return a;
}

// The first line of a notify message, for a message: "READY=1".
std::string first_field(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

Verdict notify_access(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const UnitFacts& u = s.unit;
  nlohmann::json ev{{"notify_access", u.notify_access},
                    {"main_pid", s.start.main_pid},
                    {"messages", notify_json(s)}};
  if (!is_notify_type(u.type) && s.notify.empty())
    return skip("Type=" + u.type + " and no notify message: the notify protocol is not used", ev);
  if (s.notify.empty())
    return skip("no notify message arrived (start-completes reports a missing READY=1)", ev);
  std::vector<std::string> ignored;
  for (const auto& m : s.notify) {
    if (m.accepted) continue;
    std::string why =
        m.rejected_why.empty() ? "NotifyAccess=" + u.notify_access + " refuses it" : m.rejected_why;
    ignored.push_back(first_field(m.text) + " from pid " + std::to_string(m.sender) + " (" + why +
                      ")");
  }
  if (!ignored.empty()) {
    std::string msg =
        (s.notify.size() == 1 ? std::string("the one notify message was")
                              : std::to_string(ignored.size()) + " of " +
                                    std::to_string(s.notify.size()) + " notify messages") +
        " ignored under NotifyAccess=" + u.notify_access + ": " + ignored.front();
    if (ignored.size() > 1) msg += " (and " + std::to_string(ignored.size() - 1) + " more)";
    return fail(msg + "; send them from the main process, or set NotifyAccess=all in the unit", ev);
  }
  const std::string which =
      s.notify.size() == 1 ? "the one notify message came"
                           : "all " + std::to_string(s.notify.size()) + " notify messages came";
  return pass(which + " from processes NotifyAccess=" + u.notify_access + " allows", ev);
}

Verdict mainpid_valid(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const auto& sent = s.start.mainpid_sent;
  if (sent.empty()) return skip("no MAINPID= was sent");
  nlohmann::json a = nlohmann::json::array();
  std::vector<pid_t> bad;
  for (const auto& [pid, ok] : sent) {
    a.push_back({{"pid", pid}, {"live_in_service", ok}});
    if (!ok) bad.push_back(pid);
  }
  nlohmann::json ev{{"mainpid_sent", a}, {"main_pid", s.start.main_pid}};
  if (!bad.empty())
    return fail("MAINPID=" + std::to_string(bad.front()) +
                    " does not name a live process of the service: systemd refuses it (\"New "
                    "main PID " +
                    std::to_string(bad.front()) +
                    " does not belong to service\"); send getpid() of the process that stays",
                ev);
  return pass("every MAINPID= named a live process of the service (last: " +
                  std::to_string(sent.back().first) + ")",
              ev);
}

// --- reload-protocol, reload-keeps-service -------------------------------

Verdict reload_protocol(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceReload& r = s.reload;
  if (s.unit.type != "notify-reload") return skip("Type=" + s.unit.type + ": not notify-reload");
  if (!r.error.empty()) return error("the reload could not be run: " + r.error);
  if (!r.ran) return skip(r.skipped.empty() ? "the reload was not run" : r.skipped);
  const std::string sig = signal_name(r.signal ? r.signal : s.unit.reload_signal);
  nlohmann::json ev{{"signal", sig},
                    {"signal_ms", r.signal_ms},
                    {"signal_monotonic_usec", r.signal_monotonic_usec},
                    {"sig_cgt_at_ready", s.start.sig_cgt_at_ready},
                    {"sig_blk_at_ready", s.start.sig_blk_at_ready},
                    {"same_main_alive", r.same_main_alive}};
  if (r.reloading_ms) ev["reloading_ms"] = *r.reloading_ms;
  if (r.monotonic_usec) ev["monotonic_usec"] = *r.monotonic_usec;
  if (r.ready_ms) ev["ready_ms"] = *r.ready_ms;
  const int signo = r.signal ? r.signal : s.unit.reload_signal;
  // Caught by a handler, or blocked in every thread for a signalfd or
  // sigwait() to take (sd-event's way): either way not defaulted.
  auto has = [&](uint64_t set) { return signo >= 1 && signo <= 64 && (set >> (signo - 1)) & 1; };
  if (!has(s.start.sig_cgt_at_ready) && !has(s.start.sig_blk_at_ready))
    return fail(sig +
                    " was neither caught (SigCgt) nor blocked in every thread for a signalfd "
                    "(SigBlk) when READY=1 first arrived: a reload would find its default "
                    "action; install the handler, or block it and read it, before sending "
                    "READY=1",
                ev);
  if (!r.same_main_alive)
    return fail("the main process did not survive " + sig + ": systemd's reload ends the service",
                ev);
  if (!r.reloading_ms)
    return fail("no RELOADING=1 after " + sig +
                    ": systemd waits for it and the reload fails (result timeout); on the signal "
                    "send \"RELOADING=1\\nMONOTONIC_USEC=...\", reload, then \"READY=1\"",
                ev);
  if (!r.monotonic_usec)
    return fail(
        "RELOADING=1 came without MONOTONIC_USEC=: systemd cannot tell it answers this "
        "reload; send the CLOCK_MONOTONIC time in microseconds with it",
        ev);
  const double off_s =
      (static_cast<double>(*r.monotonic_usec) - static_cast<double>(r.signal_monotonic_usec)) / 1e6;
  if (std::fabs(off_s) > 1.0)
    return fail("MONOTONIC_USEC=" + std::to_string(*r.monotonic_usec) + " is " +
                    fixed_s(std::round(off_s * 1000) / 1000) +
                    " s from the signal: send clock_gettime(CLOCK_MONOTONIC) in microseconds, "
                    "taken when the reload starts",
                ev);
  if (!r.ready_ms)
    return fail("RELOADING=1 arrived but no READY=1 followed within TimeoutStartSec=" +
                    fixed_s(s.unit.timeout_start_s) +
                    "s: systemd fails the reload (result timeout)",
                ev);
  return pass(sig + " caught; RELOADING=1 with MONOTONIC_USEC= after " +
                  fixed_ms(*r.reloading_ms - r.signal_ms) + " ms, READY=1 after " +
                  fixed_ms(*r.ready_ms - r.signal_ms) + " ms",
              ev);
}

Verdict reload_keeps_service(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceReload& r = s.reload;
  if (!s.unit.has_exec_reload) return skip("no ExecReload=");
  if (!r.error.empty()) return error("the reload could not be run: " + r.error);
  if (!r.ran) return skip(r.skipped.empty() ? "the reload was not run" : r.skipped);
  nlohmann::json ev{{"execs", execs_json(s, {"ExecReload"})},
                    {"same_main_alive", r.same_main_alive},
                    {"main_pid", s.start.main_pid},
                    {"main_pid_after", r.main_pid_after}};
  for (const auto& e : s.execs) {
    if (e.kind != "ExecReload" || !exec_failed(e) || e.ignore_failure) continue;
    return fail("ExecReload= " + argv_text(e.argv) + " " + exec_end(e) +
                    ": systemctl reload fails; the command must exit 0 once the reload is asked "
                    "for",
                ev);
  }
  if (!r.same_main_alive)
    return fail("after ExecReload= the main process (pid " + std::to_string(s.start.main_pid) +
                    ") is gone: a reload must not restart or kill the service (send it SIGHUP: "
                    "ExecReload=/bin/kill -HUP $MAINPID)",
                ev);
  return pass("ExecReload= exited 0 and the main process (pid " + std::to_string(s.start.main_pid) +
                  ") is still alive",
              ev);
}

// --- watchdog-kept --------------------------------------------------------

Verdict watchdog_kept(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceWatchdog& w = s.watchdog;
  if (s.unit.watchdog_usec == 0) return skip("no WatchdogSec=");
  if (!w.error.empty()) return error("the watchdog could not be watched: " + w.error);
  if (!w.ran) return skip(w.skipped.empty() ? "the watchdog was not watched" : w.skipped);
  const double iv = static_cast<double>(w.usec) / 1000.0;
  nlohmann::json ev{{"usec", w.usec}, {"from_ms", w.from_ms}, {"pings_ms", w.pings_ms}};
  if (iv <= 0) return error("WATCHDOG_USEC was 0", ev);
  for (int k = 0; k < 3; ++k) {
    const double lo = w.from_ms + k * iv, hi = lo + iv;
    bool fed = std::any_of(w.pings_ms.begin(), w.pings_ms.end(),
                           [&](double t) { return t >= lo && t < hi; });
    if (fed) continue;
    return fail("no WATCHDOG=1 in interval " + std::to_string(k + 1) + " of 3 (" +
                    fixed_ms(lo - w.from_ms) + "-" + fixed_ms(hi - w.from_ms) +
                    " ms after start-up, WATCHDOG_USEC=" + std::to_string(w.usec) +
                    "): systemd would kill the service with SIGABRT (result watchdog); send "
                    "WATCHDOG=1 every WATCHDOG_USEC/2, reading the value from the environment",
                ev);
  }
  return pass("WATCHDOG=1 arrived in each of 3 intervals of WATCHDOG_USEC=" +
                  std::to_string(w.usec) + " (" + std::to_string(w.pings_ms.size()) + " pings)",
              ev);
}

// --- stop-completes, clean-exit-status, no-leftover-processes -------------

// The relaunch the stop was measured on, or nullptr.
const ServiceRelaunch* stop_relaunch(const ServiceFacts& s) {
  const int n = s.stop.relaunch;
  if (n <= 0 || static_cast<size_t>(n) > s.relaunches.size()) return nullptr;
  return &s.relaunches[static_cast<size_t>(n) - 1];
}

nlohmann::json stop_json(const ServiceFacts& s) {
  const ServiceStop& st = s.stop;
  nlohmann::json j{
      {"kill_mode", s.unit.kill_mode},       {"signal", signal_name(st.signal)},
      {"signal_ms", st.signal_ms},           {"main_ended_ms", st.main_ended_ms},
      {"sigkilled", st.sigkilled},           {"sigkilled_comm", st.sigkilled_comm},
      {"left_running", st.left_running},     {"left_running_comm", st.left_running_comm},
      {"stopping_sent", st.stopping_sent},   {"timeout_stop_s", s.unit.timeout_stop_s},
      {"execs", execs_json(s, {"ExecStop"})}};
  if (st.main_exit_status) j["main_exit_status"] = *st.main_exit_status;
  if (st.main_signal) j["main_signal"] = signal_name(*st.main_signal);
  if (st.main_pid > 0) j["main_pid"] = st.main_pid;
  if (const ServiceRelaunch* r = stop_relaunch(s)) {
    j["relaunch"] = st.relaunch;
    j["relaunch_why"] = r->why;
    j["relaunch_start"] = {{"result", r->start.result},
                           {"main_pid", r->start.main_pid},
                           {"ended_ms", r->start.ended_ms}};
  }
  return j;
}

// " (measured on relaunch 1: the SIGHUP probe ended the main process, which
// was killed by SIGHUP)", or "" when the stop acted on the first start.
std::string measured_on(const ServiceFacts& s) {
  const ServiceRelaunch* r = stop_relaunch(s);
  return r ? " (measured on relaunch " + std::to_string(s.stop.relaunch) + ": " + r->why + ")" : "";
}

std::optional<Verdict> stop_not_judged(const ServiceFacts& s) {
  const ServiceStop& st = s.stop;
  if (!st.error.empty()) return error("the stop could not be run: " + st.error);
  if (!st.ran) return skip(st.skipped.empty() ? "the service was not stopped" : st.skipped);
  // systemd stops a running service: one whose main process it knows and
  // that was alive when start-up ended. Otherwise the unit was already dead
  // or failed (type-matches-behaviour, main-pid-known and start-completes
  // say why), and its stop is not the program's.
  if (s.start.main_pid == 0)
    return skip("systemd knew no main process when start-up ended, so it had no service to stop");
  if (!s.start.main_alive_at_end)
    return skip("the main process (pid " + std::to_string(s.start.main_pid) +
                ") had already exited when start-up ended, so systemd had no service to stop");
  return std::nullopt;
}

bool main_needed_sigkill(const ServiceFacts& s) {
  const ServiceStop& st = s.stop;
  if (st.main_ended_ms < 0) return true;
  const pid_t main = st.main_pid > 0 ? st.main_pid : s.start.main_pid;
  if (std::find(st.sigkilled.begin(), st.sigkilled.end(), main) != st.sigkilled.end()) return true;
  return st.main_signal == SIGKILL && st.signal != SIGKILL;
}

Verdict stop_completes(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceStop& st = s.stop;
  if (auto v = stop_not_judged(s)) return *v;
  nlohmann::json ev = stop_json(s);
  const std::string sig = signal_name(st.signal);
  const std::string killed = st.sigkilled.empty() ? ""
                                                  : "; SIGKILL was needed for pid " +
                                                        pid_list(st.sigkilled, st.sigkilled_comm);
  if (main_needed_sigkill(s)) {
    return fail(
        "the main process did not exit within TimeoutStopSec=" + fixed_s(s.unit.timeout_stop_s) +
            "s after " + (s.unit.has_exec_stop ? "ExecStop= and " : "") + sig +
            ": systemd SIGKILLs it (result timeout)" + killed + "; handle " + sig +
            " by shutting down promptly" + measured_on(s),
        ev);
  }
  // ExecStop= runs first and may end the main process itself: then the
  // signal went only to what was left, after the main process had ended.
  const std::string when =
      st.main_ended_ms < st.signal_ms
          ? (s.unit.has_exec_stop ? "during ExecStop=, before " : "before ") + sig + " was sent"
          : fixed_ms(st.main_ended_ms - st.signal_ms) + " ms after " + sig;
  return pass("the main process " + exit_words(st.main_exit_status, st.main_signal) + " " + when +
                  " (KillMode=" + s.unit.kill_mode + ")" + killed + measured_on(s),
              ev);
}

bool clean_end(const ServiceFacts& s) {
  const ServiceStop& st = s.stop;
  const UnitFacts& u = s.unit;
  if (st.main_signal) {
    int sig = *st.main_signal;
    return sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE ||
           std::count(u.success_signals.begin(), u.success_signals.end(), sig) > 0;
  }
  int status = st.main_exit_status.value_or(-1);
  return status == 0 ||
         std::count(u.success_exit_status.begin(), u.success_exit_status.end(), status) > 0;
}

Verdict clean_exit_status(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceStop& st = s.stop;
  if (auto v = stop_not_judged(s)) return *v;
  nlohmann::json ev = stop_json(s);
  ev["success_exit_status"] = s.unit.success_exit_status;
  if (main_needed_sigkill(s))
    return fail("the main process did not end on " + signal_name(st.signal) +
                    " within TimeoutStopSec=" + fixed_s(s.unit.timeout_stop_s) +
                    "s and was SIGKILLed: systemd counts it a failure (result timeout) and the "
                    "unit ends failed; exit 0 promptly on " +
                    signal_name(st.signal) + measured_on(s),
                ev);
  const std::string how = exit_words(st.main_exit_status, st.main_signal);
  if (clean_end(s))
    return pass("the main process " + how + ", which systemd counts as clean" + measured_on(s), ev);
  const std::string sig = signal_name(st.signal);
  std::string fix;
  if (st.main_exit_status)
    fix = "; exit 0 on " + sig +
          ", or add SuccessExitStatus=" + std::to_string(*st.main_exit_status) +
          " to the unit if that status means success";
  else
    fix = "; let " + sig + " end the process, or exit 0 from its handler";
  return fail("the main process " + how + " on " + sig + ": systemd counts it a failure (result " +
                  (st.main_signal ? "signal" : "exit-code") + ") and the unit ends failed" + fix +
                  measured_on(s),
              ev);
}

Verdict no_leftover_processes(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  const ServiceStop& st = s.stop;
  if (auto v = stop_not_judged(s)) return *v;
  nlohmann::json ev = stop_json(s);
  const std::string& mode = s.unit.kill_mode;
  if (!st.left_running.empty())
    return fail("pid " + pid_list(st.left_running, st.left_running_comm) +
                    " still runs after the stop: KillMode=" + mode +
                    " leaves it running, unsupervised; stop your children on " +
                    signal_name(st.signal) +
                    " and wait for them, and keep "
                    "KillMode=control-group" +
                    measured_on(s),
                ev);
  // Under control-group and mixed nothing survives, but what needed SIGKILL
  // (the main process too) ended without cleaning up.
  if (!st.sigkilled.empty())
    return fail("pid " + pid_list(st.sigkilled, st.sigkilled_comm) +
                    " was still running at the end of the stop and needed SIGKILL (KillMode=" +
                    mode + "): on " + signal_name(st.signal) +
                    ", stop your children, wait for them, and exit" + measured_on(s),
                ev);
  return pass(
      "no process of the service outlived the stop (KillMode=" + mode + ")" + measured_on(s), ev);
}

// --- notify-socket-not-inherited, stdin-not-tty ---------------------------

Verdict notify_socket_not_inherited(const Observation& o) {
  if (auto v = not_judged(o)) return *v;
  const ServiceFacts& s = *o.service;
  if (!is_notify_type(s.unit.type) && s.unit.notify_access == "none")
    return skip("Type=" + s.unit.type + ": no NOTIFY_SOCKET was given");
  if (!s.children_seen) return skip("the main process had no children");
  nlohmann::json ev{{"children_with_notify_socket", s.children_with_notify_socket},
                    {"children_with_notify_socket_seen", s.children_with_notify_socket_seen},
                    {"children_not_execed", s.children_not_execed}};
  if (!s.children_with_notify_socket.empty()) {
    // A worker started later (on a reload, a timer) inherits the variable
    // just as well: unsetting it only before the first fork is not enough.
    const auto& seen = s.children_with_notify_socket_seen;
    const bool later = std::any_of(seen.begin(), seen.end(),
                                   [](const std::string& w) { return w != "when start-up ended"; });
    return fail("pid " + pid_list(s.children_with_notify_socket, seen) +
                    ", a child of the main process, has NOTIFY_SOCKET in its environment: a "
                    "child that speaks sd_notify can change the service's state; unset it "
                    "after reading it (sd_notify(1, ...), unsetenv(\"NOTIFY_SOCKET\"))" +
                    (later ? ", at start-up: a worker started after READY=1 inherits it too" : ""),
                ev);
  }
  // A forked copy's /proc environ is its parent's start-up one: no evidence.
  const std::string copies =
      s.children_not_execed.empty()
          ? ""
          : "pid " + pid_list(s.children_not_execed) + ", a child that has not called exec, ";
  if (!copies.empty() && !s.children_judged)
    return skip(copies +
                    "shows only the main process's start-up environment in /proc, not "
                    "its own: no child's environment could be read",
                ev);
  return pass("no child of the main process has NOTIFY_SOCKET in its environment" +
                  (copies.empty() ? ""
                                  : " (" + copies +
                                        "was not judged: /proc shows its "
                                        "parent's start-up environment)"),
              ev);
}

Verdict stdin_not_tty(const Observation& o) {
  if (auto v = not_judged(o, false)) return *v;
  const std::string& in = o.service->unit.standard_input;
  nlohmann::json ev{{"standard_input", in}};
  if (in == "tty" || in == "tty-force" || in == "tty-fail") {
    std::string how = in == "tty-force" ? " takes it by force" : " takes it";
    return fail("StandardInput=" + in + ": the service" + how +
                    " and fights getty and login for the terminal; remove the line (the default "
                    "is null) and log to stdout, which goes to the journal",
                ev);
  }
  return pass("StandardInput=" + in + ", not a terminal", ev);
}

}  // namespace

// Profiles: the service profile only, for now. The systemd profile's
// made-up unit is judged by stays-in-foreground, sd-notify-ready,
// sigterm-exits and sigterm-cleanup, which type-matches-behaviour,
// start-completes, stop-completes, clean-exit-status and no-leftover-processes
// would judge twice; a made-up unit has no PIDFile=, ExecReload=,
// WatchdogSec=, StandardInput= or notify-reload, and is valid by making.
// notify-access, mainpid-valid and notify-socket-not-inherited do apply to
// it (NotifyAccess=main) and take kSystemd once that profile runs through the
// service launch, with the systemd cases' READMEs listing them.
void add_service_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "unit-file-valid",
      .title = "The unit file is one systemd would load and run",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = unit_file_valid,
      .doc = {
          .checks = "The unit parses, has one ExecStart= (several only for Type=oneshot) whose "
                    "program is an absolute path to an existing executable, and its Type=, User= "
                    "and Group= resolve.",
          .why = "systemd refuses a unit it cannot load (\"bad-setting\") and a start whose "
                 "program it cannot execute ends at once with status 203/EXEC: the service never "
                 "runs, and `systemd-analyze verify` is the only warning before boot.",
          .how = "The unit reader parses the file and its drop-ins as systemd.syntax(7) says; the "
                 "ExecStart= program is looked up with stat() and access(X_OK), User= and Group= "
                 "in the user database. Nothing is started when the unit is not valid.",
          .fix_c =
              "/* the program must be installed where ExecStart= names it, executable:\n"
              "   cc -o /usr/local/bin/mydaemon main.c && chmod 755 /usr/local/bin/mydaemon */",
          .fix_python = "#!/usr/bin/python3\n"
                        "# first line of the script ExecStart= names; then chmod 755 it\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "Type=simple\n"
                       "# one ExecStart= line, the program's absolute path\n"
                       "ExecStart=/usr/local/bin/mydaemon --foreground"}});
  out.push_back(RuleDef{
      .id = "type-matches-behaviour",
      .title = "What the program does fits Type=",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = type_matches_behaviour,
      .doc = {
          .checks = "What the program did fits Type=: for simple, exec, notify, notify-reload and "
                    "idle the ExecStart process is still running when start-up ends; for forking "
                    "the first process exited 0 and a process of the service survived it; for "
                    "oneshot the process exited.",
          .why = "systemd supervises the process Type= tells it to. A program that forks and exits "
                 "under Type=simple looks dead to systemd, which then kills the rest of the "
                 "service; a foreground program under Type=forking never finishes its start and is "
                 "killed at the timeout.",
          .how = "The ExecStart process is watched through its pidfd until the start job ends as "
                 "Type= says; the processes of the service alive then are listed.",
          .fix_c = "/* under Type=simple or notify: no fork(), no setsid(), no pidfile; systemd "
                   "does all of it.\n"
                   "   Keep the old behaviour behind an option the unit does not pass. */\n"
                   "if (!foreground && daemon(0, 0) < 0) err(1, \"daemon\");",
          .fix_python = "# python-daemon's DaemonContext does not detach when its parent is PID 1 "
                        "(systemd);\n"
                        "# without it, simply run in the foreground:\n"
                        "main()",
          .fix_shell =
              "[Service]\n"
              "# the program stays in the foreground\n"
              "Type=simple\n"
              "ExecStart=/usr/sbin/mydaemon --foreground\n"
              "# or, for a program that must fork: Type=forking with PIDFile=/run/mydaemon.pid"}});
  out.push_back(RuleDef{
      .id = "start-completes",
      .title = "The start job ends in success",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = start_completes,
      .doc = {.checks = "The start job ends in success within TimeoutStartSec=: each ExecStartPre= "
                        "exits 0, execve succeeds, READY=1 arrives (notify types), the first "
                        "process exits 0 with the main process known (forking), the process exits "
                        "with a success status (oneshot). The result is given in systemd's words: "
                        "timeout, exit-code, signal, protocol, resources.",
              .why = "A start that fails leaves the unit `failed` and every unit that requires it "
                     "unstarted; a notify service that never says READY=1 holds the boot until "
                     "TimeoutStartSec= (90 s by default).",
              .how = "Each ExecStartPre=, ExecStart= and ExecStartPost= is run in order and "
                     "reaped; READY=1 is read from the notify socket with its sender; the start "
                     "ends as Type= says, bounded by the start timeout.",
              .fix_c =
                  "#include <systemd/sd-daemon.h>   /* libsystemd-dev, link with -lsystemd */\n"
                  "/* once the service can serve (sockets bound, configuration read): */\n"
                  "sd_notify(0, \"READY=1\");",
              .fix_python = "from systemd import daemon as sd   # Debian python3-systemd\n"
                            "sd.notify('READY=1')   # once the service can serve\n"
                            "main()",
              .fix_shell = "[Service]\n"
                           "Type=notify\n"
                           "# '-': a failing check does not stop the start\n"
                           "ExecStartPre=-/usr/sbin/mydaemon --check-config\n"
                           "ExecStart=/usr/sbin/mydaemon --foreground\n"
                           "TimeoutStartSec=30"}});
  out.push_back(RuleDef{
      .id = "main-pid-known",
      .title = "systemd can tell the main process",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = main_pid_known,
      .severity_for = required_for_forking,
      .doc = {
          .checks = "For Type=forking, systemd can tell the main process: with PIDFile=, the file "
                    "names a live process of the service within the start timeout; without it "
                    "(GuessMainPID=yes), exactly one process survives the first process; "
                    "GuessMainPID=no without PIDFile= fails.",
          .why = "systemd watches the main process to know the service is alive, sends it the stop "
                 "and reload signals and sets $MAINPID. With several survivors and no pidfile "
                 "systemd guesses, and may miss the daemon's death or kill the wrong process.",
          .how = "After the first process exits, the PIDFile= is read (and waited for with "
                 "inotify) and the service's processes are listed.",
          .fix_c =
              "/* in the daemon, after the last fork(), before the first process may exit: */\n"
              "int fd = open(\"/run/mydaemon.pid\", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, "
              "0644);\n"
              "if (fd < 0 || dprintf(fd, \"%ld\\n\", (long)getpid()) < 0) err(1, \"pidfile\");\n"
              "close(fd);",
          .fix_python =
              "import daemon, daemon.pidfile\n"
              "# detach even though the parent is PID 1, and exit 0 on SIGTERM (python-daemon's\n"
              "# own handler exits 1, which systemd counts a failure)\n"
              "with daemon.DaemonContext(\n"
              "        detach_process=True,\n"
              "        pidfile=daemon.pidfile.PIDLockFile('/run/mydaemon.pid'),\n"
              "        signal_map={signal.SIGTERM: lambda signo, frame: sys.exit(0)}):\n"
              "    main()",
          .fix_shell = "[Service]\n"
                       "Type=forking\n"
                       "# the file the daemon writes\n"
                       "PIDFile=/run/mydaemon.pid\n"
                       "ExecStart=/usr/sbin/mydaemon"}});
  out.push_back(RuleDef{
      .id = "pidfile-written-before-exit",
      .title = "The pidfile is written before the first process exits",
      .severity = Severity::Recommended,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = pidfile_written_before_exit,
      .doc = {
          .checks = "For Type=forking with PIDFile=, the pidfile already held the main pid when "
                    "the first process exited.",
          .why = "systemd reads the pidfile as soon as the first process exits. When it is not "
                 "there yet systemd logs \"PID file ... not readable (yet?) after start\" and "
                 "waits: the start then depends on the daemon writing it before the timeout, a "
                 "race that shows only on a loaded machine.",
          .how = "The pidfile is read the moment the first process is reaped (pidfd), and watched "
                 "with inotify afterwards.",
          .fix_c = "/* the first process exits only once the daemon has written its pidfile */\n"
                   "int ready[2];\n"
                   "if (pipe(ready) < 0) err(1, \"pipe\");\n"
                   "if (fork() > 0) {\n"
                   "  char c;\n"
                   "  close(ready[1]);\n"
                   "  _exit(read(ready[0], &c, 1) == 1 ? 0 : 1);\n"
                   "}\n"
                   "close(ready[0]);\n"
                   "if (setsid() < 0) err(1, \"setsid\");\n"
                   "if (fork() > 0) _exit(0);\n"
                   "FILE *f = fopen(\"/run/mydaemon.pid\", \"w\");\n"
                   "if (!f || fprintf(f, \"%ld\\n\", (long)getpid()) < 0 || fclose(f) != 0) err(1, "
                   "\"pidfile\");\n"
                   "/* the file names the daemon: now the first process may exit */\n"
                   "if (write(ready[1], \"\", 1) != 1) _exit(1);\n"
                   "close(ready[1]);",
          .fix_python =
              "r, w = os.pipe()\n"
              "if os.fork() > 0:  # the first process: exit once the pidfile is written\n"
              "    os.close(w)\n"
              "    os._exit(0 if os.read(r, 1) else 1)\n"
              "os.close(r)\n"
              "os.setsid()\n"
              "if os.fork() > 0:\n"
              "    os._exit(0)\n"
              "with open('/run/mydaemon.pid', 'w') as f:\n"
              "    f.write('%d\\n' % os.getpid())\n"
              "os.write(w, b'\\0')  # the file names the daemon: now the first process may exit\n"
              "os.close(w)\n"
              "main()",
          .fix_shell = "[Service]\n"
                       "Type=forking\n"
                       "PIDFile=/run/mydaemon.pid\n"
                       "# the daemon writes the file before its first process exits\n"
                       "ExecStart=/usr/sbin/mydaemon"}});
  out.push_back(RuleDef{
      .id = "pidfile-safe",
      .title = "systemd accepts the pidfile",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = pidfile_safe,
      .doc = {
          .checks = "systemd accepts the pidfile: it is not reached through a symbolic link owned "
                    "by another user than root, and a file not owned by root names a process of "
                    "the service.",
          .why = "Since v237 systemd refuses a pidfile an unprivileged user could have planted to "
                 "make it signal another process: the unit fails with \"New main PID ... does not "
                 "belong to service, and PID file is not owned by root. Refusing.\"",
          .how = "The PIDFile= path is resolved component by component with lstat(); the file's "
                 "owner and the pid it names are compared with the service's processes.",
          .fix_c =
              "/* write the pidfile as root before dropping privileges, or from the main process\n"
              "   itself, so that it names a process of the service */\n"
              "int fd = open(\"/run/mydaemon/mydaemon.pid\", O_WRONLY | O_CREAT | O_TRUNC | "
              "O_NOFOLLOW | O_CLOEXEC, 0644);\n"
              "if (fd < 0 || dprintf(fd, \"%ld\\n\", (long)getpid()) < 0) err(1, \"pidfile\");\n"
              "close(fd);",
          .fix_python =
              "fd = os.open('/run/mydaemon/mydaemon.pid', os.O_WRONLY | os.O_CREAT | os.O_TRUNC | "
              "os.O_NOFOLLOW, 0o644)\n"
              "os.write(fd, b'%d\\n' % os.getpid())  # its own pid, a process of the service\n"
              "os.close(fd)\n"
              "main()",
          .fix_shell = "[Service]\n"
                       "Type=forking\n"
                       "# /run/mydaemon, owned by User=, no symlink on the way\n"
                       "RuntimeDirectory=mydaemon\n"
                       "PIDFile=/run/mydaemon/mydaemon.pid\n"
                       "ExecStart=/usr/sbin/mydaemon"}});
  out.push_back(RuleDef{
      .id = "notify-access",
      .title = "Notify messages come from a process NotifyAccess= allows",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = notify_access,
      .doc = {
          .checks = "READY=1, RELOADING=1, STOPPING=1, MAINPID= and the other notify messages came "
                    "from a process that NotifyAccess= allows (main, the default for notify types: "
                    "the main process only; exec: the ExecStart process; all: any process of the "
                    "service); each ignored message is listed with its sender.",
          .why = "systemd drops a message from any other process (\"reception only permitted for "
                 "main PID\"): a READY=1 sent by a worker or a helper script is lost, and the "
                 "start times out.",
          .how = "The notify socket reads each sender's pid (SO_PASSCRED) and applies "
                 "NotifyAccess= as systemd does.",
          .fix_c = "/* send from the main process, not from a child: in the parent, after the "
                   "workers started */\n"
                   "sd_notify(0, \"READY=1\");",
          .fix_python = "from systemd import daemon as sd\n"
                        "sd.notify('READY=1')   # in the main process, not in a subprocess\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "Type=notify\n"
                       "# only if a helper must send it (systemd-notify runs as its own process)\n"
                       "NotifyAccess=all"}});
  out.push_back(RuleDef{
      .id = "mainpid-valid",
      .title = "MAINPID= names a live process of the service",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = mainpid_valid,
      .doc = {
          .checks = "Each MAINPID= sent names a live process of the service.",
          .why = "systemd makes the pid it receives the main process: it watches it, signals it on "
                 "stop and reload. A pid that is dead or outside the service is refused, or worse, "
                 "makes systemd track the wrong process.",
          .how = "Each MAINPID= value is compared with the live processes of the service when it "
                 "arrives.",
          .fix_c = "char msg[64];\n"
                   "snprintf(msg, sizeof msg, \"MAINPID=%ld\", (long)getpid());  /* the process "
                   "that stays */\n"
                   "sd_notify(0, msg);",
          .fix_python = "from systemd import daemon as sd\n"
                        "sd.notify('MAINPID=%d' % os.getpid())  # the process that stays\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "# a MAINPID= from another process than the main one needs it\n"
                       "NotifyAccess=all"}});
  out.push_back(RuleDef{
      .id = "reload-protocol",
      .title = "A notify-reload service answers the reload signal",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = reload_protocol,
      .doc = {
          .checks = "For Type=notify-reload: the reload signal (ReloadSignal=, SIGHUP by default) "
                    "is caught when READY=1 first arrives; on it the main process sends "
                    "RELOADING=1 with MONOTONIC_USEC= (its CLOCK_MONOTONIC in microseconds, within "
                    "one second of the signal), then READY=1 within TimeoutStartSec=.",
          .why = "systemctl reload of a notify-reload service sends the signal and waits for "
                 "RELOADING=1 and READY=1: without them the reload times out, and a signal not yet "
                 "caught when READY=1 is sent kills the service.",
          .how = "The reload signal is sent to the main process; the notify messages that follow "
                 "are read with their times, and MONOTONIC_USEC= is compared with the clock when "
                 "the signal was sent.",
          .fix_c =
              "static volatile sig_atomic_t reload_asked;\n"
              "static void on_hup(int signo) { (void)signo; reload_asked = 1; }\n"
              "/* in main(): */\n"
              "/* catch SIGHUP before READY=1 (a handler, not a blocked signal: systemd's\n"
              "   reload must not find the default action), and answer it in the main loop */\n"
              "sigset_t hup, old;\n"
              "sigemptyset(&hup);\n"
              "sigaddset(&hup, SIGHUP);\n"
              "sigprocmask(SIG_BLOCK, &hup, &old);\n"
              "sigdelset(&old, SIGHUP);\n"
              "struct sigaction sa = {.sa_handler = on_hup};\n"
              "if (sigaction(SIGHUP, &sa, NULL) < 0) err(1, \"sigaction\");\n"
              "sd_notify(0, \"READY=1\");\n"
              "for (;;) {\n"
              "  sigsuspend(&old);  /* returns once a handler ran */\n"
              "  if (!reload_asked) continue;\n"
              "  reload_asked = 0;\n"
              "  struct timespec ts;\n"
              "  clock_gettime(CLOCK_MONOTONIC, &ts);\n"
              "  char msg[64];\n"
              "  snprintf(msg, sizeof msg, \"RELOADING=1\\nMONOTONIC_USEC=%llu\",\n"
              "           (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000);\n"
              "  sd_notify(0, msg);\n"
              "  reload_configuration();\n"
              "  sd_notify(0, \"READY=1\");\n"
              "}",
          .fix_python = "import time\n"
                        "from systemd import daemon as sd\n"
                        "def on_hup(signo, frame):\n"
                        "    usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000\n"
                        "    sd.notify('RELOADING=1\\nMONOTONIC_USEC=%d' % usec)\n"
                        "    reload_configuration()\n"
                        "    sd.notify('READY=1')\n"
                        "signal.signal(signal.SIGHUP, on_hup)   # before READY=1\n"
                        "sd.notify('READY=1')\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "Type=notify-reload\n"
                       "# the default\n"
                       "ReloadSignal=SIGHUP"}});
  out.push_back(RuleDef{
      .id = "reload-keeps-service",
      .title = "ExecReload= succeeds and keeps the main process",
      .severity = Severity::Recommended,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = reload_keeps_service,
      .doc = {
          .checks = "ExecReload= exits 0 within the start timeout and the same main process is "
                    "alive afterwards.",
          .why =
              "systemctl reload is meant to reread the configuration without interrupting the "
              "service. A command that fails makes the reload fail; one that restarts or kills the "
              "daemon drops its connections and, with a new pid, loses systemd's supervision.",
          .how = "ExecReload= is run with $MAINPID set and reaped; the main process is checked "
                 "through its pidfd afterwards.",
          .fix_c =
              "/* make SIGHUP reload, and keep running: the main loop waits for both signals */\n"
              "sigset_t s;\n"
              "sigemptyset(&s);\n"
              "sigaddset(&s, SIGHUP);\n"
              "sigaddset(&s, SIGTERM);\n"
              "sigprocmask(SIG_BLOCK, &s, NULL);\n"
              "for (;;) {\n"
              "  int sig = sigwaitinfo(&s, NULL);\n"
              "  if (sig == SIGHUP) reload_configuration();\n"
              "  if (sig == SIGTERM) exit(0);\n"
              "}",
          .fix_python =
              "signal.signal(signal.SIGHUP, lambda signo, frame: reload_configuration())\n"
              "main()",
          .fix_shell = "[Service]\n"
                       "ExecReload=/bin/kill -HUP $MAINPID"}});
  out.push_back(RuleDef{
      .id = "watchdog-kept",
      .title = "The watchdog is fed",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = watchdog_kept,
      .doc = {
          .checks =
              "With WatchdogSec=, WATCHDOG=1 arrives at least once in each of three consecutive "
              "WATCHDOG_USEC intervals after READY=1 (or after start-up for the other types).",
          .why = "systemd kills a service whose watchdog is not fed in time (SIGABRT, result "
                 "watchdog) and restarts it if Restart= says so: a service that forgets the "
                 "watchdog is killed every WatchdogSec=.",
          .how = "WATCHDOG_USEC is given as the smaller of WatchdogSec= and --watchdog-usec (2 s "
                 "by default); the accepted WATCHDOG=1 messages are counted per interval.",
          .fix_c = "uint64_t usec;\n"
                   "if (sd_watchdog_enabled(0, &usec) > 0) {\n"
                   "  /* in the main loop, at least every usec / 2: */\n"
                   "  sd_notify(0, \"WATCHDOG=1\");\n"
                   "}",
          .fix_python = "import time\n"
                        "from systemd import daemon as sd\n"
                        "usec = int(os.environ.get('WATCHDOG_USEC', '0'))\n"
                        "while usec:\n"
                        "    sd.notify('WATCHDOG=1')   # from the main loop, every usec / 2\n"
                        "    time.sleep(usec / 2e6)",
          .fix_shell = "[Service]\n"
                       "WatchdogSec=30\n"
                       "Restart=on-watchdog"}});
  out.push_back(RuleDef{
      .id = "stop-completes",
      .title = "The service stops within the stop timeout",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = stop_completes,
      .doc = {
          .checks = "After ExecStop= and the kill signal sent as KillMode= says, the main process "
                    "exits within the stop timeout; what had to be SIGKILLed is listed.",
          .why = "systemctl stop, a shutdown or a restart waits TimeoutStopSec= (90 s by default) "
                 "for a service that does not exit, then SIGKILLs it without a chance to flush or "
                 "clean up.",
          .how =
              "ExecStop= is run with $MAINPID, then KillSignal= is sent to the processes KillMode= "
              "names; the main process is watched through its pidfd up to the stop timeout.",
          .fix_c = "/* handle SIGTERM in the main loop (signalfd), not with a flag read once a "
                   "minute */\n"
                   "sigset_t s;\n"
                   "sigemptyset(&s);\n"
                   "sigaddset(&s, SIGTERM);\n"
                   "sigaddset(&s, SIGHUP);\n"
                   "sigprocmask(SIG_BLOCK, &s, NULL);\n"
                   "int sfd = signalfd(-1, &s, SFD_CLOEXEC);\n"
                   "if (sfd < 0) err(1, \"signalfd\");\n"
                   "/* with the service's own sockets in fds[] */\n"
                   "struct pollfd fds[] = {{.fd = sfd, .events = POLLIN}};\n"
                   "for (;;) {\n"
                   "  if (poll(fds, 1, -1) < 0 && errno != EINTR) err(1, \"poll\");\n"
                   "  struct signalfd_siginfo si;\n"
                   "  if (!(fds[0].revents & POLLIN) || read(sfd, &si, sizeof si) != sizeof si) "
                   "continue;\n"
                   "  if (si.ssi_signo == SIGHUP) reload_configuration();\n"
                   "  if (si.ssi_signo == SIGTERM) exit(0);  /* after cleaning up */\n"
                   "}",
          .fix_python = "signal.signal(signal.SIGTERM, lambda signo, frame: sys.exit(0))\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "KillSignal=SIGTERM\n"
                       "TimeoutStopSec=10"}});
  out.push_back(RuleDef{
      .id = "clean-exit-status",
      .title = "The main process ends cleanly for systemd",
      .severity = Severity::Recommended,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = clean_exit_status,
      .doc = {
          .checks =
              "The main process's end counts as clean for systemd: exit 0, a signal among SIGHUP, "
              "SIGINT, SIGTERM and SIGPIPE, or a status or signal listed in SuccessExitStatus=.",
          .why = "Any other end leaves the unit `failed` after a plain systemctl stop: monitoring "
                 "raises an alarm and Restart=on-failure restarts a service that was asked to "
                 "stop. A JVM exits 143 on SIGTERM.",
          .how = "The main process is reaped after the stop signal and its status compared with "
                 "systemd's clean set and SuccessExitStatus=.",
          .fix_c = "/* on SIGTERM: clean up, then */\n"
                   "exit(0);",
          .fix_python = "signal.signal(signal.SIGTERM, lambda signo, frame: sys.exit(0))\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "# a JVM: 128 + SIGTERM\n"
                       "SuccessExitStatus=143"}});
  out.push_back(RuleDef{
      .id = "no-leftover-processes",
      .title = "No process outlives the stop",
      .severity = Severity::Recommended,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = no_leftover_processes,
      .doc = {
          .checks = "With KillMode=process or none, no process of the service outlives the stop; "
                    "with control-group or mixed, no process (the main one included) was still "
                    "running at the end of the stop and needed SIGKILL.",
          .why = "With KillMode=process systemd signals the main process only: its children live "
                 "on, unsupervised, holding ports and files, and the next start runs beside them. "
                 "With control-group they are SIGKILLed without a chance to clean up.",
          .how = "The processes of the service are listed after the main process exits; the ones "
                 "the stop had to SIGKILL are recorded.",
          .fix_c = "/* on SIGTERM, before exit(): stop the children and wait for them */\n"
                   "if (child > 0) {\n"
                   "  kill(child, SIGTERM);\n"
                   "  waitpid(child, NULL, 0);\n"
                   "}",
          .fix_python = "def on_term(signo, frame):\n"
                        "    for child in children:\n"
                        "        child.terminate()\n"
                        "        child.wait()\n"
                        "    sys.exit(0)\n"
                        "signal.signal(signal.SIGTERM, on_term)\n"
                        "main()",
          .fix_shell = "[Service]\n"
                       "# the default: every process of the service gets KillSignal=\n"
                       "KillMode=control-group"}});
  out.push_back(RuleDef{
      .id = "notify-socket-not-inherited",
      .title = "Children do not inherit NOTIFY_SOCKET",
      .severity = Severity::Recommended,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = notify_socket_not_inherited,
      .doc = {
          .checks = "No child of the main process has NOTIFY_SOCKET in its environment.",
          .why = "A child that inherits NOTIFY_SOCKET and speaks sd_notify (a script calling "
                 "systemd-notify, a library) can send READY=1 or STOPPING=1 for the service; with "
                 "NotifyAccess=all systemd believes it.",
          .how =
              "The environment of each child of the main process is read from /proc/PID/environ.",
          .fix_c = "/* a child must not inherit NOTIFY_SOCKET: take it out before exec() */\n"
                   "child = fork();\n"
                   "if (child < 0) err(1, \"fork\");\n"
                   "if (child == 0) {\n"
                   "  unsetenv(\"NOTIFY_SOCKET\");\n"
                   "  execl(\"/usr/libexec/mydaemon/worker\", \"worker\", (char *)NULL);\n"
                   "  _exit(127);\n"
                   "}\n"
                   "/* children started after the last sd_notify(): sd_notify(1, \"READY=1\") "
                   "unsets it */",
          .fix_python =
              "import subprocess\n"
              "from systemd import daemon as sd\n"
              "# a child must not inherit NOTIFY_SOCKET: give it an environment without it\n"
              "env = dict(os.environ)\n"
              "env.pop('NOTIFY_SOCKET', None)\n"
              "children.append(subprocess.Popen(['/usr/libexec/mydaemon/worker'], env=env))\n"
              "sd.notify('READY=1')\n"
              "main()",
          .fix_shell = "[Service]\n"
                       "Type=notify\n"
                       "# the default: systemd ignores what a child sends; the program must still\n"
                       "# keep NOTIFY_SOCKET from its children (above)\n"
                       "NotifyAccess=main"}});
  out.push_back(RuleDef{
      .id = "stdin-not-tty",
      .title = "Standard input is not a terminal",
      .severity = Severity::Recommended,
      .seed_step = "systemd",
      .profiles = kService,
      .per_run = stdin_not_tty,
      .doc = {.checks = "StandardInput= is not a terminal (tty, tty-force or tty-fail).",
              .why =
                  "A service that takes a terminal fights getty and login for it, and tty-force "
                  "takes it by force from whoever has it; a daemon has no user at a console, and "
                  "logs belong in the journal.",
              .how = "StandardInput= as the unit resolves it.",
              .fix_c =
                  "/* read nothing from stdin; write logs to stderr, which goes to the journal */\n"
                  "fprintf(stderr, \"<6>started\\n\");",
              .fix_python =
                  "print('started', file=sys.stderr, flush=True)   # the journal, not a terminal\n"
                  "main()",
              .fix_shell = "[Service]\n"
                           "# the default: remove StandardInput=tty-force and TTYPath=\n"
                           "StandardInput=null"}});
}

}  // namespace dc
