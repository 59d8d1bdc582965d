#!/usr/bin/env bash
# Whole-run benchmark of daemoncheck: the reference example daemon, a daemon
# that is ready in about 1 ms (the test fixture) and the cases corpus.
#
#   bench/whole_run.sh [-b BUILD_DIR] [-c CHECKER] [-n RUNS] [-s SUITE_RUNS]
#                      [-o OUT_DIR] [--no-hyperfine] [--with-no-pidfile]
#
# -c runs another daemoncheck binary (an older build, say) on this build's
# daemons, so that two checkers can be compared on the same targets.
#
# Measures, median of RUNS (default 20) each:
#   a   the example daemon, full check, probes and 5 race trials (--pidfile)
#   b   the example daemon, full check, --race-trials 0 (--pidfile)
#   c   a daemon ready in ~1 ms: the fixture daemon, full check,
#       --race-trials 0 (--pidfile); the overhead is computed from it
#   a0  / b0: the fixture without a pidfile, with --with-no-pidfile only: the
#       quiet window (--settle-ms, 30 ms) ends its start-up, and the second
#       instance, which starts a second daemon (no lock), is followed for the
#       second-instance bound (500 ms at least)
#   s   the cases corpus (every cases/*/case.json) through
#       `daemoncheck suite --jobs 2`, median of SUITE_RUNS (default 5; 0 skips)
#   d   the target's own start + stop, no checker: run the fixture (it returns
#       once the daemon is ready), SIGTERM the daemon, wait until it has
#       removed its pidfile (it does so just before exiting)
# and daemoncheck's peak RSS (GNU time's "maximum resident set size": the
# largest of daemoncheck and the children it reaped).
#
# Wall time: the script's own loop (bash's EPOCHREALTIME around each run,
# bash's fork+exec included), the same for the checks and the target alone,
# so that c and d are measured the same way. Peak RSS comes from three more
# runs under GNU time. hyperfine's median is printed beside the wall time as
# a cross-check when hyperfine is installed (and not --no-hyperfine); it
# runs after the loop, so on a loaded machine the two can differ widely. The
# per-phase split comes from the scorecard's timings_ms (each run writes
# --json to OUT_DIR). Needs bash, jq, GNU time.
#
# Targets: full check without race trials <= 100 ms wall; checker overhead
# (c - d) <= 5 ms; the race trials (a - b) <= 0.7 x b; the cases corpus
# (s) <= 4 s; peak RSS <= 16 MiB. The script prints PASS/MISS for each
# but always exits 0 when it could measure: on a loaded machine the figures
# are for reading, not for gating.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build-bench"
checker=""
runs=20
suite_runs=5
out=""
use_hyperfine=1
no_pidfile_cases=0
while [ $# -gt 0 ]; do
  case "$1" in
    -b) build=$2; shift 2 ;;
    -c) checker=$2; shift 2 ;;
    -n) runs=$2; shift 2 ;;
    -s) suite_runs=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    --no-hyperfine) use_hyperfine=0; shift ;;
    --with-no-pidfile) no_pidfile_cases=1; shift ;;
    -h|--help) sed -n '2,38p' "$0"; exit 0 ;;
    *) echo "whole_run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# Absolute, as the cases' manifests get it (--set BUILD=...).
build=$(cd "$build" && pwd)
[ -n "$checker" ] || checker="$build/checker/daemoncheck"
fixture="$build/tests/fixtures/fixture_daemon"
example="$build/reference/example-daemon"
for f in "$checker" "$fixture" "$example"; do
  [ -x "$f" ] || { echo "whole_run.sh: $f missing: build first (cmake --build $build)" >&2; exit 3; }
done
command -v jq >/dev/null || { echo "whole_run.sh: needs jq" >&2; exit 3; }
[ -x /usr/bin/time ] || { echo "whole_run.sh: needs GNU time (/usr/bin/time)" >&2; exit 3; }
if [ "$use_hyperfine" = 1 ] && ! command -v hyperfine >/dev/null; then use_hyperfine=0; fi

[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/dc-whole-run-XXXXXX")
mkdir -p "$out"
# The checker's temp folders go to a folder of our own, counted at the end.
export TMPDIR="$out/tmp"
mkdir -p "$TMPDIR" "$out/reports"

# --- helpers -------------------------------------------------------------

median() {  # numbers on stdin -> median
  sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
maxof() { sort -g | tail -1; }
# Microseconds since the epoch, without a fork (bash 5's EPOCHREALTIME).
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }

# Commands of the cases: checker options, then the target.
case_args() {
  case "$1" in
    a)  echo "--pidfile {tmp}/ex.pid -- $example --pidfile {tmp}/ex.pid --log {tmp}/ex.log" ;;
    b)  echo "--race-trials 0 --pidfile {tmp}/ex.pid -- $example --pidfile {tmp}/ex.pid --log {tmp}/ex.log" ;;
    c)  echo "--race-trials 0 --pidfile {tmp}/d.pid -- $fixture --pidfile {tmp}/d.pid" ;;
    a0) echo "-- $fixture" ;;
    b0) echo "--race-trials 0 -- $fixture" ;;
  esac
}

