#!/usr/bin/env bash
# Runs libFuzzer targets: each replays its checked-in corpus (fuzz/corpus/<name>/, never written
# here) and what earlier runs found (BUILD/fuzz-work/<name>/corpus/), then fuzzes for SECONDS.
# A crash, leak, sanitizer report, timeout or broken invariant fails the run; the input that caused
# it is left in BUILD/fuzz-work/<name>/artifacts/ (add it to fuzz/corpus/<name>/ with the fix).
#   usage: fuzz/run.sh BUILD SECONDS NAME...
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BUILD SECONDS NAME..." >&2; exit 2; }
build=$(cd "$1" && pwd)
seconds=$2
shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/fuzz/ubsan.supp"
status=0
for name in "$@"; do
  work="$build/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [ -f "$root/fuzz/dict/$name.dict" ] && args+=(-dict="$root/fuzz/dict/$name.dict")
  start=$(date +%s)
  if "$build/fuzz/${name}_fuzzer" "${args[@]}" "$work/corpus" "$root/fuzz/corpus/$name" \
       >"$work/log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
    echo "fuzz $name: clean for $(( $(date +%s) - start )) s, ${runs:-?} runs, ${cov:-cov: ?}"
  else
    echo "fuzz $name: FAILED after $(( $(date +%s) - start )) s (log: $work/log)"
    grep -A40 -m1 -E '^==[0-9]+==ERROR|runtime error|fuzz invariant|^ALARM|Timeout|out-of-memory' \
      "$work/log" || tail -40 "$work/log"
    ls "$work/artifacts"
    status=1
  fi
done
exit $status
