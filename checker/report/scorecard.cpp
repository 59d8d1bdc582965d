// Builds the JSON scorecard from the Observation and the Judgement.
#include "report/scorecard.h"

#include <algorithm>

#include "common/signals.h"
#include "common/text.h"
#include "report/control_json.h"
#include "rules/facts.h"

namespace dc {
namespace {

using nlohmann::json;

json names(const std::vector<int>& sigs) {
  json a = json::array();
  for (int s : sigs) a.push_back(signal_name(s));
  return a;
}

json signal_set(uint64_t mask) {
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(mask));
  return {{"mask", hex}, {"signals", signal_names(mask)}};
}

json exits(const std::vector<ExitInfo>& v, pid_t skip = 0) {
  json a = json::array();
  for (const auto& e : v)
    if (e.pid != skip) a.push_back(exit_json(e));
  return a;
}

json pidfile_state(const PidfileState& s) {
  json j{{"exists", s.exists}, {"content", s.content.substr(0, 256)}, {"locks", s.locks}};
  if (s.exists) {
    j["regular"] = s.regular;
    j["symlink"] = s.is_symlink;
    j["dev"] = s.dev;
    j["ino"] = s.ino;
  }
  if (s.pid) j["pid"] = *s.pid;
  if (!s.parse_error.empty()) j["parse_error"] = s.parse_error;
  return j;
}

json daemon_json(const DaemonFacts& d) {
  json fds = json::array();
  for (const auto& f : d.fds) {
    json x{{"fd", f.fd}, {"target", f.target}};
    if (f.stat_ok) {
      x["dev"] = f.dev;
      x["ino"] = f.ino;
    }
    fds.push_back(x);
  }
  auto limit = [](const std::optional<unsigned long long>& v) {
    return v ? json(*v) : json("unlimited");
  };
  json j{{"pid", d.pid},
         {"comm", d.comm},
         {"why", d.why},
         {"ppid", d.ppid},
         {"pgrp", d.pgrp},
         {"sid", d.sid},
         {"tty_nr", d.tty_nr},
         {"tpgid", d.tpgid},
         {"cwd", d.cwd},
         {"root", d.root},
         {"umask", d.umask ? json(octal(*d.umask)) : json(nullptr)},
         {"uid", {{"real", d.uid[0]}, {"effective", d.uid[1]}, {"saved", d.uid[2]}}},
         {"gid", {{"real", d.gid[0]}, {"effective", d.gid[1]}, {"saved", d.gid[2]}}},
         {"fds", fds},
         {"signals",
          {{"blocked", signal_set(d.sig_blk)},
           {"ignored", signal_set(d.sig_ign)},
           {"caught", signal_set(d.sig_cgt)}}},
         {"environ", {{"entries", d.environ.size()}, {"key_value", d.environ_key_value}}},
         {"rlimit_core", {{"soft", limit(d.core_soft)}, {"hard", limit(d.core_hard)}}},
         {"descendants", d.descendants},
         {"errors", d.errors}};
  if (d.canary_in_memory) j["environ"]["canary_in_memory"] = *d.canary_in_memory;
  if (d.host_pid) j["host_pid"] = *d.host_pid;
  return j;
}

json probes_json(const Observation& o) {
  const ProbeFacts& p = o.probes;
  json j = json::object();
  auto skipped = [](bool ran, const std::string& why) {
    return ran ? json(nullptr) : json(why.empty() ? "not run" : why);
  };
  j["hangup"] = {{"ran", p.hangup.ran},
                 {"skipped", skipped(p.hangup.ran, p.hangup.skipped)},
                 {"reachable", p.hangup.reachable},
                 {"died", exits(p.hangup.died)},
                 {"ms", p.hangup.ms}};
  if (!p.hangup.error.empty()) j["hangup"]["error"] = p.hangup.error;
  json second{{"ran", p.second.ran},
              {"skipped", skipped(p.second.ran, p.second.skipped)},
              {"left_behind", p.second.left_behind},
              {"first_alive", p.second.first_alive},
              {"pidfile_unchanged", p.second.pidfile_unchanged},
              {"pidfile_change", p.second.pidfile_change},
              {"relaunch", p.second.relaunch},
              {"ms", p.second.ms}};
  if (!p.second.error.empty()) second["error"] = p.second.error;
  if (p.second.launched_exit) second["exit"] = exit_json(*p.second.launched_exit);
  j["second_instance"] = second;
  for (const auto* sp : {&p.sighup, &p.sigterm}) {
    json s{{"ran", sp->ran},
           {"skipped", skipped(sp->ran, sp->skipped)},
           {"died", exits(sp->died)},
           {"relaunch", sp->relaunch},
           {"ms", sp->ms}};
    if (!sp->error.empty()) s["error"] = sp->error;
    if (sp == &p.sighup && sp->settled_ms >= 0) s["settled_ms"] = sp->settled_ms;
    if (sp == &p.sigterm) {
      s["killed_at_bound"] = sp->killed_at_bound;
      s["last_exit_ms"] = sp->last_exit_ms;
      s["pidfile_removed"] = sp->pidfile_removed;
      s["left_behind"] = sp->left_behind;
    }
    j[sp == &p.sighup ? "sighup" : "sigterm"] = s;
  }
  json trials = json::array();
  for (const auto& t : p.race.trials) {
    json x{{"daemon_survived", t.daemon_survived}, {"deaths", exits(t.deaths)}, {"ms", t.ms}};
    if (t.launched_exit) x["launched_exit"] = exit_json(*t.launched_exit);
    if (!t.exec_error.empty()) x["exec_error"] = t.exec_error;
    trials.push_back(x);
  }
  j["race"] = {{"ran", p.race.ran},
               {"skipped", skipped(p.race.ran, p.race.skipped)},
               {"how", p.race.how},
               {"trials", trials}};
  if (!p.race.error.empty()) j["race"]["error"] = p.race.error;
  if (p.foreground.ran) {
    json msgs = json::array();
    for (const auto& m : p.foreground.notify)
      msgs.push_back({{"at_ms", m.at_ms}, {"pid", m.sender}, {"text", m.text}});
    json f{{"alive_at_end", p.foreground.alive_at_end},
           {"waited_ms", p.foreground.waited_ms},
           {"notify", msgs},
           {"rejected", p.foreground.rejected}};
    if (p.foreground.ready_ms) f["ready_ms"] = *p.foreground.ready_ms;
    if (p.foreground.exit) f["exit"] = exit_json(*p.foreground.exit);
    j["foreground"] = f;
  }
  return j;
}

json optional_int(const std::optional<int>& v) {
  return v ? json(*v) : json(nullptr);
}

// The scorecard's `unit` object: the file, its drop-ins, what the check
// resolved and used, what it does not simulate, and the findings.
json unit_json(const UnitFacts& u) {
  json settings = json::array();
  for (const auto& [k, v] : u.settings) settings.push_back({{"key", k}, {"value", v}});
  json sockets = json::array();
  for (const auto& s : u.sockets)
    sockets.push_back({{"unit", s.unit}, {"listen", s.listen}, {"fd", s.fd}, {"name", s.name}});
  return json{{"file", u.made_up ? json(nullptr) : json(u.file)},
              {"made_up", u.made_up},
              {"name", u.name},
              {"dropins", u.dropins},
              {"findings", u.findings},
              {"fatal", u.fatal},
              {"unresolved", u.unresolved},
              {"exec_start",
               {{"count", u.exec_start_count},
                {"program", u.exec_start_program},
                {"absolute", u.exec_start_absolute},
                {"exists", u.exec_start_exists},
                {"executable", u.exec_start_executable}}},
              {"type", u.type},
              {"type_was_idle", u.type_was_idle},
              {"notify_access", u.notify_access},
              {"kill_mode", u.kill_mode},
              {"kill_signal", signal_name(u.kill_signal)},
              {"reload_signal", signal_name(u.reload_signal)},
              {"send_sigkill", u.send_sigkill},
              {"timeout_start_s", u.timeout_start_s},
              {"timeout_stop_s", u.timeout_stop_s},
              {"watchdog_usec", u.watchdog_usec},
              {"watchdog_usec_used", u.watchdog_usec_used},
              {"pid_file", u.pid_file ? json(*u.pid_file) : json(nullptr)},
              {"guess_main_pid", u.guess_main_pid},
              {"success_exit_status", u.success_exit_status},
              {"success_signals", names(u.success_signals)},
              {"standard_input", u.standard_input},
              {"standard_output", u.standard_output},
              {"standard_error", u.standard_error},
              {"settings", settings},
              {"not_simulated", u.not_simulated},
              {"sockets", sockets},
              {"socket_notes", u.socket_notes}};
}

json exec_json(const ExecRun& e) {
  json j{{"kind", e.kind},
         {"argv", e.argv},
         {"ignore_failure", e.ignore_failure},
         {"pid", e.pid},
         {"started_ms", e.started_ms},
         {"ended_ms", e.ended_ms < 0 ? json(nullptr) : json(e.ended_ms)},
         {"exit_status", optional_int(e.exit_status)},
         {"signal", e.signal ? json(signal_name(*e.signal)) : json(nullptr)},
         {"timed_out", e.timed_out}};
  if (!e.exec_error.empty()) j["exec_error"] = e.exec_error;
  return j;
}

json step_state(bool ran, const std::string& skipped, const std::string& error) {
  json j{{"ran", ran}};
  if (!skipped.empty()) j["skipped"] = skipped;
  if (!error.empty()) j["error"] = error;
  return j;
}

json start_json(const ServiceStart& s) {
  json mainpid_sent = json::array();
  for (const auto& [pid, valid] : s.mainpid_sent)
    mainpid_sent.push_back({{"pid", pid}, {"in_service", valid}});
  auto opt_text = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  auto opt_pid = [](const std::optional<pid_t>& v) { return v ? json(*v) : json(nullptr); };
  json j = step_state(s.ran, "", s.error);
  j.update({{"result", s.result},
            {"ended_ms", s.ended_ms},
            {"exec_pid", s.exec_pid},
            {"exec_exit_status", optional_int(s.exec_exit_status)},
            {"exec_signal", s.exec_signal ? json(signal_name(*s.exec_signal)) : json(nullptr)},
            {"exec_ended_ms", s.exec_ended_ms < 0 ? json(nullptr) : json(s.exec_ended_ms)},
            {"main_pid", s.main_pid},
            {"main_pid_source", s.main_pid_source},
            {"main_alive_at_end", s.main_alive_at_end},
            {"survivors", s.survivors},
            {"survivors_comm", s.survivors_comm},
            {"ready_ms", s.ready_ms ? json(*s.ready_ms) : json(nullptr)},
            {"exec_ms", s.exec_ms < 0 ? json(nullptr) : json(s.exec_ms)},
            {"watch_end", s.watch_end},
            {"watched_until_ms", s.watched_until_ms < 0 ? json(nullptr) : json(s.watched_until_ms)},
            {"mainpid_sent", mainpid_sent},
            {"sig_cgt_at_ready", signal_set(s.sig_cgt_at_ready)},
            {"sig_blk_at_ready", signal_set(s.sig_blk_at_ready)},
            {"pidfile",
             {{"at_first_exit", opt_text(s.pidfile_at_first_exit)},
              {"pid_at_first_exit", opt_pid(s.pidfile_pid_at_first_exit)},
              {"at_end", opt_text(s.pidfile_at_end)},
              {"pid_at_end", opt_pid(s.pidfile_pid_at_end)},
              {"foreign_symlink", s.pidfile_foreign_symlink},
              {"uid", s.pidfile_uid},
              {"pid_in_service", s.pidfile_pid_in_service},
              {"seen_ms", s.pidfile_seen_ms < 0 ? json(nullptr) : json(s.pidfile_seen_ms)}}}});
  return j;
}

// The scorecard's `service` object: every Exec* command, every notify
// message with its sender and time, and what start, watchdog, reload and
// stop did.
// The first start's and every relaunch's commands and messages, in the
// order they came, each marked with its instance ("relaunch": N, 0 for the
// first start). The stop's ExecStop= belongs to the instance it stopped.
// Only the lists hold the relaunches': the start rules judge the first start.
json service_lists(const ServiceFacts& f, json& notify) {
  std::vector<std::pair<double, json>> execs, messages;
  auto add_execs = [&](const std::vector<ExecRun>& runs, int relaunch) {
    for (const auto& e : runs) {
      json j = exec_json(e);
      j["relaunch"] = e.kind == "ExecStop" ? f.stop.relaunch : relaunch;
      execs.emplace_back(e.started_ms, std::move(j));
    }
  };
  auto add_notify = [&](const std::vector<ServiceNotify>& log, int relaunch) {
    for (const auto& m : log) {
      json x{{"at_ms", m.at_ms},
             {"sender", m.sender},
             {"text", m.text},
             {"accepted", m.accepted},
             {"relaunch", relaunch}};
      if (!m.rejected_why.empty()) x["rejected_why"] = m.rejected_why;
      messages.emplace_back(m.at_ms, std::move(x));
    }
  };
  add_execs(f.execs, 0);
  add_notify(f.notify, 0);
  for (size_t i = 0; i < f.relaunches.size(); ++i) {
    add_execs(f.relaunches[i].execs, static_cast<int>(i + 1));
    add_notify(f.relaunches[i].notify, static_cast<int>(i + 1));
  }
  auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(execs.begin(), execs.end(), by_time);
  std::stable_sort(messages.begin(), messages.end(), by_time);
  notify = json::array();
  for (auto& m : messages) notify.push_back(std::move(m.second));
  json out = json::array();
  for (auto& e : execs) out.push_back(std::move(e.second));
  return out;
}

json relaunches_json(const ServiceFacts& f) {
  json out = json::array();
  for (const auto& r : f.relaunches)
    out.push_back({{"why", r.why},
                   {"before", r.before},
                   {"result", r.start.result},
                   {"main_pid", r.start.main_pid}});
  return out;
}

json service_json(const ServiceFacts& f) {
  json notify;
  json execs = service_lists(f, notify);
  const ServiceReload& r = f.reload;
  json reload = step_state(r.ran, r.skipped, r.error);
  reload.update({{"how", r.how},
                 {"signal", r.signal ? json(signal_name(r.signal)) : json(nullptr)},
                 {"signal_ms", r.signal_ms < 0 ? json(nullptr) : json(r.signal_ms)},
                 {"signal_monotonic_usec", r.signal_monotonic_usec},
                 {"reloading_ms", r.reloading_ms ? json(*r.reloading_ms) : json(nullptr)},
                 {"monotonic_usec", r.monotonic_usec ? json(*r.monotonic_usec) : json(nullptr)},
                 {"ready_ms", r.ready_ms ? json(*r.ready_ms) : json(nullptr)},
                 {"same_main_alive", r.same_main_alive},
                 {"main_pid_after", r.main_pid_after}});
  const ServiceWatchdog& w = f.watchdog;
  json watchdog = step_state(w.ran, w.skipped, w.error);
  watchdog.update({{"usec", w.usec}, {"from_ms", w.from_ms}, {"pings_ms", w.pings_ms}});
  const ServiceStop& st = f.stop;
  json stop = step_state(st.ran, st.skipped, st.error);
  stop.update({{"signal", signal_name(st.signal)},
               {"signal_ms", st.signal_ms < 0 ? json(nullptr) : json(st.signal_ms)},
               {"main_exit_status", optional_int(st.main_exit_status)},
               {"main_signal", st.main_signal ? json(signal_name(*st.main_signal)) : json(nullptr)},
               {"main_ended_ms", st.main_ended_ms < 0 ? json(nullptr) : json(st.main_ended_ms)},
               {"sigkilled", st.sigkilled},
               {"sigkilled_comm", st.sigkilled_comm},
               {"left_running", st.left_running},
               {"left_running_comm", st.left_running_comm},
               {"stopping_sent", st.stopping_sent},
               {"main_pid", st.main_pid},
               {"relaunch", st.relaunch}});
  return json{{"execs", execs},
              {"notify", notify},
              {"start", start_json(f.start)},
              {"watchdog", watchdog},
              {"reload", reload},
              {"stop", stop},
              {"relaunches", relaunches_json(f)},
              {"children_seen", f.children_seen},
              {"children_with_notify_socket", f.children_with_notify_socket},
              {"children_with_notify_socket_seen", f.children_with_notify_socket_seen},
              {"children_not_execed", f.children_not_execed},
              {"journal", f.journal}};
}

// Every profile's part of the scorecard.
json base_scorecard(const Observation& o, const Judgement& jd, const RunMeta& meta) {
  const LaunchFacts& l = o.launch;
  json planted = json::array();
  for (const auto& p : l.planted_fds)
    planted.push_back(
        {{"fd", p.fd}, {"kind", p.kind}, {"path", p.path}, {"dev", p.dev}, {"ino", p.ino}});
  json launch{{"tmp", l.tmp_dir},
              {"argv", l.argv},
              {"checker_pid", l.checker_pid},
              {"holder_pid", l.holder_pid},
              {"launch_sid", l.launch_sid},
              {"launched_pid", l.launched_pid},
              {"job_pgid", l.job_pgid},
              {"pty", l.pty_path},
              {"umask", octal(l.umask)},
              {"planted_fds", planted},
              {"blocked_signals", names(l.blocked_signals)},
              {"ignored_signals", names(l.ignored_signals)},
              {"canary", {{"name", l.canary_name}, {"value", l.canary_value}}},
              {"exit", l.launched_exit ? exit_json(*l.launched_exit) : json(nullptr)},
              {"reaped", exits(l.reaped, l.holder_pid)},
              {"ready_ms", l.ready_ms},
              {"settle_timed_out", l.settle_timed_out},
              {"core_limit", l.core_limit ? json(*l.core_limit) : json("unlimited")},
              {"terminal_output", l.terminal_output}};
  if (l.pidfile_at_exit) launch["pidfile_at_exit"] = pidfile_state(*l.pidfile_at_exit);

  json daemons = json::array();
  for (const auto& d : o.daemons) daemons.push_back(daemon_json(d));
  json pidfile = nullptr;
  if (o.pidfile) {
    pidfile = pidfile_state(o.pidfile->state);
    pidfile["path"] = o.pidfile->path;
    pidfile["found_by"] = o.pidfile->found_by;
  }

  json rules = json::array();
  for (const auto& r : jd.results) {
    json x{{"id", r.id},
           {"title", r.title},
           {"severity", to_string(r.severity)},
           {"status", to_string(r.status)},
           {"message", r.message},
           {"evidence", r.evidence},
           {"seed_step", r.seed_step}};
    if (r.status == Status::Waived) x["waiver"] = r.waiver_reason;
    rules.push_back(x);
  }
  json waivers = json::array();
  for (const auto& w : jd.waivers)
    waivers.push_back({{"id", w.id}, {"reason", w.reason}, {"used", w.used}});

  json expect = json::object();
  if (o.expect.cwd) expect["cwd"] = *o.expect.cwd;
  if (o.expect.umask) expect["umask"] = octal(*o.expect.umask);
  if (o.expect.user) expect["user"] = *o.expect.user;
  if (o.expect.uid) expect["uid"] = *o.expect.uid;
  if (o.expect.group) expect["group"] = *o.expect.group;
  if (o.expect.gid) expect["gid"] = *o.expect.gid;
  if (o.expect.root) expect["root"] = *o.expect.root;

  json counts = json::object();
  for (const auto& [k, v] : jd.counts) counts[k] = v;
  return json{
      {"schema", kScorecardSchema},
      {"tool", {{"name", "daemoncheck"}, {"version", DAEMONCHECK_VERSION}}},
      {"target", {{"argv", meta.command}, {"profile", std::string(profile(o.profile).name)}}},
      {"started_at", meta.started_at},
      {"duration_ms", meta.duration_ms},
      {"options",
       {{"profile", std::string(profile(o.profile).name)},
        {"pidfile", meta.pidfile_option.empty() ? json(nullptr) : json(meta.pidfile_option)},
        {"start_timeout_s", o.start_timeout_s},
        {"stop_timeout_s", o.stop_timeout_s},
        {"race_trials", o.race_trials},
        {"notify", o.notify_required},
        {"strict", meta.strict},
        {"expect", expect}}},
      {"launch", launch},
      {"daemons", daemons},
      {"pidfile", pidfile},
      {"probes", probes_json(o)},
      {"cleanup",
       {{"terminated", meta.cleanup_terminated},
        {"killed", meta.cleanup_killed},
        {"names", meta.cleanup_comms},
        {"ms", meta.cleanup_ms}}},
      {"timings_ms", o.phase_ms},
      {"isolation",
       {{"pid_namespace", o.pid_namespace},
        {"cgroup", o.cgroup},
        {"pids_max", o.pids_max},
        {"private_dirs", o.private_dirs},
        {"kept_from_host", o.kept_from_host},
        {"note", o.isolation_note}}},
      {"notes", o.notes},
      {"rules", rules},
      {"waivers", waivers},
      {"summary",
       {{"counts", counts},
        {"verdict", jd.pass ? "pass" : "fail"},
        {"exit_status", jd.exit_status}}}};
}

}  // namespace

json scorecard_json(const Observation& o, const Judgement& jd, const RunMeta& meta) {
  json card = base_scorecard(o, jd, meta);
  if (o.service) {
    card["unit"] = unit_json(o.service->unit);
    card["service"] = service_json(*o.service);
  }
  if (o.control) card["control"] = control_json(*o.control);
  return card;
}

}  // namespace dc
