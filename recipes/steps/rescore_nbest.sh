#!/usr/bin/env bash
# N-best rescoring with an RNN LM, split into jobs, then a weight sweep (Kaldi's score.sh step).
#
# 1. RNN costs: $cmd JOB=1:nj runs `rescore-nbest --shard JOB/nj` over all the N-best
#    directories (utterance i goes to job i mod nj + 1); the per-job lmwt.rnn tables become the
#    parts lmwt.rnn.JOB of <dir> (<dir>/<basename of each N-best dir>/ with several directories).
# 2. Sweep: `rescore-nbest --reuse-rnn-costs` combines the costs for every point of the weight
#    grids (RNN weight, LM weight = inverse acoustic scale, insertion penalty), writes
#    lmwt.interp.<w> and, with a reference, wer_<LMWT>_<wip>_rnn<w> files, <dir>/wer_sweep (one
#    line per point) and <dir>/best_wer (the best line, best_wer.sh style); <dir>/text holds the
#    selected hypotheses of the best point (or of the only point without a reference).
# With --hyp-filter/--ref-filter the sweep scores as score_kaldi.sh does with hyp_filtering_cmd:
# the commands run on the hypotheses and the references (rescore-nbest's options), identically
# for every setting; <dir>/text stays unfiltered. With --subsets "<name>:<ref> ...", each
# part of the set (e.g. eval2000's Switchboard and CallHome halves) gets its own sweep against
# its reference <ref> (a subset of --ref) in <dir>/<name>/ (same files as <dir>), from the same
# RNN costs: its best weights are chosen on that part, as Kaldi's score_sclite.sh does.
# Step 1 is skipped when <dir> already holds the costs of the same model file (size and time),
# options and inputs (<dir>/.costs_done).

# Begin configuration section.
cmd=utils/run_local.sh
nj=1                 # scoring jobs
threads=1            # cores per scoring job
normalized=true      # true: exact log-softmax; false: s(w,h) - lnZ (NCE models), no softmax
ref=                 # Kaldi text of references; empty: no sweep, every grid must be one value
rnn_weights=0:0.1:1  # RNN interpolation weights (GRID: 0.5 | 0,0.5,1 | 7:17 | 0:0.25:1)
lm_weights=7:17      # LM weights (inverse acoustic scales)
wip=0,0.5,1          # word insertion penalties
unk_penalty=         # nats per OOV word; empty: rescore-nbest's default
hyp_filter=          # command run on the hypotheses before scoring (e.g. local/wer_output_filter)
ref_filter=          # command run on the references; empty: the --hyp-filter command
subsets=             # parts swept on their own: "<name>:<ref-text> ..." (needs --ref)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <model> <dir> <nbest-dir> [<nbest-dir> ...]
 e.g.: $0 --nj 2 --ref data/nbest/text --normalized false exp/nce/final.mdl exp/rescore_nce data/nbest/archives.1
