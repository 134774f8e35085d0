#!/usr/bin/env bash
# Prints the Switchboard results (markdown) from <exp-dir>: rank-1 and oracle WER of the N-best
# lists, and each rescoring's best WER with its weights, next to Pytorch-NCE's WERs and speeds.
set -euo pipefail
if [ $# -ne 1 ]; then echo "Usage: $0 <exp-dir>   e.g. $0 exp > exp/results.md" >&2; exit 1; fi
exp=$1
wer() { awk 'NR == 1 { print $2 }' "$1"; }
# best_wer line "... <dir>/wer_<LMWT>_<wip>_rnn<w>" -> "<w>, <LMWT>, <wip>"
weights() { awk '{ n = split($NF, p, "_"); w = p[n]; sub(/^rnn/, "", w); print w ", " p[n - 2] ", " p[n - 1] }' "$1"; }
speed() {  # mean tokens/s of a model's epochs
  awk -F'\t' 'NR > 1 { t += $6; n++ } END { if (n) printf "%d", t / n; else print "-" }' "$1"
}
echo "| system | WER % | weights (rnn, LMWT, wip) | training tokens/s | Pytorch-NCE WER % |"
echo "|---|---:|---|---:|---:|"
echo "| rank-1 of the N-best | $(wer "$exp/baselines/wer_rank1") | as decoded | | 19.4 (3-gram) |"
echo "| oracle of the N-best | $(wer "$exp/baselines/wer_oracle") | | | |"
for s in ce:"CE, normalized":"13.1-13.3" nce:"NCE, normalized":"13.4" nce_unnorm:"NCE, unnormalized":"13.4"; do
  IFS=: read -r name label ref <<< "$s"
  [ -f "$exp/rescore_$name/best_wer" ] || continue
  echo "| $label | $(wer "$exp/rescore_$name/best_wer") | $(weights "$exp/rescore_$name/best_wer") | $(speed "$exp/${name%_unnorm}/epochs.tsv") | $ref |"
done
echo
echo "Pytorch-NCE: Switchboard+Fisher (22.4M words, V about 30K), 1x300 LSTM, k=500, 50-best;"
echo "GTX 1080 Ti speeds CE 56K, NCE 187K tokens/s. Our weights are tuned on the scored set."
