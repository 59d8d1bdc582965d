#!/usr/bin/env bash
# Verdicts do not depend on load (rules.md v2): the cases corpus and the
# reference checks, run through `daemoncheck suite` while four busy loops
# keep the machine's CPUs oversubscribed, must give every status their
# manifests (the idle expectations) list. The shell runs with `ulimit -c 0`,
# as most CI runners do: the launch, not the caller, decides the core limit.
# The busy loops are this script's own children and are always killed.
#   load_test.sh --checker D --build B --source S [--bin NAME=PATH]... [--loops N]
set -u
checker= build= source= loops=4
sets=()
while [ $# -gt 0 ]; do
  case $1 in
    --checker) checker=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --bin) sets+=("--set=BIN:$2"); shift 2 ;;
    --loops) loops=$2; shift 2 ;;
    *) echo "load_test.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$checker" ] && [ -n "$build" ] && [ -n "$source" ] || {
  echo "load_test.sh: --checker, --build and --source are required" >&2
  exit 2
}

busy=()
stop_loops() {
  [ ${#busy[@]} -gt 0 ] && kill "${busy[@]}" 2>/dev/null
  for p in "${busy[@]}"; do wait "$p" 2>/dev/null; done
  busy=()
}
trap stop_loops EXIT
trap 'stop_loops; exit 130' INT TERM
for _ in $(seq "$loops"); do
  bash -c 'while :; do :; done' &
  busy+=($!)
done
echo "load test: $loops busy loops on $(nproc) CPUs: ${busy[*]}"

ulimit -S -c 0
reports=$build/scorecards-load
start=$(date +%s)
"$checker" suite --jobs 2 --report-dir "$reports" "--set=BUILD=$build" "${sets[@]}" \
  "$source"/cases/*/case.json "$source"/tests/load/reference.json
status=$?
echo "load test: suite exit $status in $(($(date +%s) - start)) s"
stop_loops
[ $status -eq 0 ] && echo "load test: OK"
exit $status
