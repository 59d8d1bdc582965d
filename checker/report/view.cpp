// See view.h.
#include "report/view.h"

#include <cmath>
#include <cstdio>

namespace dc {

using nlohmann::json;

const json& get(const json& j, std::string_view key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(std::string(key));
  return it == j.end() ? kNull : *it;
}

std::string get_string(const json& j, std::string_view key, std::string fallback) {
  const json& v = get(j, key);
  return v.is_string() ? v.get<std::string>() : std::move(fallback);
}

double get_number(const json& j, std::string_view key, double fallback) {
  const json& v = get(j, key);
  return v.is_number() ? v.get<double>() : fallback;
}

long long get_int(const json& j, std::string_view key, long long fallback) {
  const json& v = get(j, key);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float() && std::isfinite(v.get<double>())) return std::llround(v.get<double>());
  return fallback;
}

bool get_bool(const json& j, std::string_view key, bool fallback) {
  const json& v = get(j, key);
  return v.is_boolean() ? v.get<bool>() : fallback;
}

std::string as_text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const RuleView* ScorecardView::rule(std::string_view id) const {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

int ScorecardView::count(std::string_view status) const {
  for (const auto& [k, n] : counts)
    if (k == status) return n;
  return 0;
}

namespace {

const json& array_at(const json& j, std::string_view key) {
  static const json kEmpty = json::array();
  const json& v = get(j, key);
  return v.is_array() ? v : kEmpty;
}

std::vector<std::string> texts(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& x : j) out.push_back(as_text(x));
  return out;
}

ExitView read_exit(const json& e) {
  ExitView x;
  x.pid = get_int(e, "pid");
  x.signal = get_string(e, "signal");
  if (get(e, "exit_status").is_number()) x.exit_status = get_int(e, "exit_status");
  x.at_ms = get_number(e, "at_ms");
  return x;
}

std::vector<FdView> read_fds(const json& fds) {
  std::vector<FdView> out;
  for (const auto& f : fds.is_array() ? fds : json::array())
    out.push_back(
        {get_int(f, "fd"), get_string(f, "kind"), get_string(f, "path"), get_string(f, "target")});
  return out;
}

IdsView read_ids(const json& j) {
  return {get_int(j, "real"), get_int(j, "effective"), get_int(j, "saved")};
}

LaunchView read_launch(const json& l) {
  LaunchView x;
  x.checker_pid = get_int(l, "checker_pid");
  x.holder_pid = get_int(l, "holder_pid");
  x.launched_pid = get_int(l, "launched_pid");
  x.launch_sid = get_int(l, "launch_sid");
  x.job_pgid = get_int(l, "job_pgid");
  x.argv = texts(get(l, "argv"));
  x.pty = get_string(l, "pty");
  x.tmp = get_string(l, "tmp");
  x.umask = get_string(l, "umask");
  x.canary_name = get_string(get(l, "canary"), "name");
  x.planted_fds = read_fds(get(l, "planted_fds"));
  x.blocked_signals = texts(get(l, "blocked_signals"));
  x.ignored_signals = texts(get(l, "ignored_signals"));
  if (get(l, "exit").is_object()) x.exit = read_exit(get(l, "exit"));
  for (const auto& e : array_at(l, "reaped"))
    if (e.is_object()) x.reaped.push_back(read_exit(e));
  if (get(l, "ready_ms").is_number()) x.ready_ms = get_number(l, "ready_ms");
  x.settle_timed_out = get_bool(l, "settle_timed_out");
  x.terminal_output = get_string(l, "terminal_output");
  return x;
}

DaemonView read_daemon(const json& d) {
  DaemonView x;
  x.pid = get_int(d, "pid");
  x.ppid = get_int(d, "ppid");
  x.pgrp = get_int(d, "pgrp");
  x.sid = get_int(d, "sid");
  x.tty_nr = get_int(d, "tty_nr");
  x.comm = get_string(d, "comm");
  x.why = get_string(d, "why");
  x.cwd = get_string(d, "cwd");
  x.root = get_string(d, "root");
  x.umask = get_string(d, "umask", "unknown");
  x.uid = read_ids(get(d, "uid"));
  x.gid = read_ids(get(d, "gid"));
  x.descendants = texts(get(d, "descendants"));
  const json& sig = get(d, "signals");
  x.blocked_signals = texts(get(get(sig, "blocked"), "signals"));
  x.ignored_signals = texts(get(get(sig, "ignored"), "signals"));
  x.caught_signals = texts(get(get(sig, "caught"), "signals"));
  x.core_soft = as_text(get(get(d, "rlimit_core"), "soft"));
  x.core_hard = as_text(get(get(d, "rlimit_core"), "hard"));
  x.fds = read_fds(get(d, "fds"));
  x.errors = texts(get(d, "errors"));
  return x;
}

ProbesView read_probes(const json& p) {
  ProbesView x;
  const json& second = get(p, "second_instance");
  x.second_instance_pid = get_int(get(second, "exit"), "pid");
  for (const auto& pid : array_at(second, "left_behind"))
    if (pid.is_number_integer()) x.left_behind.push_back(pid.get<long long>());
  for (const auto& t : array_at(get(p, "race"), "trials")) {
    ProbesView::Trial trial;
    trial.launched_pid = get_int(get(t, "launched_exit"), "pid");
    for (const auto& e : array_at(t, "deaths")) trial.deaths.push_back(get_int(e, "pid"));
    x.race_trials.push_back(std::move(trial));
  }
  return x;
}

std::optional<PidfileView> read_pidfile(const json& pf) {
  if (!pf.is_object()) return std::nullopt;
  return PidfileView{get_string(pf, "path"), get_string(pf, "found_by"), get_string(pf, "content"),
                     get_bool(pf, "exists"), texts(get(pf, "locks"))};
}

std::optional<UnitView> read_unit(const json& unit, const json& service) {
  if (!unit.is_object()) return std::nullopt;
  UnitView u;
  u.file = get_string(unit, "file");
  u.name = get_string(unit, "name");
  u.type = get_string(unit, "type");
  u.made_up = get_bool(unit, "made_up");
  u.dropins = texts(get(unit, "dropins"));
  u.not_simulated = texts(get(unit, "not_simulated"));
  const json& sockets = get(unit, "sockets");
  for (const auto& sock : sockets.is_array() ? sockets : json::array())
    u.sockets.push_back(get_string(sock, "unit") + " " + get_string(sock, "listen") + " (fd " +
                        std::to_string(get_int(sock, "fd")) + ")");
  u.socket_notes = texts(get(unit, "socket_notes"));
  // The notify messages are the service's (svc-run's scorecard); an older
  // document kept them in the unit.
  const json& notify =
      get(service, "notify").is_array() ? get(service, "notify") : get(unit, "notify");
  for (const auto& m : notify.is_array() ? notify : json::array()) {
    u.notify.push_back({get_number(m, "at_ms"), get_int(m, "sender"), get_string(m, "text"),
                        get_string(m, "rejected_why"), get_bool(m, "accepted"),
                        static_cast<int>(get_int(m, "relaunch"))});
  }
  for (const auto& e : array_at(service, "execs")) {
    UnitView::Exec x;
    x.kind = get_string(e, "kind");
    x.argv = texts(get(e, "argv"));
    x.pid = get_int(e, "pid");
    x.started_ms = get_number(e, "started_ms");
    x.ended_ms = get_number(e, "ended_ms", -1);
    if (get(e, "exit_status").is_number()) x.exit_status = get_int(e, "exit_status");
    x.signal = get_string(e, "signal");
    x.exec_error = get_string(e, "exec_error");
    x.timed_out = get_bool(e, "timed_out");
    x.relaunch = static_cast<int>(get_int(e, "relaunch"));
    u.execs.push_back(std::move(x));
  }
  return u;
}

}  // namespace

