#!/usr/bin/env bash
# WERs that bound N-best rescoring: the rank-1 hypotheses (what the recognizer output) and the
# oracle (per utterance the hypothesis with the fewest errors against the reference, ties to the
# better rank), both scored by compute-wer (Kaldi's alignment rule).
#
# Writes <dir>/text.rank1, <dir>/text.oracle (Kaldi text) and <dir>/wer_rank1, <dir>/wer_oracle
# (compute-wer's three lines). The oracle's per-hypothesis error counts come from
# `compute-wer --details` on every hypothesis against its utterance's reference.
# Utterances of the reference without an N-best list count as empty hypotheses (all deletions).
# With --hyp-filter (and --ref-filter) the hypotheses and the reference are scored after these
# commands, as rescore_nbest.sh's sweep scores them (the oracle is chosen on the filtered words;
# text.rank1 and text.oracle stay unfiltered).

# Begin configuration section.
cmd=utils/run_local.sh
hyp_filter=   # command run on the hypotheses (`utt-id words` lines) before scoring
ref_filter=   # command run on the reference; empty: the --hyp-filter command
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <ref-text> <dir> <nbest-dir> [<nbest-dir> ...]
 e.g.: $0 data/nbest/text exp/baselines data/nbest/archives.1
Options:
  --cmd <cmd>          job runner (default: utils/run_local.sh)
  --hyp-filter <cmd>   line-wise filter of the hypotheses before scoring (default: none)
  --ref-filter <cmd>   filter of the reference (default: the --hyp-filter command)
The N-best directories are Kaldi rnnlmrescore.sh archives (words_text, plain/.gz/.zst)."
. utils/parse_options.sh
set -euo pipefail

if [ $# -lt 3 ]; then
  printf '%s\n' "$help_message" >&2; exit 1
fi
ref=$1 dir=$2
shift 2
[ -f "$ref" ] || { echo "$0: no such file: $ref" >&2; exit 1; }
for d in "$@"; do
  utils/cat_table.sh "$d/words_text" > /dev/null || exit 1
done
mkdir -p "$dir/log"

utils/cat_table.sh "${@/%//words_text}" > "$dir/hyps.all"
# What is scored: the filtered hypotheses and reference (a filter keeps keys and line count).
filtered() {  # <command> <in> <out>
  sh -c "$1" < "$2" > "$3" || { echo "$0: filter '$1' failed on $2" >&2; exit 1; }
  cmp -s <(awk '{ print $1 }' "$2") <(awk '{ print $1 }' "$3") ||
    { echo "$0: filter '$1' changed the keys or lines of $2" >&2; exit 1; }
}
[ -n "$ref_filter" ] || ref_filter=$hyp_filter
if [ -n "$hyp_filter" ]; then filtered "$hyp_filter" "$dir/hyps.all" "$dir/hyps.scored"
else cp "$dir/hyps.all" "$dir/hyps.scored"; fi
if [ -n "$ref_filter" ]; then filtered "$ref_filter" "$ref" "$dir/ref.scored"
else cp "$ref" "$dir/ref.scored"; fi
# rank-1: keys <utt-id>-1.
awk '$1 ~ /-1$/ { sub(/-1$/, "", $1); print }' "$dir/hyps.all" > "$dir/text.rank1"
# Every hypothesis against its utterance's reference, keyed <utt-id>-<rank>.
awk 'NR == FNR { line = $0; sub(/^[^ \t]+[ \t]*/, "", line); ref[$1] = line; next }
     { utt = $1; sub(/-[0-9]+$/, "", utt); if (utt in ref) print $1, ref[utt] }' \
  "$dir/ref.scored" "$dir/hyps.scored" > "$dir/ref.expanded"

$cmd "$dir/log/oracle_details.log" \
  compute-wer --mode=present --details "$dir/details" "$dir/ref.expanded" "$dir/hyps.scored"
# per_utt lines `<key> #csid C S I D`: keep per utterance the first hypothesis with the fewest
# errors (the list is in rank order).
awk '$2 == "#csid" { key = $1; utt = key; sub(/-[0-9]+$/, "", utt); rank = key; sub(/^.*-/, "", rank)
       e = $4 + $5 + $6
       if (!(utt in best) || e < best[utt] || (e == best[utt] && rank + 0 < bestrank[utt])) {
         best[utt] = e; bestrank[utt] = rank + 0; bestkey[utt] = key } }
     END { for (u in bestkey) print bestkey[u] }' "$dir/details/per_utt" > "$dir/oracle.keys"
awk 'NR == FNR { keep[$1] = 1; next } ($1 in keep) { sub(/-[0-9]+$/, "", $1); print }' \
  "$dir/oracle.keys" "$dir/hyps.all" > "$dir/text.oracle"

# The scored words of each selection (the filtered lines of its keys).
awk '$1 ~ /-1$/ { print $1 }' "$dir/hyps.scored" > "$dir/rank1.keys"
for name in rank1 oracle; do
  awk 'NR == FNR { keep[$1] = 1; next } ($1 in keep) { sub(/-[0-9]+$/, "", $1); print }' \
    "$dir/$name.keys" "$dir/hyps.scored" > "$dir/scored.$name"
  $cmd "$dir/log/wer_$name.log" compute-wer --mode=all "$dir/ref.scored" "$dir/scored.$name" \> "$dir/wer_$name"
done
rm -f "$dir/hyps.all" "$dir/hyps.scored" "$dir/ref.expanded" "$dir/ref.scored" "$dir/rank1.keys" \
  "$dir/scored.rank1" "$dir/scored.oracle"
echo "$0: $(head -n 1 "$dir/wer_rank1") rank-1"
echo "$0: $(head -n 1 "$dir/wer_oracle") oracle"