describe() {
  case "$1" in
    a)  echo "example daemon, 5 race trials" ;;
    b)  echo "example daemon, --race-trials 0" ;;
    c)  echo "fixture, ready in ~1 ms, --race-trials 0" ;;
    a0) echo "fixture, 5 race trials, no pidfile" ;;
    b0) echo "fixture, --race-trials 0, no pidfile" ;;
    d)  echo "fixture alone: start + SIGTERM + exit" ;;
    s)  echo "cases corpus: suite --jobs 2 ($(find "$root"/cases -maxdepth 2 -name case.json | wc -l) targets)" ;;
  esac
}

# The target alone: start, stop, wait for the pidfile to go, in the folder
# $1 (made beforehand, so that no fork but the target's is timed). The pid
# is the one its own pidfile names, checked to be the fixture (same inode as
# /proc/PID/exe) before it is signalled.
target_alone() {
  local dir=$1 pid
  "$fixture" --pidfile "$dir/d.pid"
  pid=$(<"$dir/d.pid")
  if [ "/proc/$pid/exe" -ef "$fixture" ]; then
    kill -TERM "$pid"
    while [ -e "$dir/d.pid" ]; do :; done
  fi
}

# Daemons this script started: their command line names our TMPDIR (the
# checker expands {tmp} under it) and their executable is the fixture or the
# example daemon.
ours() {
  local p
  for p in $(pgrep -f -- "$TMPDIR" || true); do
    case "$(readlink "/proc/$p/exe" 2>/dev/null)" in
      "$(readlink -f "$fixture")" | "$(readlink -f "$example")") echo "$p" ;;
    esac
  done
}
finish() {
  local p
  for p in $(ours); do kill -KILL "$p" 2>/dev/null || true; done
}
trap finish EXIT

declare -A wall_ms rss_kb

run_checker_case() {  # case -> per-run wall ms, RSS and phases
  local c=$1 i t0 t1 args
  args=$(case_args "$c")
  : >"$out/$c.wall" ; : >"$out/$c.rss"
  # Timed runs: bash forks and execs daemoncheck itself, as it does the
  # target alone (d), so the two are measured the same way.
  for ((i = 1; i <= runs; i++)); do
    t0=$(now_us)
    # shellcheck disable=SC2086
    "$checker" --quiet --report-dir "$out/reports" --json "$out/$c.run.$i.json" $args \
      </dev/null >/dev/null 2>"$out/$c.err.$i" || true
    t1=$(now_us)
    echo $(( t1 - t0 )) | awk '{printf "%.3f\n", $1/1000}' >>"$out/$c.wall"
  done
  # Peak RSS from three more runs under GNU time.
  for ((i = 1; i <= 3; i++)); do
    # shellcheck disable=SC2086
    /usr/bin/time -f "%M" -o "$out/$c.time.$i" \
      "$checker" --quiet --report-dir "$out/reports" $args </dev/null >/dev/null 2>&1 || true
    tail -1 "$out/$c.time.$i" >>"$out/$c.rss"
  done
}

run_alone_case() {
  local i t0 t1 dir
  : >"$out/d.wall"
  for ((i = 1; i <= runs; i++)); do
    dir=$(mktemp -d "$TMPDIR/alone-XXXXXX")
    t0=$(now_us)
    target_alone "$dir"
    t1=$(now_us)
    rm -rf "$dir"
    echo $(( t1 - t0 )) | awk '{printf "%.3f\n", $1/1000}' >>"$out/d.wall"
  done
}

