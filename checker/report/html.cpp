// See html.h. The page is built as one string; every value from the
// scorecard goes through html_escape (attributes included).
#include "report/html.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "report/escape.h"
#include "report/view.h"
#include "rules/catalog.h"

namespace dc {
namespace {

using nlohmann::json;

std::string esc(std::string_view s) {
  return html_escape(s);
}

std::string pretty(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

std::string pct(double part, double whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f%%",
                whole > 0 ? std::clamp(part / whole * 100, 0.0, 100.0) : 0.0);
  return buf;
}

std::string pid_text(long long pid) {
  return pid > 0 ? std::to_string(pid) : "?";
}

// ---- the rules, grouped by the step they teach ------------------------------

// Sort key of a seed step: the tutorial's numbered steps first (by number,
// then "3a" before "3b"), then daemon(7)'s numbered steps, then named ones in
// the order the scorecard lists them.
std::tuple<int, long, std::string, size_t> step_key(const std::string& step, size_t first_seen) {
  auto number_at = [&](size_t pos) {
    long n = 0;
    size_t i = pos;
    while (i < step.size() && std::isdigit(static_cast<unsigned char>(step[i])) && n < 1000000)
      n = n * 10 + (step[i++] - '0');
    return std::pair<long, size_t>{n, i};
  };
  if (!step.empty() && std::isdigit(static_cast<unsigned char>(step[0]))) {
    auto [n, end] = number_at(0);
    return {0, n, step.substr(end), 0};
  }
  const std::string d7 = "daemon(7) ";
  if (step.starts_with(d7) && step.size() > d7.size() &&
      std::isdigit(static_cast<unsigned char>(step[d7.size()]))) {
    auto [n, end] = number_at(d7.size());
    return {1, n, step.substr(end), 0};
  }
  // The spec's named steps in its order; others after them as listed.
  static const std::vector<std::string> kNamed = {"There can be only one", "signals", "uid/gid",
                                                  "chroot_directory", "python-daemon prevent_core"};
  auto known = std::find(kNamed.begin(), kNamed.end(), step);
  return {2, static_cast<long>(known - kNamed.begin()), "", first_seen};
}

std::string step_title(const std::string& step) {
  static const std::map<std::string, std::string> kTitles = {
      {"1", "Step 1 · Clean the environment"},
      {"2", "Step 2 · Fork, and let the parent exit"},
      {"3", "Step 3 · Detach from the session that started it"},
      {"3a", "Step 3a · Give up the controlling terminal"},
      {"3b", "Step 3b · Start a new session"},
      {"4", "Step 4 · Fork again, so no terminal can be acquired"},
      {"5", "Step 5 · Work in /"},
      {"6", "Step 6 · Set the daemon's own umask"},
      {"7", "Step 7 · Close the files the parent left open"},
      {"8", "Step 8 · Standard streams on /dev/null or a log"},
      {"There can be only one", "There can be only one · pidfile and lock"},
      {"signals", "Signals · reload and orderly shutdown"},
      {"python-daemon prevent_core", "python-daemon · prevent_core"},
      {"uid/gid", "Dropping privileges · uid and gid"},
      {"chroot_directory", "python-daemon · chroot_directory"},
  };
  if (auto it = kTitles.find(step); it != kTitles.end()) return it->second;
  if (step.empty()) return "Other rules";
  if (std::isdigit(static_cast<unsigned char>(step[0]))) return "Steps " + step;
  if (step.starts_with("daemon(7) ")) return "daemon(7) · step " + step.substr(10);
  return step;
}

std::string doc_block(const RuleView& r) {
  const RuleDef* def = find_rule(r.id);
  if (!def) return "";
  const RuleDoc& d = def->doc;
  std::string out = "<div class=\"doc\">";
  if (*d.checks) out += "<p><b>What it checks.</b> " + esc(d.checks) + "</p>";
  if (*d.why) out += "<p><b>Why it matters.</b> " + esc(d.why) + "</p>";
  if (*d.how) out += "<p><b>How daemoncheck sees it.</b> " + esc(d.how) + "</p>";
  out += "<div class=\"fixes\">";
  for (auto [lang, code] : {std::pair{"C", d.fix_c}, std::pair{"Python", d.fix_python},
                            std::pair{"shell", d.fix_shell}}) {
    if (*code)
      out += "<figure><figcaption>Fix in " + std::string(lang) + "</figcaption><pre>" + esc(code) +
             "</pre></figure>";
  }
  return out + "</div></div>";
}

std::string rule_row(const RuleView& r) {
  std::string cls = "rule st-" + esc(r.status) + " rs-" + esc(r.severity);
  std::string out = "<tr class=\"" + cls + "\" id=\"rule-" + esc(r.id) + "\" data-rule=\"" +
                    esc(r.id) + "\" data-status=\"" + esc(r.status) + "\">";
  out +=
      "<td class=\"mark\" title=\"" + esc(r.status) + "\">" + esc(status_mark(r.status)) + "</td>";
  out += "<td class=\"name\"><code>" + esc(r.id) + "</code><div class=\"title\">" + esc(r.title) +
         "</div></td>";
  out += "<td><span class=\"sev sev-" + esc(r.severity) + "\">" + esc(r.severity) + "</span></td>";
  out += "<td class=\"msg\"><span class=\"status\">" + esc(r.status) + "</span> " + esc(r.message);
  if (r.status == "waived") out += "<div class=\"waived-note\">waived: " + esc(r.waiver) + "</div>";
  out += "<details><summary>Evidence";
  out += find_rule(r.id) ? " and how to fix it" : "";
  out += "</summary><pre class=\"evidence\">" + esc(pretty(r.evidence)) + "</pre>" + doc_block(r) +
         "</details></td></tr>\n";
  return out;
}

std::string rules_section(const ScorecardView& v) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RuleView*>> groups;
  for (const auto& r : v.rules) {
    if (!groups.count(r.seed_step)) order.push_back(r.seed_step);
    groups[r.seed_step].push_back(&r);
  }
  std::vector<std::pair<std::tuple<int, long, std::string, size_t>, std::string>> keyed;
  for (size_t i = 0; i < order.size(); ++i) keyed.push_back({step_key(order[i], i), order[i]});
  std::sort(keyed.begin(), keyed.end());

