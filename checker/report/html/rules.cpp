// The rules table, grouped by the seed step each rule teaches, in the order
// a learner reads the steps; each row holds its evidence and the fixes.
#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>
#include <vector>

#include "report/html/sections.h"
#include "rules/catalog.h"

namespace dc::html {
namespace {

using StepKey = std::tuple<int, long, std::string, size_t>;

// Sort key of a seed step: the tutorial's numbered steps first (by number,
// then "3a" before "3b"), then daemon(7)'s numbered steps, then the
// catalogue's named steps in its order, then others as the scorecard lists
// them.
StepKey step_key(const std::string& step, size_t first_seen) {
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
  long named = 0;
  for (const auto& s : seed_steps()) {
    if (std::isdigit(static_cast<unsigned char>(s.step[0]))) continue;
    if (step == s.step) return {2, named, "", 0};
    ++named;
  }
  return {2, named, "", first_seen};
}

std::string pretty(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
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

std::string group_rows(const std::string& step, const std::vector<const RuleView*>& rules) {
  int bad = 0;
  for (const auto* r : rules) bad += r->status == "fail" || r->status == "error";
  std::string out =
      "<tbody class=\"group\"><tr class=\"step\"><th colspan=\"4\">" + esc(seed_step_title(step));
  if (bad) out += " <span class=\"step-bad\">" + std::to_string(bad) + " not passing</span>";
  out += "</th></tr>\n";
  for (const auto* r : rules) out += rule_row(*r);
  return out + "</tbody>\n";
}

}  // namespace

std::string rules_section(const ScorecardView& v) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RuleView*>> groups;
  for (const auto& r : v.rules) {
    if (!groups.count(r.seed_step)) order.push_back(r.seed_step);
    groups[r.seed_step].push_back(&r);
  }
  std::vector<std::pair<StepKey, std::string>> keyed;
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
  for (const auto& [key, step] : keyed) out += group_rows(step, groups[step]);
  return out + "</table></section>\n";
}

}  // namespace dc::html
