#!/usr/bin/env bash
# Prints the Switchboard results (markdown) from <exp-dir>: rank-1 and oracle WER of the N-best
# lists, and each rescoring's best WER with its weights, next to Pytorch-NCE's WERs and speeds;
# then the same rows for each part of the set scored on its own (exp/baselines/<part>/).
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
rows() {  # <part: "" for the whole set, "/<name>" for a part>
  local part=$1 tag=${1:+ (${1#/})} first_pass="19.4 (3-gram)" s name label ref
  [ -z "$part" ] || first_pass=
  echo "| rank-1 of the N-best$tag | $(wer "$exp/baselines$part/wer_rank1") | as decoded | | $first_pass |"
  echo "| oracle of the N-best$tag | $(wer "$exp/baselines$part/wer_oracle") | | | |"
  for s in ce:"CE, normalized":"13.1-13.3" nce:"NCE, normalized":"13.4" nce_unnorm:"NCE, unnormalized":"13.4"; do
    IFS=: read -r name label ref <<< "$s"
    [ -f "$exp/rescore_$name$part/best_wer" ] || continue
    [ -z "$part" ] || ref=
    echo "| $label$tag | $(wer "$exp/rescore_$name$part/best_wer") | $(weights "$exp/rescore_$name$part/best_wer") | $(speed "$exp/${name%_unnorm}/epochs.tsv") | $ref |"
  done
}
rows ""
for d in "$exp"/baselines/*/; do
  if [ -f "$d/wer_rank1" ]; then rows "/$(basename "$d")"; fi
done
echo
echo "Pytorch-NCE: Switchboard+Fisher (22.4M words, V about 30K), 1x300 LSTM, k=500, 50-best;"
echo "GTX 1080 Ti speeds CE 56K, NCE 187K tokens/s. Our weights are tuned on the scored set."
