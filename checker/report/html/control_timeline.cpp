// The HTML report's timeline of a control check: every action in the order
// run, with its exit status beside the one LSB expects there, and when it
// ran. Read from the scorecard's "control" object; nothing without it.
#include <cstdio>

#include "report/control_json.h"
#include "report/html/sections.h"

namespace dc {

std::string control_timeline_html(const nlohmann::json& sc) {
  using html::chip;
  using html::esc;
  auto c = sc.find("control");
  if (c == sc.end() || !c->is_object() || !c->contains("actions")) return "";
  std::string rows;
  for (const auto& a : (*c)["actions"]) {
    const std::string want = a.value("expected_exit", "");
    std::string got;
    const char* kind = "";
    if (a.value("timed_out", false)) {
      got = "killed at the action timeout";
      kind = "bad";
    } else if (a["exit_status"].is_number()) {
      got = std::to_string(a["exit_status"].get<int>());
      kind = want.empty() ? "" : got == want ? "good" : "bad";
    } else if (a["signal"].is_string()) {
      got = "killed by " + a["signal"].get<std::string>();
    } else {
      got = a.value("error", std::string("not run"));
      kind = "bad";
    }
    char when[64];
    std::snprintf(when, sizeof when, "%.0f ms (took %.1f ms)", a.value("started_ms", 0.0),
                  a.value("duration_ms", 0.0));
    std::string daemons;
    for (const auto& p : a.value("daemons_after", nlohmann::json::array()))
      daemons += chip(std::to_string(p.get<long long>()), "pid");
    rows += "<tr><td>" + std::to_string(a.value("step", 0)) + "</td><td><code>" +
            esc(a.value("action", "")) + "</code> " + esc(a.value("why", "")) + "</td><td>" +
            chip(esc(got), kind) + "</td><td>" + (want.empty() ? "—" : esc(want)) + "</td><td>" +
            esc(when) + "</td><td>" + daemons + "</td></tr>\n";
  }
  return "<section id=\"control-actions\"><h2>Actions <span class=\"hint\">the script, driven "
         "through control.md's sequence</span></h2><table class=\"events\"><thead><tr><th>step"
         "</th><th>action</th><th>exit status</th><th>LSB expects</th><th>time since the check "
         "started</th><th>daemons after</th></tr></thead><tbody>\n" +
         rows + "</tbody></table></section>\n";
}

}  // namespace dc
