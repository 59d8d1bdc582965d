// See view.h.
#include "report/view.h"

#include <cmath>
#include <cstdio>

namespace dc {

using nlohmann::json;

const json& get(const json& j, std::string_view key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(std::string(key));
  return it == j.end() ? kNull : *it;
}

std::string get_string(const json& j, std::string_view key, std::string fallback) {
  const json& v = get(j, key);
  return v.is_string() ? v.get<std::string>() : std::move(fallback);
}

double get_number(const json& j, std::string_view key, double fallback) {
  const json& v = get(j, key);
  return v.is_number() ? v.get<double>() : fallback;
}

long long get_int(const json& j, std::string_view key, long long fallback) {
  const json& v = get(j, key);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float() && std::isfinite(v.get<double>())) return std::llround(v.get<double>());
  return fallback;
}

bool get_bool(const json& j, std::string_view key, bool fallback) {
  const json& v = get(j, key);
  return v.is_boolean() ? v.get<bool>() : fallback;
}

std::string as_text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const RuleView* ScorecardView::rule(std::string_view id) const {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

int ScorecardView::count(std::string_view status) const {
  for (const auto& [k, n] : counts)
    if (k == status) return n;
  return 0;
}

ScorecardView read_view(const json& sc) {
  ScorecardView v;
  v.schema = get_string(sc, "schema");
  v.tool_name = get_string(get(sc, "tool"), "name", "daemoncheck");
  v.tool_version = get_string(get(sc, "tool"), "version");
  const json& target = get(sc, "target");
  for (const auto& a : get(target, "argv").is_array() ? get(target, "argv") : json::array())
    v.argv.push_back(as_text(a));
  v.profile = get_string(target, "profile", get_string(get(sc, "options"), "profile", "sysv"));
  v.started_at = get_string(sc, "started_at");
  v.duration_ms = get_number(sc, "duration_ms");
  v.strict = get_bool(get(sc, "options"), "strict");

  const json& rules = get(sc, "rules");
  if (rules.is_array()) {
    for (const auto& r : rules) {
      if (!r.is_object()) continue;
      RuleView x;
      x.id = get_string(r, "id", "?");
      x.title = get_string(r, "title");
      x.severity = get_string(r, "severity");
      x.status = get_string(r, "status");
      x.message = get_string(r, "message");
      x.seed_step = get_string(r, "seed_step");
      x.waiver = get_string(r, "waiver");
      if (!get(r, "evidence").is_null()) x.evidence = get(r, "evidence");
      v.rules.push_back(std::move(x));
    }
  }
  const json& waivers = get(sc, "waivers");
  if (waivers.is_array()) {
    for (const auto& w : waivers)
      if (w.is_object())
        v.waivers.push_back({get_string(w, "id"), get_string(w, "reason"), get_bool(w, "used")});
  }

  const json& summary = get(sc, "summary");
  const json& counts = get(summary, "counts");
  for (const char* s : {"pass", "fail", "error", "waived", "skip"})
    v.counts.emplace_back(s, static_cast<int>(get_int(counts, s)));
  if (counts.is_object()) {
    for (const auto& [k, n] : counts.items()) {
      bool known = false;
      for (const auto& c : v.counts) known = known || c.first == k;
      if (!known && n.is_number_integer()) v.counts.emplace_back(k, n.get<int>());
    }
  }
  v.verdict = get_string(summary, "verdict", "fail");
  v.exit_status = static_cast<int>(get_int(summary, "exit_status", v.verdict == "pass" ? 0 : 1));
  return v;
}

std::string unused_waiver_reason(const ScorecardView& v, const WaiverView& w) {
  const RuleView* r = v.rule(w.id);
  if (!r) return "the rule does not run in the " + v.profile + " profile";
  if (r->status == "pass") return "the rule passed";
  if (r->status == "skip") return "the rule was skipped";
  return "the rule's status is " + r->status;
}

const char* status_mark(std::string_view status) {
  if (status == "pass") return "✓";
  if (status == "fail") return "✗";
  if (status == "error") return "!";
  if (status == "waived") return "~";
  if (status == "skip") return "-";
  return "?";
}

std::string counts_line(const ScorecardView& v) {
  std::string out;
  for (const auto& [k, n] : v.counts)
    if (n > 0) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  return out.empty() ? "no rules" : out;
}

std::string human_ms(double ms) {
  char buf[32];
  if (!std::isfinite(ms)) return "?";
  if (ms < 10)
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  else if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  else
    std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
  return buf;
}

}  // namespace dc
