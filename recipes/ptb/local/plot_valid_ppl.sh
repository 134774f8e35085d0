#!/usr/bin/env bash
# Draws validation perplexity per epoch, one line per criterion, into a PNG with gnuplot
# (tools/install-deps.sh installs gnuplot-nox) from <exp-dir>/<criterion>/epochs.tsv.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "Usage: $0 <out.png> <exp-dir> <criterion> [<criterion> ...]   e.g. $0 exp/valid_ppl.png exp ce nce100" >&2
  exit 1
fi
png=$1 exp=$2
shift 2
command -v gnuplot > /dev/null || { echo "$0: gnuplot not found (run tools/install-deps.sh)" >&2; exit 1; }
plots=()
for c in "$@"; do
  tsv=$exp/$c/epochs.tsv
  [ -f "$tsv" ] || { echo "$0: no $tsv" >&2; exit 1; }
  plots+=("'$tsv' using 1:4 with linespoints title '$c'")
done
joined=$(IFS=,; echo "${plots[*]}")
epochs=$(for c in "$@"; do tail -n +2 "$exp/$c/epochs.tsv"; done | awk -F'\t' '$1 > m { m = $1 } END { print m + 0 }')
[ "$epochs" -ge 1 ] || { echo "$0: no epochs in $exp/*/epochs.tsv" >&2; exit 1; }
step=1
[ "$epochs" -le 20 ] || step=5
gnuplot <<GNUPLOT
set terminal png size 900,600
set output '$png'
set title 'PTB: validation perplexity per epoch'
set xlabel 'epoch'
set ylabel 'validation PPL'
set logscale y
set xrange [0.5:$epochs.5]
set xtics $step
set key top right
set grid
set datafile separator "\t"
set key autotitle columnhead
plot $joined
GNUPLOT
echo "$0: wrote $png"
