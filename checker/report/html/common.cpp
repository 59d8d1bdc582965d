// See sections.h: the pieces every section uses.
#include <algorithm>
#include <cstdio>

#include "report/escape.h"
#include "report/html/sections.h"

namespace dc::html {

std::string esc(std::string_view s) {
  return html_escape(s);
}

std::string chip(const std::string& text, const char* kind) {
  return std::string("<span class=\"chip ") + kind + "\">" + text + "</span>";
}

std::string pid_text(long long pid) {
  return pid > 0 ? std::to_string(pid) : "?";
}

std::string exit_text(const ExitView& e) {
  if (!e.signal.empty()) return "killed by " + esc(e.signal);
  if (e.exit_status) return "exited " + std::to_string(*e.exit_status);
  return "ended";
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + shell_quote(a);
  return out;
}

std::string pct(double part, double whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f%%",
                whole > 0 ? std::clamp(part / whole * 100, 0.0, 100.0) : 0.0);
  return buf;
}

}  // namespace dc::html
