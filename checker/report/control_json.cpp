// See control_json.h.
#include "report/control_json.h"

#include <cstdio>

#include "common/signals.h"
#include "report/escape.h"

namespace dc {

using json = nlohmann::json;

std::string expected_exit(const json& a) {
  const std::string action = a.value("action", "");
  const int step = a.value("step", 0);
  if (action == "status") {
    if (step == 1 || step == 6) return "3";
    if (step == 8) return "1";
    return "0";
  }
  if (action == "run") return "";
  if (step == 10) return "2";
  return "0";
}

namespace {

json process_json(const ControlProcess& p) {
  return {{"pid", p.pid}, {"ppid", p.ppid}, {"comm", p.comm}, {"cmdline", p.cmdline}};
}

json action_json(const ActionRun& r) {
  json table = json::array();
  for (const auto& p : r.table) table.push_back(process_json(p));
  json j{{"step", control_step_number(r.step)},
         {"action", r.action},
         {"why", r.why},
         {"started_ms", r.started_ms},
         {"duration_ms", r.duration_ms},
         {"exit_status", r.exit_status ? json(*r.exit_status) : json(nullptr)},
         {"signal", r.signal ? json(signal_name(*r.signal)) : json(nullptr)},
         {"timed_out", r.timed_out},
         {"output", r.output},
         {"error_output", r.error_output},
         {"daemons_before", r.daemons_before},
         {"daemons_after", r.daemons},
         {"daemon_tree_left", r.daemon_tree_left},
         {"helpers_left", r.helpers_left},
         {"pidfile_after", r.pidfile_after},
         {"files_created", r.files_created},
         {"processes", table}};
  if (r.action == "run") {
    j["stayed_in_foreground"] = r.stayed_in_foreground;
    j["exited_on_sigterm"] = r.exited_on_sigterm ? json(*r.exited_on_sigterm) : json(nullptr);
  }
  if (!r.error.empty()) j["error"] = r.error;
  j["expected_exit"] = expected_exit(j);
  return j;
}

}  // namespace

json control_json(const ControlFacts& c) {
  json actions = json::array();
  for (const auto& r : c.runs) actions.push_back(action_json(r));
  json decoys = json::array();
  for (const auto& d : c.decoys)
    decoys.push_back({{"kind", d.kind},
                      {"pid", d.pid},
                      {"argv", d.argv},
                      {"comm", d.comm},
                      {"alive_at_end", d.alive_at_end},
                      {"signals", d.signals},
                      {"counted_as_daemon_by", d.counted_as_daemon_by}});
  json left = json::array();
  for (const auto& p : c.left_at_end) left.push_back(process_json(p));
  return {{"script", c.script},
          {"actions_requested", c.actions_requested},
          {"action_timeout_s", c.action_timeout_s},
          {"pidfile", c.pidfile ? json(*c.pidfile) : json(nullptr)},
          {"pidfile_found_by", c.pidfile_found_by},
          {"first_daemon", c.first_daemon},
          {"actions", actions},
          {"decoys", decoys},
          {"decoys_planted", c.decoys_planted},
          {"no_decoy", c.no_decoy},
          {"crash", {{"pid", c.crashed}, {"pidfile_left", c.pidfile_left_by_crash}}},
          {"recycled_pid", c.recycled_into_pidfile},
          {"left_at_end", left},
          {"error", c.error}};
}

std::string control_actions_text(const json& sc) {
  auto c = sc.find("control");
  if (c == sc.end() || !c->is_object() || !c->contains("actions")) return "";
  std::string out = "  actions (step, action, exit status / LSB's, time):\n";
  for (const auto& a : (*c)["actions"]) {
    std::string got = a.value("timed_out", false) ? "killed at the timeout"
                      : a["exit_status"].is_number()
                          ? "exit " + std::to_string(a["exit_status"].get<int>())
                      : a["signal"].is_string() ? "killed by " + a["signal"].get<std::string>()
                                                : "not run";
    const std::string want = a.value("expected_exit", "");
    if (!want.empty()) got += " / " + want;
    char line[256];
    std::snprintf(line, sizeof line, "  %3d %-14s %-26s %7.0f ms  ", a.value("step", 0),
                  printable(a.value("action", "")).substr(0, 26).c_str(), got.c_str(),
                  a.value("duration_ms", 0.0));
    out += line + printable(a.value("why", "")) + "\n";
  }
  return out;
}

}  // namespace dc
