// The timeline: the run's phases as a bar, and every process event the
// scorecard recorded (the launch, exits, deaths, readiness) in time order.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "profiles/profile.h"
#include "report/html/sections.h"

namespace dc::html {
namespace {

struct Event {
  double at = 0;
  std::string text;  // HTML
  std::string kind;  // css class
};

struct Span {
  std::string phase;
  std::string title;  // text
  double start = 0, ms = 0;
};

// The scorecard's profile; nullptr for a name this checker does not know.
const Profile* profile_of(const ScorecardView& v) {
  auto id = profile_named(v.profile);
  return id ? &profile(*id) : nullptr;
}

// The title the profile gives a phase, another profile's for a phase it has
// not, the key itself for one no profile has.
std::string phase_name(const Profile* prof, const std::string& key) {
  if (prof)
    if (const Phase* p = prof->phase(key)) return std::string(p->title);
  for (const Profile* other : all_profiles())
    if (const Phase* p = other->phase(key)) return std::string(p->title);
  return key;
}

// The phases end to end: the profile's in the order they run, then any other
// in the scorecard's order.
std::vector<Span> phase_spans(const ScorecardView& v, const Profile* prof) {
  std::vector<std::pair<std::string, double>> phases;
  if (prof)
    for (const Phase& p : prof->phases)
      for (const auto& [name, ms] : v.timings_ms)
        if (name == p.key) phases.push_back({name, ms});
  for (const auto& [name, ms] : v.timings_ms)
    if (!prof || !prof->phase(name)) phases.push_back({name, ms});
  std::vector<Span> spans;
  double start = 0;
  for (const auto& [p, ms] : phases) {
    const double d = std::isfinite(ms) && ms > 0 ? ms : 0;
    spans.push_back({p, phase_name(prof, p), start, d});
    start += d;
  }
  return spans;
}

// Who each pid in the events was.
std::map<long long, std::string> process_names(const ScorecardView& v) {
  std::map<long long, std::string> who;
  who[v.launch.launched_pid] = "the launched process";
  for (const auto& d : v.daemons) who[d.pid] = "the daemon (" + d.comm + ")";
  if (v.probes.second_instance_pid) who[v.probes.second_instance_pid] = "the second launch";
  for (long long p : v.probes.left_behind) who[p] = "left behind by the second launch";
  for (size_t i = 0; i < v.probes.race_trials.size(); ++i) {
    const auto& trial = v.probes.race_trials[i];
    const std::string n = "race trial " + std::to_string(i + 1);
    if (trial.launched_pid) who[trial.launched_pid] = n + ": the launched process";
    for (long long p : trial.deaths)
      if (!who.count(p)) who[p] = n;
  }
  who.erase(0);
  return who;
}

std::vector<Event> process_events(const ScorecardView& v) {
  const LaunchView& l = v.launch;
  std::vector<Event> events;
  if (l.launched_pid) {
    events.push_back({0,
                      "launch of <code>" + esc(command_line(l.argv)) + "</code> as pid " +
                          pid_text(l.launched_pid),
                      "launch"});
  }
  std::set<std::pair<long long, long long>> seen;  // (pid, µs) already listed
  if (l.exit) {
    events.push_back(
        {l.exit->at_ms,
         "the launched process (pid " + pid_text(l.exit->pid) + ") " + exit_text(*l.exit),
         l.exit->exit_status == 0 ? "good" : "bad"});
    seen.insert({l.exit->pid, std::llround(l.exit->at_ms * 1000)});
  }
  if (l.ready_ms && *l.ready_ms > 0) {
    events.push_back({*l.ready_ms,
                      l.settle_timed_out ? "startup ended at the start timeout"
                                         : "startup settled: the daemon is ready to be observed",
                      "ready"});
  }
  auto who = process_names(v);
  for (const auto& e : l.reaped) {
    if (!seen.insert({e.pid, std::llround(e.at_ms * 1000)}).second) continue;
    std::string label = who.count(e.pid) ? esc(who[e.pid]) + ", " : "";
    events.push_back({e.at_ms, "pid " + pid_text(e.pid) + " (" + label + "reaped) " + exit_text(e),
                      e.signal.empty() ? "exit" : "death"});
  }
  return events;
}

// The service profiles: one row per notify message (who sent it, whether
// NotifyAccess= let systemd take it) and one per Exec* command, when it ran
// and how it ended.
std::string exec_end_text(const UnitView::Exec& e) {
  if (!e.exec_error.empty()) return "could not be executed: " + esc(e.exec_error);
  if (e.timed_out) return "was killed at its timeout";
  if (!e.signal.empty()) return "was killed by " + esc(e.signal);
  if (e.exit_status) return "exited with status " + std::to_string(*e.exit_status);
  return "ended";
}

// " (relaunch 1)" for a row of a relaunched instance.
std::string relaunch_text(int relaunch) {
  return relaunch > 0 ? " (relaunch " + std::to_string(relaunch) + ")" : "";
}

std::vector<Event> service_events(const ScorecardView& v) {
  std::vector<Event> events;
  if (!v.unit) return events;
  for (const auto& m : v.unit->notify) {
    std::string text = "notify <code>" + esc(m.text) + "</code> from pid " + pid_text(m.sender) +
                       relaunch_text(m.relaunch);
    if (!m.accepted)
      text += ", ignored" + (m.rejected_why.empty() ? "" : ": " + esc(m.rejected_why));
    events.push_back({m.at_ms, text, m.accepted ? "notify" : "bad"});
  }
  for (const auto& e : v.unit->execs) {
    const bool failed =
        !e.exec_error.empty() || e.timed_out || !e.signal.empty() || e.exit_status.value_or(0) != 0;
    events.push_back({e.started_ms,
                      "<b>" + esc(e.kind) + "=</b> <code>" + esc(command_line(e.argv)) +
                          "</code> starts as pid " + pid_text(e.pid) + relaunch_text(e.relaunch),
                      "exec"});
    if (e.ended_ms >= 0 || e.timed_out || !e.exec_error.empty())
      events.push_back({std::max(e.ended_ms, e.started_ms),
                        esc(e.kind) + "= (pid " + pid_text(e.pid) + ") " + exec_end_text(e),
                        failed ? "bad" : "good"});
  }
  return events;
}

std::string bar(const std::vector<Span>& spans, const std::vector<Event>& events, double total) {
  std::string out = "<div class=\"bar\">";
  int colour = 0;
  for (const auto& s : spans) {
    out += "<div class=\"seg c" + std::to_string(colour++ % 6) +
           "\" style=\"left:" + pct(s.start, total) + ";width:" + pct(s.ms, total) + "\" title=\"" +
           esc(s.title) + ": " + esc(human_ms(s.ms)) + "\"></div>";
  }
  for (const auto& e : events)
    if (e.kind != "phase")
      out += "<div class=\"tick " + e.kind + "\" style=\"left:" + pct(e.at, total) + "\"></div>";
  out += "</div><div class=\"legend\">";
  colour = 0;
  for (const auto& s : spans)
    out += "<span><i class=\"c" + std::to_string(colour++ % 6) + "\"></i>" + esc(s.title) + " " +
           esc(human_ms(s.ms)) + "</span>";
  return out + "</div>";
}

std::string event_table(const std::vector<Event>& events) {
  std::string out =
      "<table class=\"events\"><thead><tr><th>at</th><th>event</th></tr></thead><tbody>";
  for (const auto& e : events) {
    char at[32];
    std::snprintf(at, sizeof at, "%.1f ms", std::isfinite(e.at) ? e.at : 0.0);
    out += "<tr class=\"ev-" + e.kind + "\"><td class=\"at\">" + at + "</td><td>" + e.text +
           "</td></tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace

std::string timeline_section(const ScorecardView& v) {
  const auto spans = phase_spans(v, profile_of(v));
  std::vector<Event> events;
  for (const auto& s : spans)
    events.push_back(
        {s.start, "<b>" + esc(s.title) + "</b> begins (" + esc(human_ms(s.ms)) + ")", "phase"});
  const double end = spans.empty() ? 0 : spans.back().start + spans.back().ms;
  const double total = std::max(end, v.duration_ms);
  for (auto& e : process_events(v)) events.push_back(std::move(e));
  for (auto& e : service_events(v)) events.push_back(std::move(e));
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  return "<section id=\"timeline\"><h2>Timeline <span class=\"hint\">milliseconds since the "
         "launch</span></h2>" +
         bar(spans, events, total) + event_table(events) + "</section>\n";
}

}  // namespace dc::html
