#!/usr/bin/env bash
# Prints the WER lines of an exp directory as Kaldi's RESULTS scripts do: rank-1 and oracle of
# the N-best lists, then the best line of every rescoring sweep (best_wer.sh style,
# `%WER ... exp/rescore_x/wer_<LMWT>_<wip>_rnn<w>`), the parts of a set scored on their own
# (exp/baselines/<part>/, exp/rescore_x/<part>/) after the whole set.
# Usage: utils/results.sh [<exp-dir>]    (default: exp)
set -euo pipefail
if [ $# -gt 1 ]; then echo "Usage: $0 [<exp-dir>]" >&2; exit 1; fi
exp=${1:-exp}
[ -d "$exp" ] || { echo "$0: no such directory: $exp" >&2; exit 1; }
for f in "$exp"/baselines/wer_rank1 "$exp"/baselines/wer_oracle "$exp"/baselines/*/wer_rank1 \
  "$exp"/baselines/*/wer_oracle; do
  [ ! -f "$f" ] || echo "$(awk 'NR == 1' "$f") $f"
done
for f in "$exp"/rescore_*/best_wer "$exp"/rescore_*/*/best_wer; do
  [ ! -f "$f" ] || cat "$f"
done
