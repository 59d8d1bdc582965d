// Microbenchmarks of the /proc parsers (checker/parse/proc_parse.h) on the
// text the kernel really shows: every input is read from /proc once, before
// the benchmarks run. /proc/locks is often nearly empty on a quiet machine, so
// a second input repeats its real lines (or a typical line) to 200 lines, the
// size met on a busy server.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/signals.h"
#include "parse/proc_parse.h"

namespace {

std::string slurp(const char* path) {
  std::string out;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "proc_parse_bench: cannot read %s\n", path);
    std::exit(1);
  }
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

struct Inputs {
  std::string stat, status, environ, limits, maps, locks, locks200;
  Inputs() {
    stat = slurp("/proc/self/stat");
    status = slurp("/proc/self/status");
    environ = slurp("/proc/self/environ");
    limits = slurp("/proc/self/limits");
    maps = slurp("/proc/self/maps");
    locks = slurp("/proc/locks");
    std::string seed = locks.empty() ? "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF\n" : locks;
    int n = 0;
    while (n < 200) {
      for (size_t at = 0; at < seed.size() && n < 200;) {
        size_t nl = seed.find('\n', at);
        if (nl == std::string::npos) nl = seed.size();
        std::string line = seed.substr(at, nl - at);
        auto colon = line.find(':');
        if (colon != std::string::npos) line = std::to_string(++n) + line.substr(colon);
        locks200 += line + "\n";
        at = nl + 1;
      }
    }
  }
};

const Inputs& in() {
  static const Inputs inputs;
  return inputs;
}

void BM_parse_stat(benchmark::State& st) {
  const std::string& t = in().stat;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_stat(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
}
BENCHMARK(BM_parse_stat);

void BM_parse_status(benchmark::State& st) {
  const std::string& t = in().status;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_status(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
}
BENCHMARK(BM_parse_status);

void BM_parse_environ(benchmark::State& st) {
  const std::string& t = in().environ;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_environ(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
  st.counters["entries"] = static_cast<double>(dc::observe::parse_environ(t).entries.size());
}
BENCHMARK(BM_parse_environ);

void BM_parse_limits_core(benchmark::State& st) {
  const std::string& t = in().limits;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_limits_core(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
}
BENCHMARK(BM_parse_limits_core);

void BM_parse_maps(benchmark::State& st) {
  const std::string& t = in().maps;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_maps(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
  auto m = dc::observe::parse_maps(t);
  st.counters["regions"] = m ? static_cast<double>(m->size()) : -1;
}
BENCHMARK(BM_parse_maps);

void BM_parse_locks_real(benchmark::State& st) {
  const std::string& t = in().locks;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_locks(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
  st.counters["lines"] = static_cast<double>(dc::observe::parse_locks(t).locks.size());
}
BENCHMARK(BM_parse_locks_real);

void BM_parse_locks_200(benchmark::State& st) {
  const std::string& t = in().locks200;
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_locks(t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * t.size()));
  st.counters["lines"] = static_cast<double>(dc::observe::parse_locks(t).locks.size());
}
BENCHMARK(BM_parse_locks_200);

void BM_parse_pidfile(benchmark::State& st) {
  const std::string t = std::to_string(::getpid()) + "\n";
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_pidfile(t));
}
BENCHMARK(BM_parse_pidfile);

void BM_parse_pidfile_garbage(benchmark::State& st) {
  const std::string t(4096, 'x');  // read_pidfile() reads at most 4 KiB
  for (auto _ : st) benchmark::DoNotOptimize(dc::observe::parse_pidfile(t));
}
BENCHMARK(BM_parse_pidfile_garbage);

void BM_signals_in_mask_and_names(benchmark::State& st) {
  auto status = dc::observe::parse_status(in().status);
  uint64_t mask = status ? (status->sig_cgt | status->sig_ign | 0x8000000000000001ULL) : ~0ULL;
  for (auto _ : st) {
    for (int s : dc::signals_in_mask(mask)) benchmark::DoNotOptimize(dc::signal_name(s));
  }
}
BENCHMARK(BM_signals_in_mask_and_names);

}  // namespace

BENCHMARK_MAIN();
