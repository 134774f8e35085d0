#!/usr/bin/env bash
# Forgets the part directories of an earlier run: removes each <dir>/<name> that <dir>/.parts
# lists (written by the previous call) and <names> does not, then records <names>. Parts scored
# by an earlier run with other --subsets would otherwise pass for results of this one.
# Usage: utils/replace_parts.sh <dir> [<name> ...]
set -euo pipefail
if [ $# -lt 1 ]; then echo "Usage: $0 <dir> [<name> ...]" >&2; exit 1; fi
dir=$1
shift
for name in "$@"; do
  if ! [[ "$name" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || [ "$name" = log ] || [ "$name" = split ]; then
    echo "$0: '$name' cannot name a part (letters, digits, _ . -; not log or split)" >&2
    exit 1
  fi
done
mkdir -p "$dir"
if [ -f "$dir/.parts" ]; then
  while read -r old; do
    keep=false
    for name in "$@"; do [ "$name" != "$old" ] || keep=true; done
    $keep || [ -z "$old" ] || rm -rf "${dir:?}/$old"
  done < "$dir/.parts"
fi
printf '%s\n' "$@" > "$dir/.parts"