ScorecardView read_view(const json& sc) {
  ScorecardView v;
  v.schema = get_string(sc, "schema");
  v.tool_name = get_string(get(sc, "tool"), "name", "daemoncheck");
  v.tool_version = get_string(get(sc, "tool"), "version");
  const json& target = get(sc, "target");
  for (const auto& a : get(target, "argv").is_array() ? get(target, "argv") : json::array())
    v.argv.push_back(as_text(a));
  v.profile = get_string(target, "profile", get_string(get(sc, "options"), "profile", "sysv"));
  v.started_at = get_string(sc, "started_at");
  v.duration_ms = get_number(sc, "duration_ms");
  v.strict = get_bool(get(sc, "options"), "strict");

  const json& rules = get(sc, "rules");
  if (rules.is_array()) {
    for (const auto& r : rules) {
      if (!r.is_object()) continue;
      RuleView x;
      x.id = get_string(r, "id", "?");
      x.title = get_string(r, "title");
      x.severity = get_string(r, "severity");
      x.status = get_string(r, "status");
      x.message = get_string(r, "message");
      x.seed_step = get_string(r, "seed_step");
      x.waiver = get_string(r, "waiver");
      if (!get(r, "evidence").is_null()) x.evidence = get(r, "evidence");
      v.rules.push_back(std::move(x));
    }
  }
  const json& waivers = get(sc, "waivers");
  if (waivers.is_array()) {
    for (const auto& w : waivers)
      if (w.is_object())
        v.waivers.push_back({get_string(w, "id"), get_string(w, "reason"), get_bool(w, "used")});
  }

  const json& summary = get(sc, "summary");
  const json& counts = get(summary, "counts");
  for (const char* s : {"pass", "fail", "error", "waived", "skip"})
    v.counts.emplace_back(s, static_cast<int>(get_int(counts, s)));
  if (counts.is_object()) {
    for (const auto& [k, n] : counts.items()) {
      bool known = false;
      for (const auto& c : v.counts) known = known || c.first == k;
      if (!known && n.is_number_integer()) v.counts.emplace_back(k, n.get<int>());
    }
  }
  v.verdict = get_string(summary, "verdict", "fail");
  v.exit_status = static_cast<int>(get_int(summary, "exit_status", v.verdict == "pass" ? 0 : 1));

  v.launch = read_launch(get(sc, "launch"));
  for (const auto& d : array_at(sc, "daemons")) v.daemons.push_back(read_daemon(d));
  v.pidfile = read_pidfile(get(sc, "pidfile"));
  v.probes = read_probes(get(sc, "probes"));
  const json& timings = get(sc, "timings_ms");
  if (timings.is_object())
    for (const auto& [k, ms] : timings.items())
      if (ms.is_number()) v.timings_ms.emplace_back(k, ms.get<double>());
  v.notes = texts(get(sc, "notes"));
  v.unit = read_unit(get(sc, "unit"), get(sc, "service"));
  return v;
}

