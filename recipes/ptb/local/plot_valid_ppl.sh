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
n=0
for c in "$@"; do
  tsv=$exp/$c/epochs.tsv
  [ -f "$tsv" ] || { echo "$0: no $tsv" >&2; exit 1; }
  n=$((n + 1))
  plots+=("'$tsv' using 1:4 with linespoints linestyle $n title '$c'")
done
joined=$(IFS=,; echo "${plots[*]}")
epochs=$(for c in "$@"; do tail -n +2 "$exp/$c/epochs.tsv"; done | awk -F'\t' '$1 > m { m = $1 } END { print m + 0 }')
[ "$epochs" -ge 1 ] || { echo "$0: no epochs in $exp/*/epochs.tsv" >&2; exit 1; }
step=1
[ "$epochs" -le 20 ] || step=5
# The y range hugs the data (10 below the best, 10 above the worst finite value).
read -r ymin ymax < <(for c in "$@"; do tail -n +2 "$exp/$c/epochs.tsv"; done |
  awk -F'\t' '$4 ~ /^[0-9.]+$/ { if (min == "" || $4 < min) min = $4; if ($4 > max) max = $4 }
    END { printf "%d %d\n", (min > 20 ? int(min / 10) * 10 - 10 : 10), int(max / 10) * 10 + 20 }')
gnuplot <<GNUPLOT
set terminal png size 1000,700
set output '$png'
set title 'PTB: validation perplexity per epoch'
set xlabel 'epoch'
set ylabel 'validation PPL'
# A log axis keeps the first epochs (PPL 200-300) and the last (near 100) readable; labels every
# 10 below 200 so that curves a few points apart can be told apart.
set logscale y
set yrange [$ymin:$ymax]
set ytics (60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 225, 250, 275, 300, 350, 400, 500, 600, 800, 1000)
set mytics 1
# Okabe-Ito colours (distinguishable with colour-blindness) with distinct point types and dashes.
set style line 1 linecolor rgb '#000000' linewidth 2 pointtype 7 dashtype 1
set style line 2 linecolor rgb '#E69F00' linewidth 2 pointtype 5 dashtype 1
set style line 3 linecolor rgb '#56B4E9' linewidth 2 pointtype 9 dashtype 2
set style line 4 linecolor rgb '#009E73' linewidth 2 pointtype 11 dashtype 1
set style line 5 linecolor rgb '#D55E00' linewidth 2 pointtype 13 dashtype 3
set style line 6 linecolor rgb '#0072B2' linewidth 2 pointtype 4 dashtype 1
set style line 7 linecolor rgb '#CC79A7' linewidth 2 pointtype 6 dashtype 2
set style line 8 linecolor rgb '#999999' linewidth 2 pointtype 8 dashtype 3
set xrange [0.5:$epochs.5]
set xtics $step
set key top right
set grid
set datafile separator "\t"
set key autotitle columnhead
plot $joined
GNUPLOT
echo "$0: wrote $png"
