#!/usr/bin/env bash
# Lattice rescoring with an RNN LM (rescore-lattice), split into jobs, then a weight sweep.
#
# <lattices> is either a Kaldi decode directory holding lat.1.gz .. lat.N.gz (read with Kaldi's
# lattice-copy, so KALDI_ROOT must be set; one job per lat.JOB.gz, --nj is ignored) or a Kaldi
# text archive of lattices (plain, .gz or .zst; what `lattice-copy ark:- ark,t:-` prints), split
# by utterance into --nj parts.
# 1. With --ref: $cmd JOB=1:nj runs the whole sweep on part JOB (<dir>/split/JOB); the parts'
#    counts are summed per setting into <dir>/wer_sweep (one %WER line per setting, the best
#    last, the first in grid order among equals) and <dir>/best_wer; <dir>/best_weights holds
#    the chosen (rnn weight, LMWT, wip).
# 2. $cmd JOB=1:nj rescores every part under that one setting (or the given one without --ref):
#    <dir>/text holds the 1-best of every utterance; with --write-lattices true the rescored
#    lattices go to <dir>/lat.JOB.gz (Kaldi binary via lattice-copy when KALDI_ROOT is set) or
#    <dir>/lat.JOB.txt.gz (text form).
# With --oracle true, step 1 also sums the lattice oracle (lattice-oracle's rule) into
# <dir>/oracle_wer.

# Begin configuration section.
cmd=utils/run_local.sh
nj=1                 # jobs for a text archive (a decode directory has its own split)
threads=1            # cores per job
normalized=true      # true: exact log-softmax; false: s(w,h) - lnZ (NCE models), no softmax
ref=                 # Kaldi text of references; empty: no sweep, every grid must be one value
rnn_weights=0:0.25:1 # RNN interpolation weights (GRID)
lm_weights=7:17      # LM weights (inverse acoustic scales)
wip=0,0.5,1          # word insertion penalties
max_ngram_order=4    # history merging: the last N-1 words
merge_rnn_weight=    # one rescoring per lattice, merged under this RNN weight; empty: one per RNN weight
unk_penalty=         # nats per OOV word; empty: rescore-lattice's default
word_map=            # lattice word -> LM tokens ("<word> <tokens...>"); texts and WER in tokens
old_lm=              # ARPA model of the decoder: its costs are the old LM costs removed
beam=8               # --lattice-compose-beam (pruned expansion, as Kaldi's lmrescore_pruned.sh); empty: none
oracle=false         # also the lattice oracle WER (needs --ref)
write_lattices=false # also the rescored lattices of the chosen setting
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <model> <words.txt> <lattices> <dir>
 e.g.: $0 --nj 2 --ref data/lattices/text --normalized false exp/nce/final.mdl data/lattices/words.txt data/lattices/lat.txt.gz exp/rescore_lat
Options (defaults in brackets):
  --cmd <cmd>              job runner [utils/run_local.sh]
  --nj <n>                 jobs for a text archive [1]
  --threads <n>            cores per job [1]
  --normalized <bool>      true: log-softmax; false: unnormalized s(w,h) - lnZ [true]
  --ref <text>             references; enables the sweep [none]
  --rnn-weights <grid>     [0:0.25:1]
  --lm-weights <grid>      [7:17]
  --wip <grid>             [0,0.5,1]
  --max-ngram-order <n>    [4]
  --merge-rnn-weight <w>   rescore once, merging under w, for every RNN weight [one rescoring per weight]
  --unk-penalty <nats>     OOV cost per word [rescore-lattice's default]
  --word-map <file>        lattice words -> LM tokens, e.g. ptbtok.map [none]
  --old-lm <arpa>          the decoder's n-gram LM: old LM costs recomputed from it [the lattices' own]
  --beam <b>               pruned expansion (--lattice-compose-beam); empty: exact [8]
  --oracle <bool>          lattice oracle WER into <dir>/oracle_wer [false]
  --write-lattices <bool>  rescored lattices of the chosen setting [false]"
. utils/parse_options.sh
set -euo pipefail

