#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Tests/Fuzz (every folder with a main.swift) and runs each
# for a bounded time; exits non-zero on any finding, printing the path of the input that
# caused it. A finding is a crash, a sanitizer report, an input taking over 10 s, or memory
# over 2 GiB.
#
#   Tests/Fuzz/run.sh [SECONDS_PER_HARNESS] [HARNESS...]     (default: 60 s, all harnesses)
#
# Each harness starts from its committed seeds (Tests/Fuzz/NAME/corpus, never written) and
# keeps what it learns in .build-fuzz/corpus/NAME; findings go to .build-fuzz/findings/NAME.
# Replay one: .build-fuzz/release/fuzz-NAME FILE. Set LOSSKIT_BUILD_LOCK to a lock file to
# build under `flock` (shared machines).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  harnesses=()
  for main in Tests/Fuzz/*/main.swift; do harnesses+=("$(basename "$(dirname "$main")")"); done
fi
scratch=.build-fuzz
build=(env LOSSKIT_FUZZ=1 swift build -c release --scratch-path "$scratch"
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
lock=()
if [ -n "${LOSSKIT_BUILD_LOCK:-}" ]; then lock=(flock "$LOSSKIT_BUILD_LOCK"); fi

mkdir -p "$scratch"
for name in "${harnesses[@]}"; do
  echo "--- building fuzz-$name"
  log="$scratch/build-$name.log"
  if ! "${lock[@]}" "${build[@]}" --product "fuzz-$name" >"$log" 2>&1; then
    grep -v "Cannot export local symbol" "$log" | tail -40
    echo "building fuzz-$name failed; full log: $log"
    exit 1
  fi
  grep -E "error:|warning:|Build of" "$log" | grep -v "Cannot export local symbol" || true
done
bin=$("${build[@]}" --show-bin-path)

failed=0
for name in "${harnesses[@]}"; do
  corpus="$scratch/corpus/$name"
  findings="$scratch/findings/$name"
  mkdir -p "$corpus" "$findings"
  echo "--- fuzz-$name for ${seconds}s"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$findings/")
  if [ -f "Tests/Fuzz/$name/dictionary" ]; then args+=(-dict="Tests/Fuzz/$name/dictionary"); fi
  log="$scratch/fuzz-$name.log"
  # Swift's own backtracer would run under AddressSanitizer and muddle the report.
  if SWIFT_BACKTRACE=enable=no "$bin/fuzz-$name" "${args[@]}" "$corpus" "Tests/Fuzz/$name/corpus" \
    >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$log" | tr '\n' ' '
    echo
  else
    failed=1
    grep -E "ERROR|SUMMARY|Fatal error|fuzz property|==[0-9]+==" "$log" | head -20 \
      || tail -5 "$log"
    sed -n 's/.*Test unit written to \(.*\)$/crashing input: \1/p' "$log"
    echo "fuzz-$name found a problem; full log: $log"
  fi
done
exit "$failed"
