// Microbenchmarks of the scorecard: building the JSON document
// (dc::scorecard_json) from a judged, realistic Observation, dumping it as
// the checker writes it (two-space indent), and the whole path
// judge -> scorecard -> text that a run pays once at its end. The other
// formats are rendered from the JSON and are measured too.
#include <benchmark/benchmark.h>

#include "bench_observation.h"
#include "report/render.h"
#include "report/scorecard.h"
#include "rules/judge.h"

namespace {

struct Fixture {
  dc::Observation obs = dc::bench::realistic_observation();
  dc::Judgement j;
  dc::RunMeta meta;
  nlohmann::json sc;
  Fixture() {
    j = dc::judge(obs, {}, false);
    meta.command = {"/usr/local/sbin/exampled", "--pidfile", "{tmp}/exampled.pid"};
    meta.started_at = "2024-05-01T12:00:00.000Z";
    meta.duration_ms = 61.5;
    meta.pidfile_option = "{tmp}/exampled.pid";
    meta.cleanup_ms = 0.4;
    sc = dc::scorecard_json(obs, j, meta);
  }
};

const Fixture& fx() {
  static const Fixture f;
  return f;
}

void BM_scorecard_json(benchmark::State& st) {
  const auto& f = fx();
  for (auto _ : st) benchmark::DoNotOptimize(dc::scorecard_json(f.obs, f.j, f.meta));
}
BENCHMARK(BM_scorecard_json)->Unit(benchmark::kMicrosecond);

void BM_scorecard_dump(benchmark::State& st) {
  const auto& f = fx();
  size_t bytes = 0;
  for (auto _ : st) {
    std::string s = f.sc.dump(2);
    bytes = s.size();
    benchmark::DoNotOptimize(s);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
  st.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_scorecard_dump)->Unit(benchmark::kMicrosecond);

void BM_scorecard_text_as_written(benchmark::State& st) {
  const auto& f = fx();
  for (auto _ : st) benchmark::DoNotOptimize(dc::scorecard_text(f.sc));
}
BENCHMARK(BM_scorecard_text_as_written)->Unit(benchmark::kMicrosecond);

void BM_judge_scorecard_dump(benchmark::State& st) {
  const auto& f = fx();
  for (auto _ : st) {
    dc::Judgement j = dc::judge(f.obs, {}, false);
    benchmark::DoNotOptimize(dc::scorecard_json(f.obs, j, f.meta).dump(2));
  }
}
BENCHMARK(BM_judge_scorecard_dump)->Unit(benchmark::kMicrosecond);

void BM_render(benchmark::State& st, dc::Format format) {
  const auto& f = fx();
  for (auto _ : st) benchmark::DoNotOptimize(dc::render(format, f.sc));
}
BENCHMARK_CAPTURE(BM_render, text, dc::Format::Text)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_render, markdown, dc::Format::Markdown)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_render, junit, dc::Format::Junit)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_render, sarif, dc::Format::Sarif)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_render, html, dc::Format::Html)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
