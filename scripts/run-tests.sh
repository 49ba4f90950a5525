#!/usr/bin/env bash
# Runs the test tiers and prints one closing line "N passed, N failed".
#
#   scripts/run-tests.sh                  every tier
#   scripts/run-tests.sh unit|integration|integration-asan|e2e|fuzz   one tier
#
# Binaries must already be built (make test does that first).
set -uo pipefail
cd "$(dirname "$0")/.."

tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(unit integration integration-asan e2e fuzz)

passed=0 failed=0
logdir=build/test-logs
mkdir -p "$logdir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

count_node() {  # $1 = log; node's test runner prints "# pass N" / "# fail N" (tap)
  local p f
  p=$(grep -E '^# pass [0-9]+' "$1" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$1" | tail -1 | awk '{print $3}')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

run_node() {  # $1 = tier name, $2 = test dir, rest = env assignments
  local name=$1 dir=$2; shift 2
  local log=$logdir/$name.log
  local files=("$dir"/*.test.mjs)
  [ -e "${files[0]}" ] || { echo "== $name: no tests"; return; }
  echo "== $name (${#files[@]} files)"
  env "$@" node --test --test-reporter=tap --test-concurrency=2 "${files[@]}" >"$log" 2>&1
  local rc=$?
  count_node "$log"
  if [ $rc -ne 0 ]; then
    grep -E '^not ok|^# (pass|fail)' "$log" | head -40
    echo "-- $name failed; full log follows"; cat "$log" | tail -200
    [ "$(grep -cE '^# fail [1-9]' "$log")" -gt 0 ] || failed=$((failed + 1))
  else
    grep -E '^# (tests|pass|fail)' "$log" | tr '\n' ' '; echo
  fi
}

for tier in "${tiers[@]}"; do
  case "$tier" in
    unit)
      for t in build/asan/unit/test_*; do
        [ -x "$t" ] || continue
        log=$logdir/unit-$(basename "$t").log
        "$t" >"$log" 2>&1; rc=$?
        p=$(grep -oE '\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END{print s+0}')
        f=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
        passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
        if [ $rc -ne 0 ]; then
          [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
          echo "== unit $(basename "$t") FAILED"; cat "$log"
        else
          echo "== unit $(basename "$t"): ${p:-0} passed"
        fi
      done ;;
    integration)
      run_node integration tests/integration FORUMD_BIN=build/test/forumd ;;
    integration-asan)
      run_node integration-asan tests/integration FORUMD_BIN=build/asan/forumd FORUMD_ASAN=1 ;;
    e2e)
      run_node e2e tests/e2e FORUMD_BIN=build/test/forumd ;;
    fuzz)
      for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        n=$(basename "$f")
        mkdir -p "build/fuzz/corpus-$n"
        log=$logdir/fuzz-$n.log
        echo "== fuzz $n for ${FUZZ_SMOKE_SECONDS:-60}s"
        if "$f" -max_total_time="${FUZZ_SMOKE_SECONDS:-60}" -max_len=4096 -print_final_stats=1 \
             "build/fuzz/corpus-$n" "tests/fuzz/corpus/$n" >"$log" 2>&1; then
          passed=$((passed + 1)); grep -E 'stat::number_of_executed_units' "$log"
        else
          failed=$((failed + 1)); tail -60 "$log"
        fi
      done ;;
    *) echo "unknown tier $tier" >&2; exit 2 ;;
  esac
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
