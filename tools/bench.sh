#!/usr/bin/env bash
# Headline benchmark table of NCERescore.
#
# Builds the benchmark sub-package (tools/benchmarks) in release mode, prints the machine it
# runs on, then runs each benchmark binary; every binary prints its own markdown table on
# stdout. Build output goes to stderr.
#
# Usage: tools/bench.sh [bench-name ...]
#   e.g. tools/bench.sh               # bench-core bench-train bench-rescore bench-wer
#        tools/bench.sh bench-core    # just the numeric core
# Environment: OPENBLAS_CORETYPE (default Haswell) selects the OpenBLAS kernels.
set -euo pipefail

all_benchmarks=(bench-core bench-train bench-rescore bench-wer)

if [ $# -gt 0 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; }; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

benchmarks=("$@")
if [ ${#benchmarks[@]} -eq 0 ]; then
  benchmarks=("${all_benchmarks[@]}")
fi
for name in "${benchmarks[@]}"; do
  case " ${all_benchmarks[*]} " in
    *" $name "*) ;;
    *) echo "$0: unknown benchmark '$name' (known: ${all_benchmarks[*]})" >&2; exit 64 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
package="$root/tools/benchmarks"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}

echo "$0: building $package (release)" >&2
swift build -c release --package-path "$package" >&2
bin=$(swift build -c release --package-path "$package" --show-bin-path)

model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
echo "## NCERescore benchmarks"
echo
echo "- CPU: ${model:-unknown} ($(nproc) cores available, $(getconf _NPROCESSORS_ONLN) online)"
echo "- OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
echo "- $(swift --version 2>/dev/null | head -n 1)"
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo

failed=0
for name in "${benchmarks[@]}"; do
  if [ ! -x "$bin/$name" ]; then
    echo "$0: $name: no binary in $bin, skipped" >&2
    continue
  fi
  # Training runs with both cores (data-parallel workers) and with one.
  runs=("")
  [ "$name" = bench-train ] && runs=("--threads 2" "--threads 1")
  for args in "${runs[@]}"; do
    # shellcheck disable=SC2086 # $args is a word list
    if ! output=$("$bin/$name" $args); then
      echo "$0: $name $args failed" >&2
      failed=1
      continue
    fi
    printf '%s\n\n' "$output"
  done
done
exit $failed
