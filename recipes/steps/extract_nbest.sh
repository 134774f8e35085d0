#!/usr/bin/env bash
# Extracts N-best lists from a Kaldi decode directory into rnnlmrescore.sh archive directories,
# with Kaldi's own binaries (KALDI_ROOT on the PATH via path.sh), as steps/rnnlmrescore.sh does:
#   1. lattice-to-nbest at acoustic scale 1/inv_acwt, alignments dropped (lattice-rmali);
#   2. the old LM cost removed: scores negated, composed with the projected G.fst, best path,
#      negated back (appropriate for lattices that come straight from decoding);
#   3. nbest-to-linear splits the lists into words, graph cost without LM (lmwt.nolm),
#      acoustic cost (acwt), and the graph cost with LM of step 1 (lmwt.withlm);
#   4. words -> words_text through words.txt; lmwt.lmonly = withlm - nolm.
# Output: <dir>/archives.JOB/{words_text,acwt,lmwt.nolm,lmwt.withlm,lmwt.lmonly,ali,words} for
# JOB = 1..num_jobs of the decode dir, <dir>/num_jobs, logs in <dir>/log. Finished archives
# (all files present) are not redone.

# Begin configuration section.
cmd=utils/run_local.sh
nbest_size=50   # N
inv_acwt=10     # LM weight (inverse acoustic scale) for choosing the N best paths
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <lang-dir> <decode-dir> <dir>
 e.g.: $0 --nbest-size 50 data/lang_sw1_tg exp/chain/tdnn/decode_eval2000_sw1_tg exp/nbest
Options (defaults in brackets):
  --cmd <cmd>          job runner [utils/run_local.sh]
  --nbest-size <n>     N [50]
  --inv-acwt <x>       inverse acoustic scale for the N-best extraction [10]"
. utils/parse_options.sh
set -euo pipefail
if [ $# -ne 3 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
lang=$1 decode=$2 dir=$3
for f in "$lang/G.fst" "$lang/words.txt" "$decode/num_jobs" "$decode/lat.1.gz"; do
  [ -f "$f" ] || { echo "$0: no such file: $f" >&2; exit 1; }
done
for tool in lattice-to-nbest lattice-rmali lattice-scale lattice-compose lattice-1best nbest-to-linear fstproject; do
  command -v "$tool" > /dev/null || { echo "$0: $tool not found: set KALDI_ROOT (Kaldi built) and source path.sh" >&2; exit 1; }
done
nj=$(cat "$decode/num_jobs")
acwt=$(awk -v x="$inv_acwt" 'BEGIN { printf "%.10g", 1 / x }')
mkdir -p "$dir/log"
echo "$nj" > "$dir/num_jobs"

done_all=true
for j in $(seq 1 "$nj"); do [ -f "$dir/archives.$j/lmwt.lmonly" ] || done_all=false; done
if $done_all; then
  echo "$0: $dir/archives.* exist, skipping"; exit 0
fi

$cmd JOB=1:"$nj" "$dir/log/lat2nbest.JOB.log" \
  lattice-to-nbest --acoustic-scale="$acwt" --n="$nbest_size" "ark:gunzip -c $decode/lat.JOB.gz|" ark:- \| \
  lattice-rmali ark:- "ark:|gzip -c > $dir/nbest_withlm.JOB.gz"

$cmd JOB=1:"$nj" "$dir/log/remove_lm.JOB.log" \
  gunzip -c "$dir/nbest_withlm.JOB.gz" \| \
  lattice-scale --acoustic-scale=-1 --lm-scale=-1 ark:- ark:- \| \
  lattice-compose ark:- "fstproject --project_output=true $lang/G.fst |" ark:- \| \
  lattice-1best ark:- ark:- \| \
  lattice-scale --acoustic-scale=-1 --lm-scale=-1 ark:- ark:- \| \
  gzip -c \> "$dir/nbest_nolm.JOB.gz"

for j in $(seq 1 "$nj"); do mkdir -p "$dir/archives.$j"; done
$cmd JOB=1:"$nj" "$dir/log/to_linear.JOB.log" \
  nbest-to-linear "ark:gunzip -c $dir/nbest_nolm.JOB.gz|" "ark,t:$dir/archives.JOB/ali" \
    "ark,t:$dir/archives.JOB/words" "ark,t:$dir/archives.JOB/lmwt.nolm" "ark,t:$dir/archives.JOB/acwt" \&\& \
  nbest-to-linear "ark:gunzip -c $dir/nbest_withlm.JOB.gz|" ark:/dev/null ark:/dev/null \
    "ark,t:$dir/archives.JOB/lmwt.withlm" ark:/dev/null

for j in $(seq 1 "$nj"); do
  a=$dir/archives.$j
  # Integer word ids to words (words.txt: "word id").
  awk 'NR == FNR { word[$2] = $1; next }
       { for (i = 2; i <= NF; i++) { if (!($i in word)) { print "unknown word id " $i " in " FILENAME > "/dev/stderr"; exit 1 }; $i = word[$i] }; print }' \
    "$lang/words.txt" "$a/words" > "$a/words_text.tmp"
  mv "$a/words_text.tmp" "$a/words_text"
  # LM-only cost per hypothesis (both tables have the same keys in the same order).
  paste -d' ' "$a/lmwt.nolm" "$a/lmwt.withlm" |
    awk '$1 != $3 { print "key mismatch: " $1 " " $3 > "/dev/stderr"; exit 1 } { print $1, $4 - $2 }' > "$a/lmwt.lmonly.tmp"
  mv "$a/lmwt.lmonly.tmp" "$a/lmwt.lmonly"
done
rm -f "$dir"/nbest_withlm.*.gz "$dir"/nbest_nolm.*.gz
echo "$0: $nj archive directories in $dir ($(cat "$dir"/archives.*/words_text | wc -l) hypotheses)"
