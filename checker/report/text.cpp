// See text.h.
#include "report/text.h"

#include <cstdio>
#include <string>
#include <vector>

#include "report/control_json.h"
#include "report/escape.h"
#include "report/view.h"

namespace dc {
namespace {

const char* status_color(const RuleView& r) {
  if (r.status == "pass") return "32";
  if (r.status == "fail")
    return r.severity == "required" ? "31" : r.severity == "info" ? "2;33" : "33";
  if (r.status == "error") return "35";
  if (r.status == "waived") return "36";
  return "2";
}

// When the start failed, the last lines the target wrote on its terminal:
// what a learner would have seen had they run the command by hand.
std::string terminal_tail(const ScorecardView& v) {
  constexpr size_t kLines = 5;
  const RuleView* start = v.rule("parent-exits");
  const std::string& said = v.launch.terminal_output;
  if (!start || start->status != "fail" || said.empty()) return "";
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < said.size()) {
    size_t nl = said.find('\n', at);
    if (nl == std::string::npos) nl = said.size();
    std::string line = said.substr(at, nl - at);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
    at = nl + 1;
  }
  if (lines.empty()) return "";
  std::string out = "  the launched process's last words on the terminal:\n";
  for (size_t i = lines.size() > kLines ? lines.size() - kLines : 0; i < lines.size(); ++i)
    out += "  | " + printable(lines[i]) + "\n";
  return out;
}

// The made-up unit, the unit's drop-ins and, once, the [Service] keys the check did not
// simulate (service.md: none is dropped silently).
std::string unit_lines(const ScorecardView& v) {
  if (!v.unit) return "";
  std::string out;
  // --profile systemd: say that the unit judged is the one the command made.
  if (v.unit->made_up)
    out += "  unit made up from the command line: Type=" + printable(v.unit->type) +
           ", ExecStart= the command (unit.made_up)\n";
  for (const auto& d : v.unit->dropins) out += "  drop-in " + printable(d) + "\n";
  for (const auto& s : v.unit->sockets) out += "  socket " + printable(s) + " (unit.sockets)\n";
  for (const auto& n : v.unit->socket_notes) out += "  " + printable(n) + " (unit.socket_notes)\n";
  if (!v.unit->not_simulated.empty()) {
    std::string keys;
    for (const auto& k : v.unit->not_simulated) keys += (keys.empty() ? "" : ", ") + printable(k);
    out += "  not simulated: " + keys + " (unit.not_simulated)\n";
  }
  return out;
}

}  // namespace

std::string render_text(const nlohmann::json& sc, const TextStyle& style) {
  auto paint = [&](const char* code, const std::string& s) {
    return style.color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
  const ScorecardView v = read_view(sc);
  std::string target =
      v.argv.empty() ? std::string("attached to a running daemon") : printable(shell_join(v.argv));
  if (v.unit && !v.unit->made_up && !v.unit->file.empty()) target = printable(v.unit->file);
  std::string out =
      v.tool_name + " " + v.tool_version + " — " + v.profile + " profile — " + target + "\n";
  out += unit_lines(v);
  for (const auto& d : v.daemons)
    out += "  daemon pid " + std::to_string(d.pid) + " (" + printable(d.comm) + "), " +
           printable(d.why) + "\n";
  out += control_actions_text(sc);

  for (const auto& r : v.rules) {
    char head[128];
    std::snprintf(head, sizeof head, "%s %-6s %-11s %-32s ", status_mark(r.status),
                  r.status.c_str(), r.severity.c_str(), printable(r.id).c_str());
    std::string line = head + printable(r.message);
    if (r.status == "waived") line += " [waived: " + printable(r.waiver) + "]";
    out += paint(status_color(r), line) + "\n";
  }
  out += terminal_tail(v);
  for (const auto& note : v.notes) out += paint("33", "note: " + printable(note)) + "\n";
  for (const auto& w : v.waivers) {
    if (!w.used) {
      out += paint("33", "unused waiver: " + printable(w.id) + " (\"" + printable(w.reason) +
                             "\"): " + unused_waiver_reason(v, w) +
                             ", so there was nothing to waive") +
             "\n";
    }
  }
  for (const auto& [format, path] : style.also_written)
    out += format + ": " + printable(path) + "\n";

  std::string tail = " (" + counts_line(v) + ") in " + human_ms(v.duration_ms);
  if (v.strict) tail += ", --strict";
  out += paint(v.verdict == "pass" ? "1;32" : "1;31", "verdict: " + v.verdict) + tail + "\n";
  if (!style.report_path.empty()) out += "report: " + printable(style.report_path) + "\n";
  return out;
}

}  // namespace dc
