// See text.h.
#include "report/text.h"

#include <cstdio>

namespace dc {

std::string render_text(const nlohmann::json& sc, const TextStyle& style) {
  auto paint = [&](const char* code, const std::string& s) {
    return style.color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
  std::string out;
  const auto& target = sc.value("target", nlohmann::json::object());
  std::string argv;
  for (const auto& a : target.value("argv", nlohmann::json::array())) argv += (argv.empty() ? "" : " ") + a.get<std::string>();
  out += "daemoncheck " + sc["tool"].value("version", "") + " — " + target.value("profile", "sysv") +
         " profile — " + argv + "\n";
  for (const auto& d : sc.value("daemons", nlohmann::json::array()))
    out += "  daemon pid " + std::to_string(d.value("pid", 0)) + " (" + d.value("comm", "") +
           "), " + d.value("why", "") + "\n";
  for (const auto& r : sc["rules"]) {
    std::string status = r.value("status", "");
    const char* mark = "?";
    const char* color = "0";
    if (status == "pass") mark = "✓", color = "32";
    else if (status == "fail") mark = "✗", color = r.value("severity", "") == "required" ? "31" : "33";
    else if (status == "skip") mark = "-", color = "2";
    else if (status == "error") mark = "!", color = "35";
    else if (status == "waived") mark = "~", color = "36";
    char head[96];
    std::snprintf(head, sizeof head, "%s %-6s %-11s %-32s ", mark, status.c_str(),
                  r.value("severity", "").c_str(), r.value("id", "").c_str());
    std::string line = head + r.value("message", "");
    if (status == "waived") line += " [waived: " + r.value("waiver", "") + "]";
    out += paint(color, line) + "\n";
  }
  const auto& sum = sc["summary"];
  std::string counts;
  for (auto& [k, v] : sum["counts"].items())
    if (v.get<int>() > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(v.get<int>()) + " " + k;
  std::string verdict = sum.value("verdict", "fail");
  char dur[32];
  std::snprintf(dur, sizeof dur, "%.0f", sc.value("duration_ms", 0.0));
  out += paint(verdict == "pass" ? "1;32" : "1;31", "verdict: " + verdict) + " (" + counts + ") in " +
         dur + " ms\n";
  return out;
}

}  // namespace dc
