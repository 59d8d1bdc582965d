// Microbenchmarks of rule evaluation: dc::judge() over one full Observation
// (every rule of the profile, waivers and --strict applied), and each rule on
// its own, to name the expensive ones. Target (issue 8): all rules over one
// Observation in at most 50 us.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_observation.h"
#include "rules/catalog.h"
#include "rules/judge.h"

namespace {

const dc::Observation& good() {
  static const dc::Observation o = dc::bench::realistic_observation();
  return o;
}

const dc::Observation& bad() {
  static const dc::Observation o = dc::bench::failing_observation();
  return o;
}

void BM_judge_all_rules_passing(benchmark::State& st) {
  const auto& o = good();
  for (auto _ : st) benchmark::DoNotOptimize(dc::judge(o, {}, false));
  st.counters["rules"] = static_cast<double>(dc::judge(o, {}, false).results.size());
}
BENCHMARK(BM_judge_all_rules_passing)->Unit(benchmark::kMicrosecond);

void BM_judge_all_rules_failing(benchmark::State& st) {
  const auto& o = bad();
  std::vector<dc::Waiver> w{{"cwd-root", "runs from its data directory", false}};
  for (auto _ : st) benchmark::DoNotOptimize(dc::judge(o, w, true));
  st.counters["fails"] = dc::judge(o, w, true).counts["fail"];
}
BENCHMARK(BM_judge_all_rules_failing)->Unit(benchmark::kMicrosecond);

void BM_judge_three_daemons(benchmark::State& st) {
  dc::Observation o = good();
  for (int i = 1; i <= 2; ++i) {
    dc::DaemonFacts d = o.daemons[0];
    d.pid += i;
    d.why = "re-parented to the checker";
    o.daemons.push_back(d);
  }
  for (auto _ : st) benchmark::DoNotOptimize(dc::judge(o, {}, false));
}
BENCHMARK(BM_judge_three_daemons)->Unit(benchmark::kMicrosecond);

void BM_judge_systemd_profile(benchmark::State& st) {
  dc::Observation o = good();
  o.profile = dc::ProfileId::Systemd;
  o.probes.foreground.ran = true;
  o.probes.foreground.alive_at_end = true;
  o.probes.foreground.ready_ms = 2.0;
  o.probes.foreground.notify = {{2.0, o.daemons[0].pid, "READY=1\nSTATUS=serving"}};
  for (auto _ : st) benchmark::DoNotOptimize(dc::judge(o, {}, false));
}
BENCHMARK(BM_judge_systemd_profile)->Unit(benchmark::kMicrosecond);

// One benchmark per rule of the catalogue, on the failing observation (the
// longer path: messages and evidence are built).
void BM_rule(benchmark::State& st, const dc::RuleDef* rule) {
  const auto& o = bad();
  for (auto _ : st) benchmark::DoNotOptimize(dc::evaluate_rule(*rule, o));
}

int register_per_rule = [] {
  for (const auto& rule : dc::catalog())
    benchmark::RegisterBenchmark(("BM_rule/" + std::string(rule.id)).c_str(), BM_rule, &rule)
        ->Unit(benchmark::kMicrosecond);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
