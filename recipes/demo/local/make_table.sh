#!/usr/bin/env bash
# Prints the demo's results table (markdown) from an exp directory written by run.sh:
# rank-1 and oracle WER, the 3-gram with tuned weights, and each RNN rescoring with the weights
# the sweep chose, the model's validation perplexity and the time each step took.

# Begin configuration section.
total_seconds=   # wall time of the whole run, printed under the table; empty: not printed
# End configuration section.

help_message="Usage: $0 [--total-seconds <s>] <exp-dir>   e.g. $0 exp > exp/results.md"
. utils/parse_options.sh
set -euo pipefail
if [ $# -ne 1 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
exp=$1
for f in "$exp/baselines/wer_rank1" "$exp/baselines/wer_oracle"; do
  [ -f "$f" ] || { echo "$0: no such file: $f (run stage 1)" >&2; exit 1; }
done

# Elapsed seconds recorded at the end of a job log ("... elapsed time N seconds"); the maximum
# over several logs (parallel jobs).
elapsed() {
  local f max=0 s
  for f in "$@"; do
    [ -f "$f" ] || continue
    s=$(sed -n 's/^# Ended (code 0) at .*, elapsed time \([0-9]*\) seconds$/\1/p' "$f")
    [ -z "$s" ] || [ "$s" -le "$max" ] || max=$s
  done
  echo "$max"
}
# "%WER 33.12 [ 716 / 2162, 10 ins, ... ] exp/x/wer_12_0.5_rnn0.75" -> "33.12|0.75|12|0.5"
parse_wer() {
  awk '{ name = $NF; sub(/^.*\//, "", name); n = split(name, p, "_")
         w = p[n]; sub(/^rnn/, "", w); print $2 "|" w "|" p[2] "|" p[3] }'
}
row() { printf '| %-31s | %6s | %-24s | %-15s | %-24s |\n' "$@"; }

row "system" "WER %" "weights (rnn, LMWT, wip)" "model valid PPL" "time"
echo "|---------------------------------|-------:|--------------------------|-----------------|--------------------------|"
row "recognizer rank-1 (3-gram)" "$(awk 'NR == 1 { print $2 }' "$exp/baselines/wer_rank1")" "as decoded" "" ""
row "oracle of the 50-best" "$(awk 'NR == 1 { print $2 }' "$exp/baselines/wer_oracle")" "" "" ""
if [ -f "$exp/rescore_ce/wer_sweep" ]; then
  # Points with RNN weight 0: the recognizer's own scores with tuned LM weight and penalty;
  # the first best in grid order.
  best3=$(grep '^%WER .*_rnn0$' "$exp/rescore_ce/wer_sweep" | sort -s -n -k4,4 | awk 'NR == 1' | parse_wer)
  IFS='|' read -r w _ l p <<< "$best3"
  row "3-gram, tuned LMWT and wip" "$w" "0, $l, $p" "" ""
fi
for system in ce:"CE, normalized" nce:"NCE, normalized" nce_unnorm:"NCE, unnormalized"; do
  name=${system%%:*} label=${system#*:} model=${name%_unnorm}
  [ -f "$exp/rescore_$name/best_wer" ] || continue
  IFS='|' read -r w rw l p < <(parse_wer < "$exp/rescore_$name/best_wer")
  ppl=$(awk -F'\t' 'NR > 1 && $4 != "-" { v = $4 } END { print (v == "" ? "-" : v) }' "$exp/$model/epochs.tsv")
  train=$(elapsed "$exp/$model/log/train.log")
  score=$(( $(elapsed "$exp/rescore_$name"/log/score.*.log) + $(elapsed "$exp/rescore_$name/log/sweep.log") ))
  row "$label" "$w" "$rw, $l, $p" "$ppl" "train ${train}s, rescore ${score}s"
done
if [ -f "$exp/rescore_lattice_nce_unnorm/best_wer" ]; then
  # The 30 utterances with bundled lattices: the lattice oracle, 50-best and lattice rescoring.
  row "lattices (30 utt.): oracle" "$(awk 'NR == 1 { print $2 }' "$exp/rescore_lattice_nce_unnorm/oracle_wer")" "" "" ""
  for system in rescore_nce_unnorm_30:"NCE, unnorm., 50-best (30 utt.)" \
    rescore_lattice_nce_unnorm:"NCE, unnorm., lattice (30 utt.)"; do
    name=${system%%:*} label=${system#*:}
    [ -f "$exp/$name/best_wer" ] || continue
    IFS='|' read -r w rw l p < <(parse_wer < "$exp/$name/best_wer")
    score=0
    for f in "$exp/$name"/log/*.log; do score=$((score + $(elapsed "$f"))); done
    row "$label" "$w" "$rw, $l, $p" "" "rescore ${score}s"
  done
fi
echo
echo "WER on nbest-dev (150 utterances, 2,162 words); weights tuned on the same utterances."
if [ -f "$exp/log/build.log" ]; then echo "Build: $(elapsed "$exp/log/build.log") s."; fi
if [ -n "$total_seconds" ]; then echo "Total time of this run: $total_seconds s."; fi
