#!/usr/bin/env bash
# Prints the PTB results table (markdown) for the criteria trained under <exp-dir>: epochs,
# validation PPL after epoch 1 and at the end, test PPL of the best model, the median seconds
# per epoch and tokens/s (a median, so that epochs slowed by other work on a shared machine do
# not move it), next to Pytorch-NCE's published numbers (40 epochs; SPEC §6).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "Usage: $0 <exp-dir> <criterion> [<criterion> ...]   e.g. $0 exp ce nce100" >&2; exit 1
fi
exp=$1
shift
reference() {  # criterion -> "test-ppl|valid-ppl-epoch-1" of Pytorch-NCE
  case $1 in
    ce) echo "97.12|215.16" ;; nce10) echo "113.14|265.79" ;; nce100) echo "105.22|251.55" ;;
    nce500) echo "101.51|247.73" ;; *) echo "-|-" ;;
  esac
}
label() {
  if [ "$1" != "${1%-direct}" ]; then echo "$(label "${1%-direct}") + direct features"; return; fi
  case $1 in
    ce) echo "CE (full softmax)" ;; nce*) echo "NCE k=${1#nce}" ;;
    sampled*) echo "sampled softmax k=${1#sampled}" ;; self) echo "self-contrast" ;; *) echo "$1" ;;
  esac
}
median() {  # column <n> of a tsv file with a header line -> its median
  awk -F'\t' -v c="$1" 'NR > 1 { print $c }' "$2" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "| criterion | epochs | valid PPL ep. 1 | valid PPL last | test PPL | s/epoch (median) | tokens/s (median) | Pytorch-NCE test PPL (40 ep.) | Pytorch-NCE valid PPL ep. 1 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in "$@"; do
  tsv=$exp/$c/epochs.tsv
  [ -f "$tsv" ] || { echo "$0: no $tsv (train $c first)" >&2; exit 1; }
  stats=$(awk -F'\t' 'NR > 1 { n++; if (n == 1) v1 = $4; vl = $4 }
    END { if (n == 0) print "0|-|-"; else printf "%d|%s|%s\n", n, v1, vl }' "$tsv")
  IFS='|' read -r n v1 vl <<< "$stats"
  spe=$(median 5 "$tsv")
  tps=$(median 6 "$tsv")
  [ "$spe" = - ] || spe=$(printf '%.1f' "$spe")
  [ "$tps" = - ] || tps=$(printf '%.0f' "$tps")
  test_ppl=$(awk '{ print $2 }' "$exp/$c/test_ppl")
  IFS='|' read -r ref_test ref_v1 <<< "$(reference "$c")"
  echo "| $(label "$c") | $n | $v1 | $vl | ${test_ppl:--} | $spe | $tps | $ref_test | $ref_v1 |"
done
echo
echo "Test PPL is always normalized (full softmax), whatever the training criterion; Pytorch-NCE:"
# exp/data/source: "<dir> train-lines <n> eval-lines <m>" (0 = all).
data="unknown"
if read -r src _ train_lines _ eval_lines < "$exp/data/source" 2>/dev/null; then
  lines() { if [ "$1" = 0 ]; then echo "all"; else echo "the first $1"; fi; }
  data="$src, $(lines "$train_lines") training and $(lines "$eval_lines") valid/test sentences"
fi
echo "2x200 LSTM, 40 epochs. Data: $data."
