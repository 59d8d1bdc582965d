// The verdict banner and the notes on the check itself.
#include <vector>

#include "report/html/sections.h"

namespace dc::html {
namespace {

// The rules that made the verdict fail, as the scorecard judged them.
std::vector<const RuleView*> gating_rules(const ScorecardView& v) {
  std::vector<const RuleView*> gating;
  for (const auto& r : v.rules) {
    if ((r.status == "fail" || r.status == "error") &&
        (r.severity == "required" || (v.strict && r.severity == "recommended")))
      gating.push_back(&r);
  }
  return gating;
}

std::string why(const ScorecardView& v) {
  if (v.verdict == "pass") {
    std::string out = "Every rule that gates the verdict passed";
    if (v.count("fail")) out += " (the failures below are recommendations or information)";
    return out + ".";
  }
  const auto gating = gating_rules(v);
  if (gating.empty()) return "The run failed.";
  std::string out = std::to_string(gating.size()) + (gating.size() == 1 ? " rule" : " rules") +
                    " that gate the verdict did not pass: ";
  for (size_t i = 0; i < gating.size(); ++i)
    out += std::string(i ? ", " : "") + "<a href=\"#rule-" + esc(gating[i]->id) + "\">" +
           esc(gating[i]->id) + "</a>";
  return out + ".";
}

std::string count_chips(const ScorecardView& v) {
  std::string out;
  for (const auto& [status, n] : v.counts) {
    if (n > 0)
      out += "<span class=\"chip st-" + esc(status) + "\">" + esc(status_mark(status)) + " " +
             std::to_string(n) + " " + esc(status) + "</span>";
  }
  return out;
}

std::string run_figures(const ScorecardView& v) {
  std::string out;
  auto meta = [&](const std::string& k, const std::string& val) {
    out += "<div><dt>" + esc(k) + "</dt><dd>" + val + "</dd></div>";
  };
  meta("profile", esc(v.profile) + (v.strict ? " (--strict)" : ""));
  meta("exit status", std::to_string(v.exit_status));
  meta("duration", esc(human_ms(v.duration_ms)));
  if (!v.started_at.empty()) meta("started", esc(v.started_at));
  return out;
}

}  // namespace

std::string verdict_section(const ScorecardView& v) {
  const bool pass = v.verdict == "pass";
  return std::string("<section class=\"verdict ") + (pass ? "pass" : "fail") +
         "\" id=\"verdict\"><div class=\"big\">" + (pass ? "✓ PASS" : "✗ FAIL") +
         "</div><div class=\"why\">" + why(v) + "</div><div class=\"chips\">" + count_chips(v) +
         "</div><dl class=\"meta\">" + run_figures(v) + "</dl></section>\n";
}

std::string notes_section(const ScorecardView& v) {
  if (v.notes.empty()) return "";
  std::string out =
      "<section id=\"notes\"><h2>Notes <span class=\"hint\">on the check itself</span></h2>"
      "<ul class=\"notes\">";
  for (const auto& n : v.notes) out += "<li>" + esc(n) + "</li>";
  return out + "</ul></section>\n";
}

}  // namespace dc::html
