// Assembles the topic lists into one catalogue, in the order a scorecard shows.
#include "rules/catalog.h"

#include <algorithm>

namespace dc {

const std::vector<RuleDef>& catalog() {
  static const std::vector<RuleDef> kAll = [] {
    std::vector<RuleDef> v;
    add_lifecycle_rules(v);
    add_session_rules(v);
    add_process_rules(v);
    add_file_rules(v);
    add_signal_rules(v);
    add_pidfile_rules(v);
    add_probe_rules(v);
    return v;
  }();
  return kAll;
}

const RuleDef* find_rule(std::string_view id) {
  for (const auto& r : catalog())
    if (r.id == id) return &r;
  return nullptr;
}

namespace {
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string closest_rule(std::string_view id) {
  std::string best;
  size_t best_d = ~size_t{0};
  for (const auto& r : catalog()) {
    size_t d = edit_distance(id, r.id);
    if (r.id.find(id) != std::string::npos && !id.empty()) d = std::min<size_t>(d, 1);
    if (d < best_d) best_d = d, best = r.id;
  }
  return best;
}

}  // namespace dc