if [ $# -ne 4 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
model=$1 words=$2 lattices=$3 dir=$4
for f in "$model" "$words" $word_map $old_lm; do [ -f "$f" ] || { echo "$0: no such file: $f" >&2; exit 1; }; done
[ -z "$ref" ] || [ -f "$ref" ] || { echo "$0: no such file: $ref" >&2; exit 1; }
[ -n "$ref" ] || [ "$oracle" = false ] || { echo "$0: --oracle true needs --ref" >&2; exit 1; }
command -v rescore-lattice > /dev/null || { echo "$0: rescore-lattice is not on the PATH (source path.sh)" >&2; exit 1; }
mkdir -p "$dir/log" "$dir/split"

# The job inputs: rspecifiers of lat.JOB.gz through Kaldi, or the parts of a text archive.
if [ -d "$lattices" ]; then
  [ -n "${KALDI_ROOT:-}" ] || { echo "$0: $lattices is a decode directory: set KALDI_ROOT (lattice-copy reads lat.*.gz)" >&2; exit 1; }
  export PATH=$KALDI_ROOT/src/latbin:$PATH
  nj=$(find "$lattices" -maxdepth 1 -name "lat.*.gz" | wc -l)
  [ "$nj" -ge 1 ] || { echo "$0: no lat.*.gz in $lattices" >&2; exit 1; }
  input() { echo "ark:gunzip -c $lattices/lat.$1.gz | lattice-copy ark:- ark,t:- |"; }
else
  [ -f "$lattices" ] || { echo "$0: no such file: $lattices" >&2; exit 1; }
  case "$lattices" in
    *.gz) cat_lattices=(gunzip -c "$lattices") ;;
    *.zst) cat_lattices=(zstd -dc "$lattices") ;;
    *) cat_lattices=(cat "$lattices") ;;
  esac
  # A lattice is a key line, its arc and final lines, and an empty line: split whole lattices
  # round-robin (lattice i to part i mod nj + 1). No more jobs than lattices: an empty part
  # would be a job with nothing to rescore.
  rm -f "$dir"/split/lat.*.txt
  count=$("${cat_lattices[@]}" | awk -v nj="$nj" -v prefix="$dir/split/lat." '
    BEGIN { RS = ""; ORS = "\n\n" } { print > (prefix ((NR - 1) % nj + 1) ".txt") } END { print NR > "/dev/stdout" }')
  [ "$count" -ge 1 ] || { echo "$0: no lattices in $lattices" >&2; exit 1; }
  if [ "$nj" -gt "$count" ]; then
    echo "$0: $count lattices: using $count jobs instead of --nj $nj"
    nj=$count
  fi
  input() { echo "ark,t:$dir/split/lat.$1.txt"; }
fi
mode=--normalized
[ "$normalized" = true ] || mode=--unnormalized
common=(--model "$model" "$mode" --symbol-table "$words" --max-ngram-order "$max_ngram_order" --threads "$threads")
[ -z "$unk_penalty" ] || common+=(--unk-penalty "$unk_penalty")
[ -z "$merge_rnn_weight" ] || common+=(--merge-rnn-weight "$merge_rnn_weight")
[ -z "$word_map" ] || common+=(--word-map "$word_map")
[ -z "$old_lm" ] || common+=(--old-lm "$old_lm")
[ -z "$beam" ] || common+=(--lattice-compose-beam "$beam")
# $cmd runs each job's command through a shell: the rspecifier (blanks, pipes) goes into a
# per-job --config file instead of the command line.
for j in $(seq 1 "$nj"); do
  echo "--lattices=$(input "$j")" > "$dir/split/input.$j.conf"
  [ "$write_lattices" = false ] || mkdir -p "$dir/split/best.$j"
  cp "$dir/split/input.$j.conf" "$dir/split/best.$j.conf"
  [ "$write_lattices" = false ] || echo "--write-lattices=ark,t:$dir/split/best.$j/lat.txt" >> "$dir/split/best.$j.conf"
done

best=(--rnn-weights "$rnn_weights" --lm-weights "$lm_weights" --wip "$wip")
if [ -n "$ref" ]; then
  extra=()
  [ "$oracle" = false ] || extra+=(--oracle)
  $cmd --num-threads "$threads" JOB=1:"$nj" "$dir/log/sweep.JOB.log" \
    rescore-lattice "${common[@]}" --config "$dir/split/input.JOB.conf" --ref "$ref" "${best[@]}" \
      "${extra[@]}" --out "$dir/split/JOB" \> "$dir/split/wer_sweep.JOB"
  # Sum the parts' counts per setting (grid order of the first part; in each part, the lines
  # before its '#' summary, which is followed by its best line again); the best last.
  awk 'FNR == 1 { summary = 0 } /^#/ { summary = 1 }
       /^%WER/ && !summary { name = $NF; sub(/^.*\//, "", name)
                 if (!(name in errors)) order[++n] = name
                 errors[name] += $4; words[name] += $6; ins[name] += $7; del[name] += $9; sub_[name] += $11 }
       END { best = order[1]
             for (i = 1; i <= n; i++) {
               k = order[i]; if (errors[k] < errors[best]) best = k
               printf "%%WER %.2f [ %d / %d, %d ins, %d del, %d sub ] %s/%s\n", 100 * errors[k] / words[k], errors[k], words[k], ins[k], del[k], sub_[k], dir, k }
             printf "%%WER %.2f [ %d / %d, %d ins, %d del, %d sub ] %s/%s\n", 100 * errors[best] / words[best], errors[best], words[best], ins[best], del[best], sub_[best], dir, best }' \
    dir="$dir" "$dir"/split/wer_sweep.* > "$dir/wer_sweep"
  tail -n 1 "$dir/wer_sweep" > "$dir/best_wer"
  # wer_<LMWT>_<wip>_rnn<w> -> the chosen grid values.
  name=$(awk '{ n = $NF; sub(/^.*\//, "", n); print n }' "$dir/best_wer")
  IFS=_ read -r _ lmwt penalty w <<< "$name"
  w=${w#rnn}
  # The merge setting of the sweep (the same in every part: it depends on the grids only), so
  # that the second pass merges histories as the sweep did.
  merge=$(grep -h -e '^--merge-lmwt=' -e '^--merge-wip=' -e '^--merge-rnn-weight=' "$dir"/split/1/best_weights)
  best=(--rnn-weights "$w" --lm-weights "$lmwt" --wip "$penalty")
  for m in $merge; do [[ "$m" == --merge-rnn-weight=* ]] || best+=("$m"); done
  printf -- '--rnn-weights=%s\n--lm-weights=%s\n--wip=%s\n%s\n' "$w" "$lmwt" "$penalty" "$merge" > "$dir/best_weights"
  echo "$0: $(cat "$dir/best_wer")"
  if [ "$oracle" = true ]; then
    awk '/^%WER/ { e += $4; n += $6 } END { printf "%%WER %.2f [ %d / %d ] lattice oracle\n", 100 * e / n, e, n }' \
      "$dir"/split/*/oracle_wer > "$dir/oracle_wer"
    echo "$0: $(cat "$dir/oracle_wer")"
  fi
fi

$cmd --num-threads "$threads" JOB=1:"$nj" "$dir/log/best.JOB.log" \
  rescore-lattice "${common[@]}" --config "$dir/split/best.JOB.conf" "${best[@]}" --out "$dir/split/best.JOB"
for j in $(seq 1 "$nj"); do cat "$dir/split/best.$j/text"; done | sort > "$dir/text"
if [ "$write_lattices" = true ]; then
  for j in $(seq 1 "$nj"); do
    if [ -n "${KALDI_ROOT:-}" ]; then
      "$KALDI_ROOT/src/latbin/lattice-copy" "ark,t:$dir/split/best.$j/lat.txt" "ark:| gzip -c > $dir/lat.$j.gz"
    else
      gzip -c "$dir/split/best.$j/lat.txt" > "$dir/lat.$j.txt.gz"
    fi
  done
fi
echo "$0: best hypotheses in $dir/text"