# The cases corpus through the suite, as cases/README.md runs it: core dumps
# allowed (so core-dumps-disabled fails where the manifests expect it) and
# Debian's python3 first. Wall ms per run; the suite's verdict is kept.
run_suite_case() {
  local i t0 t1
  : >"$out/s.wall"
  for ((i = 1; i <= suite_runs; i++)); do
    t0=$(now_us)
    (ulimit -c unlimited 2>/dev/null || true
     PATH=/usr/bin:$PATH "$checker" suite --jobs 2 --quiet --set "BUILD=$build" \
       --set "BIN:daemonctl=$build/reference/daemonctl" \
       --set "BIN:example-daemon=$build/reference/example-daemon" \
       --report-dir "$out/reports" --json "$out/s.run.$i.json" "$root"/cases/*/case.json \
       </dev/null >/dev/null 2>&1) || true
    t1=$(now_us)
    echo $(( t1 - t0 )) | awk '{printf "%.3f\n", $1/1000}' >>"$out/s.wall"
  done
}

# Median ms of a checker case from hyperfine (-N: no shell in between; -i:
# cases whose verdict is fail exit 1). The target alone is not measured with
# hyperfine: it needs a shell, whose own start would be counted.
hyperfine_median() {
  local c=$1
  hyperfine --runs "$runs" --warmup 2 -N -i --export-json "$out/$c.hyperfine.json" --style none \
    "$checker --quiet --report-dir $out/reports $(case_args "$c")" >/dev/null 2>&1 || { echo nan; return; }
  jq '.results[0].median * 1000' "$out/$c.hyperfine.json"
}

# --- measure -------------------------------------------------------------

echo "daemoncheck whole-run benchmark: $runs runs per case; load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "checker: $checker"
echo "output:  $out"
echo

cases=(a b c)
[ "$no_pidfile_cases" = 1 ] && cases+=(a0 b0)
for c in "${cases[@]}"; do run_checker_case "$c"; done
run_alone_case
[ "$suite_runs" -gt 0 ] && run_suite_case

for c in "${cases[@]}" d; do
  wall_ms[$c]=$(median <"$out/$c.wall")
done
[ "$suite_runs" -gt 0 ] && wall_ms[s]=$(median <"$out/s.wall")
for c in "${cases[@]}"; do rss_kb[$c]=$(maxof <"$out/$c.rss"); done

declare -A hf_ms
if [ "$use_hyperfine" = 1 ]; then
  for c in "${cases[@]}"; do hf_ms[$c]=$(hyperfine_median "$c"); done
fi

# --- report --------------------------------------------------------------

printf '%-4s %-42s %12s %12s %12s\n' case what "median ms" "hyperfine" "peak RSS"
shown=("${cases[@]}" d)
[ "$suite_runs" -gt 0 ] && shown+=(s)
for c in "${shown[@]}"; do
  hf="-"; [ "$use_hyperfine" = 1 ] && [ -n "${hf_ms[$c]:-}" ] && hf=$(printf '%.1f' "${hf_ms[$c]}")
  rss="-"; [ -n "${rss_kb[$c]:-}" ] && rss=$(awk -v k="${rss_kb[$c]}" 'BEGIN {printf "%.1f MiB", k/1024}')
  printf '%-4s %-42s %12.1f %12s %12s\n' "$c" "$(describe "$c")" "${wall_ms[$c]}" "$hf" "$rss"
done
echo

echo "Where the time goes (median of timings_ms over the runs, ms):"
phases="launch settle observe hangup second_instance sighup sigterm race_trials cleanup"
printf '%-4s' case; for p in $phases; do printf ' %9.9s' "$p"; done; printf ' %9s %9s\n' "sum" "duration"
for c in "${cases[@]}"; do
  printf '%-4s' "$c"
  sum=0
  for p in $phases; do
    m=$(for f in "$out/$c".run.*.json; do jq -r --arg p "$p" '.timings_ms[$p] // empty' "$f" 2>/dev/null; done | median)
    printf ' %9.1f' "$m"
    sum=$(awk -v s="$sum" -v m="$m" 'BEGIN {if (m=="nan") m=0; print s+m}')
  done
  dur=$(for f in "$out/$c".run.*.json; do jq -r '.duration_ms // empty' "$f" 2>/dev/null; done | median)
  printf ' %9.1f %9.1f\n' "$sum" "$dur"
done
echo

for c in "${cases[@]}"; do
  verdicts=$(for f in "$out/$c".run.*.json; do jq -r '.summary.verdict // "none"' "$f" 2>/dev/null || echo none; done | sort | uniq -c | tr '\n' ' ')
  echo "verdicts of $c runs: $verdicts"
done
if [ "$suite_runs" -gt 0 ]; then
  suite_ok=$(for f in "$out"/s.run.*.json; do jq -r '"\(.summary.as_expected)/\(.summary.targets)"' "$f" 2>/dev/null || echo none; done | sort | uniq -c | tr '\n' ' ')
  echo "suite runs, targets as expected: $suite_ok"
fi

base=${wall_ms[b]}
alone=${wall_ms[d]}
overhead=$(awk -v c="${wall_ms[c]}" -v d="$alone" 'BEGIN {printf "%.1f", c-d}')
maxrss=$(for c in "${cases[@]}"; do echo "${rss_kb[$c]}"; done | maxof)
check() { awk -v v="$1" -v t="$2" 'BEGIN {print (v<=t) ? "PASS" : "MISS"}'; }
echo "targets:"
printf '  full check without race trials (b) <= 100 ms:  %7.1f ms  %s\n' "$base" "$(check "$base" 100)"
printf '  checker overhead (c - d)           <= 5 ms:    %7.1f ms  %s\n' "$overhead" "$(check "$overhead" 5)"
race=$(awk -v a="${wall_ms[a]}" -v b="$base" 'BEGIN {printf "%.2f", (a-b)/b}')
printf '  race trials ((a - b) / b)          <= 0.7:     %7.2f     %s\n' "$race" "$(check "$race" 0.7)"
if [ "$suite_runs" -gt 0 ]; then
  printf '  cases corpus, --jobs 2 (s)         <= 4000 ms: %7.0f ms  %s\n' "${wall_ms[s]}" "$(check "${wall_ms[s]}" 4000)"
fi
printf '  peak RSS of daemoncheck            <= 16 MiB:  %7.1f MiB %s\n' \
  "$(awk -v k="$maxrss" 'BEGIN {print k/1024}')" "$(check "$maxrss" 16384)"
echo
left_tmp=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 | wc -l)
echo "left behind: $left_tmp entries under TMPDIR, $(ours | wc -w) daemons of this run"
