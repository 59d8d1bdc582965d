// Assembles the topic lists into one catalogue, in the order a scorecard shows.
#include "rules/catalog.h"

#include <algorithm>
#include <cctype>

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
    add_service_rules(v);
    add_control_rules(v);
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

const std::vector<SeedStep>& seed_steps() {
  static const std::vector<SeedStep> kSteps = {
      {"1", "Step 1 · Clean the environment"},
      {"2", "Step 2 · Fork, and let the parent exit"},
      {"3", "Step 3 · Detach from the session that started it"},
      {"3a", "Step 3a · Give up the controlling terminal"},
      {"3b", "Step 3b · Start a new session"},
      {"4", "Step 4 · Fork again, so no terminal can be acquired"},
      {"5", "Step 5 · Work in /"},
      {"6", "Step 6 · Set the daemon's own umask"},
      {"7", "Step 7 · Close the files the parent left open"},
      {"8", "Step 8 · Standard streams on /dev/null or a log"},
      {"There can be only one", "There can be only one · pidfile and lock"},
      {"signals", "Signals · reload and orderly shutdown"},
      {"uid/gid", "Dropping privileges · uid and gid"},
      {"chroot_directory", "python-daemon · chroot_directory"},
      {"python-daemon prevent_core", "python-daemon · prevent_core"},
  };
  return kSteps;
}

std::string seed_step_title(std::string_view step) {
  for (const auto& s : seed_steps())
    if (step == s.step) return s.title;
  if (step.empty()) return "Other rules";
  if (std::isdigit(static_cast<unsigned char>(step[0]))) return "Steps " + std::string(step);
  if (step.starts_with("daemon(7) ")) return "daemon(7) · step " + std::string(step.substr(10));
  return std::string(step);
}

}  // namespace dc
