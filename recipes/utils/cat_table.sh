#!/usr/bin/env bash
# Prints a text file that may be stored plain, gzip- or zstd-compressed: for each argument
# FILE, the first of FILE, FILE.gz, FILE.zst that exists (FILE may also name a .gz/.zst file).
# Usage: utils/cat_table.sh <file> [<file> ...]    e.g. utils/cat_table.sh data/nbest/archives.1/words_text
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "Usage: $0 <file> [<file> ...]" >&2; exit 1
fi
for f in "$@"; do
  if [ -f "$f" ]; then path=$f
  elif [ -f "$f.gz" ]; then path=$f.gz
  elif [ -f "$f.zst" ]; then path=$f.zst
  else echo "$0: no such file: $f (nor $f.gz, $f.zst)" >&2; exit 1
  fi
  case "$path" in
    *.gz) gzip -dc "$path" ;;
    *.zst) zstd -qdc "$path" ;;
    *) cat "$path" ;;
  esac
done
