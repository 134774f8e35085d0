#!/usr/bin/env bash
# Puts train.txt, valid.txt and test.txt of a PTB directory (plain or .zst) into <out-dir>:
# symbolic links to the originals, or their first lines with --train-lines / --eval-lines.
# <out-dir>/source records where the data came from; an unchanged source is not redone.

# Begin configuration section.
train_lines=0   # >0: the first N lines of train.txt
eval_lines=0    # >0: the first N lines of valid.txt and test.txt
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [--train-lines N] [--eval-lines N] <ptb-dir> <out-dir>
 e.g.: $0 --train-lines 2000 ../shared/data/ptb exp/data"
. utils/parse_options.sh
set -euo pipefail
if [ $# -ne 2 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
src=$1 out=$2
source_line="$src train-lines $train_lines eval-lines $eval_lines"
if [ -f "$out/source" ] && [ "$(cat "$out/source")" = "$source_line" ]; then
  echo "$0: $out is up to date"; exit 0
fi
mkdir -p "$out"
rm -f "$out/source"
for name in train valid test; do
  if [ -f "$src/$name.txt" ]; then f=$src/$name.txt
  elif [ -f "$src/$name.txt.zst" ]; then f=$src/$name.txt.zst
  else echo "$0: no $name.txt(.zst) in $src" >&2; exit 1
  fi
  lines=$eval_lines
  [ "$name" != train ] || lines=$train_lines
  rm -f "$out/$name.txt"
  if [ "$lines" -gt 0 ]; then
    utils/cat_table.sh "$f" | awk -v n="$lines" 'NR <= n' > "$out/$name.txt"  # reads all: no SIGPIPE
  elif [[ "$f" == *.zst ]]; then
    zstd -qdc "$f" > "$out/$name.txt"
  else
    ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$out/$name.txt"
  fi
done
echo "$source_line" > "$out/source"
wc -lw "$out"/*.txt | sed "s|^|$0: |"
