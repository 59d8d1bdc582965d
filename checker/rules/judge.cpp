// See judge.h.
#include "rules/judge.h"

#include "common/text.h"

#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

int badness(Status s) {
  switch (s) {
    case Status::Fail:
      return 3;
    case Status::Error:
      return 2;
    case Status::Pass:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

RuleResult evaluate_rule(const RuleDef& rule, const Observation& obs) {
  RuleResult r;
  r.id = rule.id;
  r.title = rule.title;
  r.severity = rule.severity_for ? rule.severity_for(obs) : rule.severity;
  r.seed_step = rule.seed_step;
  if (rule.per_run) {
    Verdict v = rule.per_run(obs);
    r.status = v.status;
    r.message = std::move(v.message);
    r.evidence = std::move(v.evidence);
    return r;
  }
  if (obs.daemons.empty()) {
    r.status = Status::Skip;
    r.message = kNoDaemon;
    return r;
  }
  // Several daemons: the rule runs on each; the entry carries the worst.
  std::vector<Verdict> vs;
  size_t worst = 0;
  for (size_t i = 0; i < obs.daemons.size(); ++i) {
    vs.push_back(rule.per_daemon(obs, obs.daemons[i]));
    if (badness(vs[i].status) > badness(vs[worst].status)) worst = i;
  }
  r.status = vs[worst].status;
  if (vs.size() == 1) {
    r.message = std::move(vs[0].message);
    r.evidence = std::move(vs[0].evidence);
    return r;
  }
  r.message = "pid " + std::to_string(obs.daemons[worst].pid) + " (of " +
              std::to_string(vs.size()) + " daemons): " + vs[worst].message;
  nlohmann::json per = nlohmann::json::array();
  for (size_t i = 0; i < vs.size(); ++i) {
    nlohmann::json entry = nlohmann::json::object();
    entry["pid"] = obs.daemons[i].pid;
    entry["status"] = to_string(vs[i].status);
    entry["message"] = std::move(vs[i].message);
    entry["evidence"] = std::move(vs[i].evidence);
    per.push_back(std::move(entry));
  }
  r.evidence = {{"daemons", per}};
  return r;
}

Judgement judge(const Observation& obs, std::vector<Waiver> waivers, bool strict) {
  Judgement j;
  const unsigned judged = profile(obs.profile).rule_bit;
  for (const auto& rule : catalog()) {
    if (!(rule.profiles & judged)) continue;
    RuleResult r = evaluate_rule(rule, obs);
    r.message = one_line(std::move(r.message));
    if (r.status == Status::Fail || r.status == Status::Error) {
      for (auto& w : waivers) {
        if (w.id != r.id) continue;
        w.used = true;
        r.status = Status::Waived;
        r.waiver_reason = w.reason;
      }
    }
    bool gates =
        r.severity == Severity::Required || (strict && r.severity == Severity::Recommended);
    if (gates && (r.status == Status::Fail || r.status == Status::Error)) j.pass = false;
    j.counts[to_string(r.status)]++;
    j.results.push_back(std::move(r));
  }
  for (const char* s : {"pass", "fail", "skip", "error", "waived"}) j.counts.try_emplace(s, 0);
  j.waivers = std::move(waivers);
  j.exit_status = j.pass ? 0 : 1;
  return j;
}

}  // namespace dc
