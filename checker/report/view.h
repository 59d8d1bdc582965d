// A scorecard read once into plain data for the renderers. Reading never
// throws: a field that is missing or of another type reads as empty, so that
// `daemoncheck render` shows an old or hand-edited scorecard instead of
// failing on it. Renderers read everything else through the get_* helpers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dc {

struct RuleView {
  std::string id, title, severity, status, message, seed_step;
  std::string waiver;  // the reason, when status is "waived"
  nlohmann::json evidence = nlohmann::json::object();
};

struct WaiverView {
  std::string id, reason;
  bool used = false;
};

struct ScorecardView {
  std::string schema, tool_name = "daemoncheck", tool_version, profile, started_at;
  std::vector<std::string> argv;
  double duration_ms = 0;
  bool strict = false;
  std::vector<RuleView> rules;
  std::vector<WaiverView> waivers;
  std::vector<std::pair<std::string, int>> counts;  // pass, fail, error, waived, skip first
  std::string verdict = "fail";
  int exit_status = 1;

  const RuleView* rule(std::string_view id) const;
  int count(std::string_view status) const;
};

ScorecardView read_view(const nlohmann::json& scorecard);

// Why a waiver went unused, for the reports: "the rule passed", ...
std::string unused_waiver_reason(const ScorecardView& v, const WaiverView& w);

// "✓" pass, "✗" fail, "!" error, "~" waived, "-" skip, "?" anything else.
const char* status_mark(std::string_view status);

// "pass 4, fail 13, skip 8": the non-zero counts.
std::string counts_line(const ScorecardView& v);

// Milliseconds for people: "0.4 ms", "34 ms", "1.25 s".
std::string human_ms(double ms);

// Field access that never throws.
const nlohmann::json& get(const nlohmann::json& j, std::string_view key);  // null when absent
std::string get_string(const nlohmann::json& j, std::string_view key, std::string fallback = "");
double get_number(const nlohmann::json& j, std::string_view key, double fallback = 0);
long long get_int(const nlohmann::json& j, std::string_view key, long long fallback = 0);
bool get_bool(const nlohmann::json& j, std::string_view key, bool fallback = false);
// The value as one line of text: strings bare, anything else as compact JSON.
std::string as_text(const nlohmann::json& j);

}  // namespace dc