  std::string out =
      "<section id=\"rules\"><h2>Rules <span class=\"hint\">grouped by the step of the "
      "tutorial they teach</span></h2>"
      "<div class=\"tools\" hidden><button type=\"button\" id=\"only-problems\">Show only what did "
      "not pass</button> <button type=\"button\" id=\"expand-all\">Expand all "
      "evidence</button></div>"
      "<table class=\"rules\"><thead><tr><th></th><th>Rule</th><th>Severity</th><th>Result</th>"
      "</tr></thead>\n";
  for (const auto& [key, step] : keyed) {
    const auto& rules = groups[step];
    int bad = 0;
    for (const auto* r : rules) bad += r->status == "fail" || r->status == "error";
    out += "<tbody class=\"group\"><tr class=\"step\"><th colspan=\"4\">" + esc(step_title(step));
    if (bad) out += " <span class=\"step-bad\">" + std::to_string(bad) + " not passing</span>";
    out += "</th></tr>\n";
    for (const auto* r : rules) out += rule_row(*r);
    out += "</tbody>\n";
  }
  return out + "</table></section>\n";
}

// ---- the verdict --------------------------------------------------------------

std::string banner(const ScorecardView& v) {
  const bool pass = v.verdict == "pass";
  std::vector<const RuleView*> gating;
  for (const auto& r : v.rules) {
    if ((r.status == "fail" || r.status == "error") &&
        (r.severity == "required" || (v.strict && r.severity == "recommended")))
      gating.push_back(&r);
  }
  std::string out = std::string("<section class=\"verdict ") + (pass ? "pass" : "fail") +
                    "\" id=\"verdict\"><div class=\"big\">" + (pass ? "✓ PASS" : "✗ FAIL") +
                    "</div><div class=\"why\">";
  if (pass) {
    out += "Every rule that gates the verdict passed";
    if (v.count("fail")) out += " (the failures below are recommendations or information)";
    out += ".";
  } else if (!gating.empty()) {
    out += std::to_string(gating.size()) + (gating.size() == 1 ? " rule" : " rules") +
           " that gate the verdict did not pass: ";
    for (size_t i = 0; i < gating.size(); ++i)
      out += std::string(i ? ", " : "") + "<a href=\"#rule-" + esc(gating[i]->id) + "\">" +
             esc(gating[i]->id) + "</a>";
    out += ".";
  } else {
    out += "The run failed.";
  }
  out += "</div><div class=\"chips\">";
  for (const auto& [status, n] : v.counts) {
    if (n > 0)
      out += "<span class=\"chip st-" + esc(status) + "\">" + esc(status_mark(status)) + " " +
             std::to_string(n) + " " + esc(status) + "</span>";
  }
  out += "</div><dl class=\"meta\">";
  auto meta = [&](const std::string& k, const std::string& val) {
    out += "<div><dt>" + esc(k) + "</dt><dd>" + val + "</dd></div>";
  };
  meta("profile", esc(v.profile) + (v.strict ? " (--strict)" : ""));
  meta("exit status", std::to_string(v.exit_status));
  meta("duration", esc(human_ms(v.duration_ms)));
  if (!v.started_at.empty()) meta("started", esc(v.started_at));
  return out + "</dl></section>\n";
}

// ---- the process tree -----------------------------------------------------------

std::string chip(const std::string& text, const char* kind = "") {
  return std::string("<span class=\"chip ") + kind + "\">" + text + "</span>";
}

std::string exit_text(const json& e) {
  if (!e.is_object()) return "";
  if (get(e, "signal").is_string()) return "killed by " + esc(get_string(e, "signal"));
  if (get(e, "exit_status").is_number())
    return "exited " + std::to_string(get_int(e, "exit_status"));
  return "ended";
}

// How the daemon ended, when the checker saw it end: a chip.
std::string daemon_fate(long long pid, const json& sc) {
  const json& reaped = get(get(sc, "launch"), "reaped");
  if (reaped.is_array()) {
    for (const auto& e : reaped) {
      if (get_int(e, "pid") == pid)
        return chip(exit_text(e) + " at " + esc(human_ms(get_number(e, "at_ms"))),
                    get(e, "signal").is_string() ? "bad" : "");
    }
  }
  return "";
}

// pid, groups and session of a daemon, marked good or bad for a daemon that
// should have left the launch session (`judge_session`), neutral otherwise.
std::string daemon_chips(const json& d, const json& sc, bool judge_session = true) {
  const json& launch = get(sc, "launch");
  const long long pid = get_int(d, "pid"), sid = get_int(d, "sid"), pgrp = get_int(d, "pgrp");
  const long long launch_sid = get_int(launch, "launch_sid"), job = get_int(launch, "job_pgid");
  const long long tty = get_int(d, "tty_nr");
  std::string out = chip("pid " + pid_text(pid), "pid");
  out += chip("ppid " + pid_text(get_int(d, "ppid")));
  out += chip("pgrp " + pid_text(pgrp), judge_session && job && pgrp == job ? "bad" : "");
  std::string sid_note = launch_sid && sid == launch_sid ? " = launch session" : "";
  out += chip("sid " + pid_text(sid) + sid_note, !judge_session     ? ""
                                                 : sid_note.empty() ? "good"
                                                                    : "bad");
  if (judge_session && pid && pid == sid) out += chip("session leader", "warn");
  out += chip(tty ? "controlling tty " + std::to_string(tty) : "no controlling tty",
              !judge_session ? ""
              : tty          ? "bad"
                             : "good");
  return out + daemon_fate(pid, sc);
}

std::string descendants_list(const json& d) {
  const json& desc = get(d, "descendants");
  if (!desc.is_array() || desc.empty()) return "";
  std::string out = "<ul>";
  for (const auto& p : desc)
    out += "<li><div class=\"node\"><span class=\"role\">started by the daemon</span> " +
           chip("pid " + esc(as_text(p)), "pid") + "</div></li>";
  return out + "</ul>";
}

std::string daemon_node(const json& d, const json& sc) {
  return "<div class=\"node n-daemon\"><span class=\"role\">daemon</span> <b>" +
         esc(get_string(d, "comm")) + "</b> " + daemon_chips(d, sc) + "<div class=\"note\">" +
         esc(get_string(d, "why")) + "</div></div>" + descendants_list(d);
}

std::string tree_section(const json& sc) {
  const json& launch = get(sc, "launch");
  const json& daemons = get(sc, "daemons");
  const long long holder = get_int(launch, "holder_pid"),
                  launched = get_int(launch, "launched_pid");
  // A foreground service (the systemd profile) is the launched process itself.
  const json* foreground = nullptr;
  std::string daemon_items;
  if (daemons.is_array()) {
    for (const auto& d : daemons) {
      if (launched && get_int(d, "pid") == launched)
        foreground = &d;
      else
        daemon_items += "<li class=\"adopted\">" + daemon_node(d, sc) + "</li>";
    }
  }
  if (daemon_items.empty() && !foreground)
    daemon_items =
        "<li class=\"adopted\"><div class=\"node n-none\">no daemon survived startup</div></li>";

  std::string out =
      "<section id=\"tree\"><h2>Process tree <span class=\"hint\">as the checker saw it; a dashed "
      "line is a descendant that outlived its parent and was re-parented to the checker</span></h2>"
      "<div class=\"tree\"><ul>";
  if (!holder && !launched) {  // --attach: nothing was launched
    out += daemon_items;
    return out + "</ul></div></section>\n";
  }
  const long long checker = get_int(launch, "checker_pid"),
                  launch_sid = get_int(launch, "launch_sid");
  out +=
      "<li><div class=\"node n-checker\"><span class=\"role\">checker</span> <b>daemoncheck</b> " +
      chip("pid " + pid_text(checker), "pid") + chip("child subreaper") + "</div><ul>";
  out +=
      "<li><div class=\"node n-holder\"><span class=\"role\">session holder</span> <b>the "
      "shell</b> " +
      chip("pid " + pid_text(holder), "pid") + chip("sid " + pid_text(launch_sid)) +
      chip("leads " + esc(get_string(launch, "pty", "the pty"))) +
      "<div class=\"note\">a session leader on a fresh pseudo-terminal, like an interactive "
      "shell at its prompt</div></div><ul>";
  std::string argv;
  const json& a = get(launch, "argv");
  if (a.is_array())
    for (const auto& x : a) argv += (argv.empty() ? "" : " ") + shell_quote(as_text(x));
  if (foreground) {
    out +=
        "<li><div class=\"node n-launched n-daemon\"><span class=\"role\">launched · the "
        "daemon</span> <code>" +
        esc(argv) + "</code> " + daemon_chips(*foreground, sc, false) +
        (get(launch, "exit").is_object()
             ? chip(exit_text(get(launch, "exit")) + " at " +
                        esc(human_ms(get_number(get(launch, "exit"), "at_ms"))),
                    "bad")
             : "") +
        "<div class=\"note\">the launched process is the service itself: it stays in the "
        "foreground</div></div>" +
        descendants_list(*foreground);
  } else {
    const json& ex = get(launch, "exit");
    out += "<li><div class=\"node n-launched\"><span class=\"role\">launched</span> <code>" +
           esc(argv) + "</code> " + chip("pid " + pid_text(launched), "pid") +
           chip("pgrp " + pid_text(get_int(launch, "job_pgid"))) +
           chip("sid " + pid_text(launch_sid));
    if (ex.is_object()) {
      out += chip(
          exit_text(ex) + " at " + esc(human_ms(get_number(ex, "at_ms"))),
          get(ex, "exit_status").is_number() && get_int(ex, "exit_status") == 0 ? "good" : "bad");
    } else {
      out += chip("still running at the start timeout", "warn");
    }
    out += "<div class=\"note\">the job: the foreground process group of the terminal</div></div>";
  }
  if (!daemon_items.empty()) out += "<ul>" + daemon_items + "</ul>";
  return out + "</li></ul></li></ul></li></ul></div></section>\n";
}

// ---- the timeline -----------------------------------------------------------------

struct Event {
  double at = 0;
  std::string text;  // HTML
  std::string kind;  // css class
};

std::string phase_name(const std::string& p) {
  static const std::map<std::string, std::string> kNames = {
      {"launch", "launch"},
      {"settle", "startup"},
      {"observe", "read /proc"},
      {"hangup", "hang-up probe"},
      {"second_instance", "second instance"},
      {"sighup", "SIGHUP probe"},
      {"sigterm", "SIGTERM probe"},
      {"race_trials", "race trials"},
      {"cleanup", "cleanup"},
  };
  auto it = kNames.find(p);
  return it == kNames.end() ? p : it->second;
}

std::string timeline_section(const json& sc) {
  static const std::vector<std::string> kOrder = {"launch",  "settle",          "observe",
                                                  "hangup",  "second_instance", "sighup",
                                                  "sigterm", "race_trials",     "cleanup"};
  const json& timings = get(sc, "timings_ms");
  std::vector<std::pair<std::string, double>> phases;
  for (const auto& p : kOrder)
    if (get(timings, p).is_number()) phases.push_back({p, get_number(timings, p)});
  if (timings.is_object()) {
    for (const auto& [k, val] : timings.items())
      if (std::find(kOrder.begin(), kOrder.end(), k) == kOrder.end() && val.is_number())
        phases.push_back({k, val.get<double>()});
  }

  std::vector<Event> events;
  double start = 0;
  std::vector<std::tuple<std::string, double, double>> spans;  // phase, start, ms
  for (const auto& [p, ms] : phases) {
    const double d = std::isfinite(ms) && ms > 0 ? ms : 0;
    spans.push_back({p, start, d});
    events.push_back(
        {start, "<b>" + esc(phase_name(p)) + "</b> begins (" + esc(human_ms(d)) + ")", "phase"});
    start += d;
  }
  const double total = std::max(start, get_number(sc, "duration_ms"));

  const json& launch = get(sc, "launch");
  std::map<long long, std::string> who;
  who[get_int(launch, "launched_pid")] = "the launched process";
  const json& daemons = get(sc, "daemons");
  if (daemons.is_array())
    for (const auto& d : daemons)
      who[get_int(d, "pid")] = "the daemon (" + get_string(d, "comm") + ")";
  const json& probes = get(sc, "probes");
  const json& second = get(probes, "second_instance");
  if (get(second, "exit").is_object())
    who[get_int(get(second, "exit"), "pid")] = "the second launch";
  if (get(second, "left_behind").is_array())
    for (const auto& p : get(second, "left_behind"))
      if (p.is_number_integer()) who[p.get<long long>()] = "left behind by the second launch";
  const json& trials = get(get(probes, "race"), "trials");
  if (trials.is_array()) {
    for (size_t i = 0; i < trials.size(); ++i) {
      const std::string n = "race trial " + std::to_string(i + 1);
      if (get(trials[i], "launched_exit").is_object())
        who[get_int(get(trials[i], "launched_exit"), "pid")] = n + ": the launched process";
      if (get(trials[i], "deaths").is_array())
        for (const auto& e : get(trials[i], "deaths"))
          if (!who.count(get_int(e, "pid"))) who[get_int(e, "pid")] = n;
    }
  }
  who.erase(0);

  std::string argv;
  if (get(launch, "argv").is_array())
    for (const auto& x : get(launch, "argv"))
      argv += (argv.empty() ? "" : " ") + shell_quote(as_text(x));
  if (get_int(launch, "launched_pid")) {
    events.push_back({0,
                      "launch of <code>" + esc(argv) + "</code> as pid " +
                          pid_text(get_int(launch, "launched_pid")),
                      "launch"});
  }
  const json& ex = get(launch, "exit");
  std::set<std::pair<long long, long long>> seen;  // (pid, µs) already listed
  if (ex.is_object()) {
    events.push_back(
        {get_number(ex, "at_ms"),
         "the launched process (pid " + pid_text(get_int(ex, "pid")) + ") " + exit_text(ex),
         get(ex, "exit_status").is_number() && get_int(ex, "exit_status") == 0 ? "good" : "bad"});
    seen.insert({get_int(ex, "pid"), std::llround(get_number(ex, "at_ms") * 1000)});
  }
  if (get(launch, "ready_ms").is_number() && get_number(launch, "ready_ms") > 0) {
    events.push_back({get_number(launch, "ready_ms"),
                      get_bool(launch, "settle_timed_out")
                          ? "startup ended at the start timeout"
                          : "startup settled: the daemon is ready to be observed",
                      "ready"});
  }
  const json& reaped = get(launch, "reaped");
  if (reaped.is_array()) {
    for (const auto& e : reaped) {
      const long long pid = get_int(e, "pid");
      if (!seen.insert({pid, std::llround(get_number(e, "at_ms") * 1000)}).second) continue;
      std::string label = who.count(pid) ? esc(who[pid]) + ", " : "";
      events.push_back({get_number(e, "at_ms"),
                        "pid " + pid_text(pid) + " (" + label + "reaped) " + exit_text(e),
                        get(e, "signal").is_string() ? "death" : "exit"});
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });

  std::string out =
      "<section id=\"timeline\"><h2>Timeline <span class=\"hint\">milliseconds since the "
      "launch</span></h2><div class=\"bar\">";
  int colour = 0;
  for (const auto& [p, s, ms] : spans) {
    out += "<div class=\"seg c" + std::to_string(colour++ % 6) +
           "\" style=\"left:" + pct(s, total) + ";width:" + pct(ms, total) + "\" title=\"" +
           esc(phase_name(p)) + ": " + esc(human_ms(ms)) + "\"></div>";
  }
  for (const auto& e : events)
    if (e.kind != "phase")
      out += "<div class=\"tick " + e.kind + "\" style=\"left:" + pct(e.at, total) + "\"></div>";
  out += "</div><div class=\"legend\">";
  colour = 0;
  for (const auto& [p, s, ms] : spans)
    out += "<span><i class=\"c" + std::to_string(colour++ % 6) + "\"></i>" + esc(phase_name(p)) +
           " " + esc(human_ms(ms)) + "</span>";
  out += "</div><table class=\"events\"><thead><tr><th>at</th><th>event</th></tr></thead><tbody>";
  for (const auto& e : events) {
    char at[32];
    std::snprintf(at, sizeof at, "%.1f ms", std::isfinite(e.at) ? e.at : 0.0);
    out += "<tr class=\"ev-" + e.kind + "\"><td class=\"at\">" + at + "</td><td>" + e.text +
           "</td></tr>";
  }
  return out + "</tbody></table></section>\n";
}

// ---- facts ----------------------------------------------------------------------

std::string names(const json& j) {
  if (!j.is_array() || j.empty()) return "none";
  std::string out;
  for (const auto& x : j) out += (out.empty() ? "" : ", ") + as_text(x);
  return out;
}

std::string facts_section(const json& sc) {
  std::string out = "<section id=\"facts\"><h2>Facts</h2><div class=\"cards\">";
  auto row = [](const std::string& k, const std::string& val) {
    return "<div><dt>" + esc(k) + "</dt><dd>" + esc(val) + "</dd></div>";
  };
  const json& l = get(sc, "launch");
  if (get_int(l, "holder_pid")) {
    out += "<article><h3>What the launching shell planted</h3><dl>";
    out += row("umask", get_string(l, "umask"));
    std::string fds;
    if (get(l, "planted_fds").is_array()) {
      for (const auto& f : get(l, "planted_fds"))
        fds += (fds.empty() ? "" : "; ") + std::to_string(get_int(f, "fd")) + ": " +
               get_string(f, "kind") + " " + get_string(f, "path");
    }
    out += row("descriptors", fds.empty() ? "none" : fds);
    out += row("blocked signals", names(get(l, "blocked_signals")));
    out += row("ignored signals", names(get(l, "ignored_signals")));
    out += row("environment canary", get_string(get(l, "canary"), "name"));
    out += row("terminal", get_string(l, "pty"));
    out += row("working directory", get_string(l, "tmp"));
    out += "</dl></article>";
  }
  const json& daemons = get(sc, "daemons");
  if (daemons.is_array()) {
    for (const auto& d : daemons) {
      out += "<article><h3>Daemon pid " + pid_text(get_int(d, "pid")) + " (" +
             esc(get_string(d, "comm")) + ")</h3><dl>";
      out += row("working directory", get_string(d, "cwd"));
      out += row("root", get_string(d, "root"));
      out += row("umask", get(d, "umask").is_string() ? get_string(d, "umask") : "unknown");
      auto ids = [&](const char* key) {
        const json& x = get(d, key);
        return std::to_string(get_int(x, "real")) + " / " +
               std::to_string(get_int(x, "effective")) + " / " +
               std::to_string(get_int(x, "saved"));
      };
      out += row("uid real/effective/saved", ids("uid"));
      out += row("gid real/effective/saved", ids("gid"));
      const json& sig = get(d, "signals");
      out += row("blocked signals", names(get(get(sig, "blocked"), "signals")));
      out += row("ignored signals", names(get(get(sig, "ignored"), "signals")));
      out += row("caught signals", names(get(get(sig, "caught"), "signals")));
      const json& core = get(d, "rlimit_core");
      out += row("RLIMIT_CORE soft/hard",
                 as_text(get(core, "soft")) + " / " + as_text(get(core, "hard")));
      out += "</dl>";
      const json& fds = get(d, "fds");
      if (fds.is_array() && !fds.empty()) {
        out += "<table class=\"fds\"><thead><tr><th>fd</th><th>refers to</th></tr></thead><tbody>";
        for (const auto& f : fds)
          out += "<tr><td>" + std::to_string(get_int(f, "fd")) + "</td><td><code>" +
                 esc(get_string(f, "target")) + "</code></td></tr>";
        out += "</tbody></table>";
      }
      const json& errors = get(d, "errors");
      if (errors.is_array() && !errors.empty())
        out += "<p class=\"errors\">could not read: " + esc(names(errors)) + "</p>";
      out += "</article>";
    }
  }
  const json& pf = get(sc, "pidfile");
  if (pf.is_object()) {
    out += "<article><h3>Pidfile</h3><dl>";
    out += row("path", get_string(pf, "path"));
    out += row("found by", get_string(pf, "found_by"));
    out += row("exists", get_bool(pf, "exists") ? "yes" : "no");
    out += row("content", get_string(pf, "content"));
    out += row("locks", names(get(pf, "locks")));
    out += "</dl></article>";
  }
  return out + "</div></section>\n";
}

std::string waivers_section(const ScorecardView& v) {
  if (v.waivers.empty()) return "";
  std::string out = "<section id=\"waivers\"><h2>Waivers</h2><ul class=\"waivers\">";
  for (const auto& w : v.waivers) {
    out += "<li class=\"" + std::string(w.used ? "used" : "unused") + "\"><code>" + esc(w.id) +
           "</code> " +
           (w.used ? std::string("used") : "<b>unused</b>: " + esc(unused_waiver_reason(v, w))) +
           " — " + esc(w.reason) + "</li>";
  }
  return out + "</ul></section>\n";
}

constexpr const char* kStyle = R"CSS(
:root{--bg:#f4f6f8;--card:#fff;--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781;--error:#8250df;--waived:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 20px 48px}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:13px}
header h1{margin:0;font-size:22px}
header .cmd{margin:6px 0 0;padding:8px 12px;background:#1f2328;color:#f0f3f6;border-radius:6px;overflow-x:auto;white-space:pre}
header .sub{color:var(--muted);margin:6px 0 0}
section{margin-top:22px}
h2{font-size:18px;margin:0 0 10px}
h2 .hint{font-weight:normal;font-size:13px;color:var(--muted);margin-left:6px}
.verdict{border-radius:10px;padding:18px 22px;color:#fff;display:grid;grid-template-columns:auto 1fr;gap:6px 22px;align-items:center}
.verdict.pass{background:linear-gradient(135deg,#1a7f37,#2da44e)}
.verdict.fail{background:linear-gradient(135deg,#a40e26,#cf222e)}
.verdict .big{font-size:40px;font-weight:800;letter-spacing:1px;grid-row:span 3}
.verdict .why{font-size:16px}
.verdict a{color:#fff}
.verdict .chip{background:rgba(255,255,255,.18);color:#fff;border-color:rgba(255,255,255,.35)}
.verdict .meta{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;font-size:13px}
.verdict .meta dt{display:inline;opacity:.8}.verdict .meta dt::after{content:": "}
.verdict .meta dd{display:inline;margin:0;font-weight:600}
.chips{display:flex;flex-wrap:wrap;gap:6px}
.chip{display:inline-block;padding:1px 8px;border:1px solid var(--line);border-radius:999px;font-size:12.5px;background:#f6f8fa;color:var(--ink);white-space:nowrap;margin:1px 2px}
.chip.pid{font-weight:600}
.chip.good{background:#dafbe1;border-color:#aceebb;color:#116329}
.chip.bad{background:#ffebe9;border-color:#ffcecb;color:#a40e26}
.chip.warn{background:#fff8c5;border-color:#f2d675;color:#7d4e00}
table{border-collapse:collapse;width:100%;background:var(--card)}
table.rules{border:1px solid var(--line);border-radius:8px;overflow:hidden}
table.rules thead th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);padding:8px 10px;border-bottom:1px solid var(--line)}
tr.step th{text-align:left;background:#eef1f4;padding:7px 10px;font-size:14px;border-top:1px solid var(--line)}
.step-bad{color:var(--fail);font-weight:600;font-size:12px;margin-left:8px}
tr.rule td{padding:8px 10px;border-top:1px solid #eef1f4;vertical-align:top}
td.mark{width:34px;text-align:center;font-size:18px;font-weight:700}
td.name{width:300px}
td.name .title{color:var(--muted);font-size:13px}
tr.st-pass td.mark{color:var(--pass)}tr.st-fail td.mark{color:var(--fail)}tr.st-fail.rs-recommended td.mark,tr.st-fail.rs-info td.mark{color:var(--warn)}
tr.st-error td.mark{color:var(--error)}tr.st-waived td.mark{color:var(--waived)}tr.st-skip td.mark{color:var(--skip)}
tr.st-fail.rs-required{background:#fff8f7}tr.st-error{background:#fbf7ff}tr.st-skip td{color:var(--muted)}
.status{display:inline-block;min-width:48px;font-size:12px;font-weight:700;text-transform:uppercase}
tr.st-pass .status{color:var(--pass)}tr.st-fail .status{color:var(--fail)}tr.st-error .status{color:var(--error)}tr.st-waived .status{color:var(--waived)}tr.st-skip .status{color:var(--skip)}
tr.st-fail.rs-recommended .status,tr.st-fail.rs-info .status{color:var(--warn)}
.sev{font-size:12px;padding:1px 7px;border-radius:4px;border:1px solid var(--line);white-space:nowrap}
.sev-required{background:#ffebe9;border-color:#ffcecb}.sev-recommended{background:#fff8c5;border-color:#f2d675}.sev-info{background:#ddf4ff;border-color:#b6e3ff}
.waived-note{color:var(--waived);font-size:13px}
details{margin-top:4px}
summary{cursor:pointer;color:#0969da;font-size:13px}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow-x:auto;margin:6px 0;white-space:pre-wrap;word-break:break-word}
.doc p{margin:6px 0;font-size:14px}
.fixes{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:8px}
.fixes figure{margin:0}.fixes figcaption{font-size:12px;font-weight:700;color:var(--muted)}
.tools{margin:0 0 8px}
button{font:inherit;font-size:13px;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
body.only-problems tr.st-pass,body.only-problems tr.st-skip{display:none}
.tree{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;overflow-x:auto}
.tree ul{list-style:none;margin:0;padding-left:26px;position:relative}
.tree>ul{padding-left:0}
.tree li{position:relative;padding:6px 0 6px 18px}
.tree li::before{content:"";position:absolute;left:0;top:0;bottom:0;border-left:2px solid #afb8c1}
.tree li:last-child::before{bottom:auto;height:22px}
.tree li::after{content:"";position:absolute;left:0;top:22px;width:14px;border-top:2px solid #afb8c1}
.tree li.adopted::before,.tree li.adopted::after{border-style:dashed;border-color:#d4a72c}
.tree>ul>li::before,.tree>ul>li::after{display:none}
.tree>ul>li{padding-left:0}
.node{display:inline-block;border:1px solid var(--line);border-radius:8px;padding:6px 10px;background:#fff;box-shadow:0 1px 0 rgba(31,35,40,.04)}
.node .role{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin-right:4px}
.node .note{font-size:12.5px;color:var(--muted)}
.n-daemon{border-color:#d4a72c;background:#fffdf3}.n-none{border-color:var(--fail);color:var(--fail)}
.bar{position:relative;height:30px;background:#eaeef2;border-radius:6px;overflow:hidden;border:1px solid var(--line)}
.seg{position:absolute;top:0;bottom:0;min-width:2px;border-right:1px solid rgba(255,255,255,.7)}
.c0{background:#54aeff}.c1{background:#4ac26b}.c2{background:#d4a72c}.c3{background:#c297ff}.c4{background:#ff8182}.c5{background:#76e3ea}
.tick{position:absolute;top:0;bottom:0;width:2px;background:#1f2328;opacity:.55}
.tick.death,.tick.bad{background:var(--fail);opacity:.9}.tick.good,.tick.ready{background:var(--pass);opacity:.9}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12.5px;color:var(--muted);margin:6px 0 10px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table.events{border:1px solid var(--line);font-size:13.5px}
table.events td,table.events th{padding:4px 10px;border-top:1px solid #eef1f4;text-align:left}
table.events td.at{width:90px;text-align:right;font-variant-numeric:tabular-nums;color:var(--muted);white-space:nowrap}
tr.ev-phase td{color:var(--muted)}tr.ev-death td:last-child,tr.ev-bad td:last-child{color:var(--fail)}tr.ev-good td:last-child,tr.ev-ready td:last-child{color:var(--pass)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:12px}
article{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
article h3{margin:0 0 8px;font-size:15px}
article dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13.5px}
article dl div{display:contents}article dt{color:var(--muted)}article dd{margin:0;word-break:break-all}
table.fds{margin-top:8px;font-size:13px;border:1px solid var(--line)}table.fds td,table.fds th{padding:2px 8px;text-align:left;border-top:1px solid #eef1f4}
ul.waivers li.unused{color:var(--warn)}
footer{margin-top:28px;color:var(--muted);font-size:12.5px}
)CSS";

constexpr const char* kScript = R"JS(
(function(){
  var tools=document.querySelector('.tools'); if(!tools) return; tools.hidden=false;
  document.getElementById('only-problems').addEventListener('click',function(){
    var on=document.body.classList.toggle('only-problems');
    this.textContent=on?'Show every rule':'Show only what did not pass';});
  document.getElementById('expand-all').addEventListener('click',function(){
    var all=document.querySelectorAll('table.rules details'),open=this.dataset.open!=='1';
    for(var i=0;i<all.length;i++) all[i].open=open;
    this.dataset.open=open?'1':'0'; this.textContent=open?'Collapse all evidence':'Expand all evidence';});
})();
)JS";

}  // namespace

std::string render_html(const json& sc) {
  const ScorecardView v = read_view(sc);
  const std::string command = v.argv.empty() ? "attached to a running daemon" : shell_join(v.argv);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<title>daemoncheck: " +
      esc(v.verdict) + " — " + esc(command) + "</title><style>" + kStyle +
      "</style></head><body><main>\n";
  out += "<header><h1>daemoncheck report</h1><div class=\"cmd\">$ " + esc(command) + "</div>";
  out +=
      "<p class=\"sub\">The checker launched this command the way an interactive shell would, "
      "caught the daemon it became, read its state from /proc, probed it, and judged " +
      std::to_string(v.rules.size()) + " rules of the " + esc(v.profile) +
      " profile.</p></header>\n";
  out += banner(v);
  out += rules_section(v);
  out += tree_section(sc);
  out += timeline_section(sc);
  out += waivers_section(v);
  out += facts_section(sc);
  out += "<footer>Rendered by " + esc(v.tool_name + " " + v.tool_version) +
         " from a scorecard of schema " + esc(v.schema) +
         ". This page is self-contained: it loads nothing from the network.</footer>\n";
  out += "</main><script>" + std::string(kScript) + "</script></body></html>\n";
  return out;
}

}  // namespace dc