Options (defaults in brackets):
  --cmd <cmd>            job runner [utils/run_local.sh]
  --nj <n>               scoring jobs [1]
  --threads <n>          cores per scoring job [1]
  --normalized <bool>    true: log-softmax; false: unnormalized s(w,h) - lnZ [true]
  --ref <text>           references; enables the sweep and the WER files [none]
  --rnn-weights <grid>   [0:0.1:1]
  --lm-weights <grid>    [7:17]
  --wip <grid>           [0,0.5,1]
  --unk-penalty <nats>   OOV cost per word [rescore-nbest's default]
  --hyp-filter <cmd>     filter of the hypotheses before scoring (line-wise, needs --ref) [none]
  --ref-filter <cmd>     filter of the references [the --hyp-filter command]
  --subsets <list>       \"<name>:<ref-text> ...\": a sweep per part in <dir>/<name> [none]"
. utils/parse_options.sh
set -euo pipefail

if [ $# -lt 3 ]; then
  printf '%s\n' "$help_message" >&2; exit 1
fi
model=$1 dir=$2
shift 2
nbest_dirs=("$@")
[ -f "$model" ] || { echo "$0: no such file: $model" >&2; exit 1; }
[ -z "$ref" ] || [ -f "$ref" ] || { echo "$0: no such file: $ref" >&2; exit 1; }
[ -n "$ref" ] || [ -z "$hyp_filter$ref_filter$subsets" ] ||
  { echo "$0: --hyp-filter, --ref-filter and --subsets need --ref" >&2; exit 1; }
for s in $subsets; do
  [[ "$s" =~ ^[A-Za-z0-9_.-]+:. ]] || { echo "$0: --subsets entries are <name>:<ref-text>, got '$s'" >&2; exit 1; }
  [ -f "${s#*:}" ] || { echo "$0: no such file: ${s#*:}" >&2; exit 1; }
done
for d in "${nbest_dirs[@]}"; do
  [ -d "$d" ] || { echo "$0: no such directory: $d" >&2; exit 1; }
  [ -f "$d/words_text" ] || [ -f "$d/words_text.gz" ] || [ -f "$d/words_text.zst" ] ||
    { echo "$0: no words_text(.gz|.zst) in $d" >&2; exit 1; }
done
if [ ${#nbest_dirs[@]} -gt 1 ]; then
  dups=$(for d in "${nbest_dirs[@]}"; do basename "$d"; done | sort | uniq -d)
  [ -z "$dups" ] || { echo "$0: N-best directories need distinct names, repeated: $dups" >&2; exit 1; }
fi
command -v rescore-nbest > /dev/null || { echo "$0: rescore-nbest is not on the PATH (source path.sh)" >&2; exit 1; }
mkdir -p "$dir/log"

inputs=()
for d in "${nbest_dirs[@]}"; do inputs+=(--nbest-dir "$d"); done
mode=--normalized
[ "$normalized" = true ] || mode=--unnormalized
oov=()
[ -z "$unk_penalty" ] || oov=(--unk-penalty "$unk_penalty")

# Table directories of the inputs relative to an output directory (rescore-nbest's layout):
# the directory itself with one input, /<basename> per input with several.
suffixes=("")
if [ ${#nbest_dirs[@]} -gt 1 ]; then
  suffixes=()
  for d in "${nbest_dirs[@]}"; do suffixes+=("/$(basename "$d")"); done
fi

# What the costs depend on: the model, the scoring options and the inputs, by content (a model or
# N-best set replaced under the same name must be scored again; a copy with new times need not).
inputs_sum=$(find "${nbest_dirs[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum | md5sum | cut -d ' ' -f 1)
config="$(md5sum < "$model" | cut -d ' ' -f 1) $mode ${oov[*]} nj=$nj ${nbest_dirs[*]} $inputs_sum"
if [ "$(cat "$dir/.costs_done" 2>/dev/null)" = "$config" ]; then
  echo "$0: RNN costs in $dir exist, skipping scoring"
else
  rm -rf "$dir/split" "$dir/.costs_done"
  $cmd --num-threads "$threads" JOB=1:"$nj" "$dir/log/score.JOB.log" \
    rescore-nbest --model "$model" "$mode" "${oov[@]}" "${inputs[@]}" --threads "$threads" \
      --shard JOB/"$nj" --out "$dir/split/JOB"
  # The jobs' lmwt.rnn become the parts lmwt.rnn.JOB of each input's table (a job may have no
  # utterance of some input); the sweep streams them in step, and writes the merged lmwt.rnn.
  for t in "${suffixes[@]}"; do
    mkdir -p "$dir$t"
    rm -f "$dir$t"/lmwt.rnn "$dir$t"/lmwt.rnn.*
    for j in $(seq 1 "$nj"); do
      [ ! -f "$dir/split/$j$t/lmwt.rnn" ] || mv "$dir/split/$j$t/lmwt.rnn" "$dir$t/lmwt.rnn.$j"
    done
  done
  rm -rf "$dir/split"
  echo "$config" > "$dir/.costs_done"
fi

part_names=()
for s in $subsets; do part_names+=("${s%%:*}"); done
utils/replace_parts.sh "$dir" ${part_names[@]+"${part_names[@]}"}
sweep=(--rnn-weights "$rnn_weights" --lm-weights "$lm_weights" --wip "$wip")
filters=()
[ -z "$hyp_filter" ] || filters+=(--hyp-filter "$hyp_filter")
[ -z "$ref_filter" ] || filters+=(--ref-filter "$ref_filter")
if [ -n "$ref" ]; then
  $cmd "$dir/log/sweep.log" rescore-nbest --reuse-rnn-costs "${inputs[@]}" --out "$dir" \
    --ref "$ref" "${filters[@]}" "${sweep[@]}" \> "$dir/wer_sweep"
  tail -n 1 "$dir/wer_sweep" > "$dir/best_wer"
  echo "$0: $(cat "$dir/best_wer")"
  # Each part: the merged lmwt.rnn tables linked into <dir>/<name>, swept against its reference.
  for s in $subsets; do
    name=${s%%:*} part_ref=${s#*:}
    for t in "${suffixes[@]}"; do
      mkdir -p "$dir/$name$t"
      ln -f "$dir$t/lmwt.rnn" "$dir/$name$t/lmwt.rnn"
    done
    $cmd "$dir/log/sweep.$name.log" rescore-nbest --reuse-rnn-costs "${inputs[@]}" --out "$dir/$name" \
      --ref "$part_ref" "${filters[@]}" "${sweep[@]}" \> "$dir/$name/wer_sweep"
    tail -n 1 "$dir/$name/wer_sweep" > "$dir/$name/best_wer"
    echo "$0: $name: $(cat "$dir/$name/best_wer")"
  done
else
  $cmd "$dir/log/apply.log" rescore-nbest --reuse-rnn-costs "${inputs[@]}" --out "$dir" "${sweep[@]}"
  echo "$0: best hypotheses in $dir/text"
fi
