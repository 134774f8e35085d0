#!/usr/bin/env bash
# Writes LM training text: the `text` of each Kaldi data dir without its utterance-id column
# (empty transcripts dropped), then each --extra-text file as it is (plain, .gz or .zst).
# Skipped when <out> is newer than all its inputs.

# Begin configuration section.
extra_text=   # space-separated list of text files, one sentence per line
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [--extra-text \"<file> ...\"] <out-text> [<kaldi-data-dir> ...]
 e.g.: $0 --extra-text data/local/lm/fisher.txt exp/data/train.txt data/train_nodev"
. utils/parse_options.sh
set -euo pipefail
if [ $# -lt 1 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
out=$1
shift
inputs=()
for d in "$@"; do
  [ -f "$d/text" ] || { echo "$0: no $d/text" >&2; exit 1; }
  inputs+=("$d/text")
done
# shellcheck disable=SC2086  # extra_text is a list of files
for f in $extra_text; do
  [ -f "$f" ] || { echo "$0: no such file: $f" >&2; exit 1; }
  inputs+=("$f")
done
[ ${#inputs[@]} -gt 0 ] || { echo "$0: no input text" >&2; exit 1; }
if [ -f "$out" ]; then
  stale=false
  for f in "${inputs[@]}"; do [ "$f" -nt "$out" ] && stale=true; done
  if ! $stale; then echo "$0: $out is up to date"; exit 0; fi
fi
mkdir -p "$(dirname "$out")"
{
  for d in "$@"; do
    awk 'NF > 1 { $1 = ""; sub(/^ /, ""); print }' "$d/text"
  done
  # shellcheck disable=SC2086
  [ -z "$extra_text" ] || utils/cat_table.sh $extra_text
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "$0: $out: $(wc -l < "$out") sentences, $(wc -w < "$out") words"