std::string ScorecardView::status_for(std::string_view id, long long pid) const {
  const RuleView* r = rule(id);
  if (!r) return "";
  const json& per = get(r->evidence, "daemons");
  if (per.is_array()) {
    for (const auto& d : per)
      if (get_int(d, "pid") == pid) return get_string(d, "status");
    return "";
  }
  const json& judged = get(r->evidence, "pid");
  return judged.is_number_integer() && judged.get<long long>() != pid ? "" : r->status;
}

std::string terminal_text(std::string_view recorded) {
  std::string out;
  for (size_t i = 0; i < recorded.size(); ++i)
    if (!(recorded[i] == '\r' && i + 1 < recorded.size() && recorded[i + 1] == '\n'))
      out += recorded[i];
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\r'))
    out.pop_back();
  return out;
}

std::string unused_waiver_reason(const ScorecardView& v, const WaiverView& w) {
  const RuleView* r = v.rule(w.id);
  if (!r) return "the rule does not run in the " + v.profile + " profile";
  if (r->status == "pass") return "the rule passed";
  if (r->status == "skip") return "the rule was skipped";
  return "the rule's status is " + r->status;
}

const char* status_mark(std::string_view status) {
  if (status == "pass") return "✓";
  if (status == "fail") return "✗";
  if (status == "error") return "!";
  if (status == "waived") return "~";
  if (status == "skip") return "-";
  return "?";
}

std::string counts_line(const ScorecardView& v) {
  std::string out;
  for (const auto& [k, n] : v.counts)
    if (n > 0) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  return out.empty() ? "no rules" : out;
}

std::string human_ms(double ms) {
  char buf[32];
  if (!std::isfinite(ms)) return "?";
  if (ms < 10)
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  else if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  else
    std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
  return buf;
}

}  // namespace dc
