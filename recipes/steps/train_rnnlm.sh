#!/usr/bin/env bash
# Trains one RNN LM with rnnlm-train as a logged job: <dir>/final.mdl (best model by validation
# perplexity), <dir>/log/train.log (command line, per-epoch lines, test perplexity, exit code and
# elapsed time) and <dir>/epochs.tsv (epoch, lr, train-loss, valid-ppl, seconds, tokens/s).
# A directory whose training already finished (log ends with code 0, final.mdl exists) with the
# same options and input files of the same content (<dir>/config; file times do not count) is left
# alone, so rerunning a recipe stage is cheap. Anything else trains in <dir>/partial (model,
# --resume state, options, logs), which replaces the published files only when the training
# succeeded: a failed or stopped run leaves an earlier model, its config and logs as they were.
# A stopped training (killed job, Ctrl-C, a cluster's time limit) rerun with the same options
# and inputs continues from <dir>/partial/final.mdl.last with --resume: the earlier logs are
# kept as log/train.log.1, .2, ... and epochs.tsv lists the epochs of all of them.

# Begin configuration section.
cmd=utils/run_local.sh
threads=1          # cores for rnnlm-train (OpenBLAS and evaluation)
vocab=             # fixed vocabulary file (one word per line); empty: built from the training text
valid_text=        # validation text (learning-rate decay and model selection); empty: none
test_text=         # test text, scored with the best model at the end; empty: none
train_opts=        # further rnnlm-train options, e.g. "--loss nce --noise-ratio 100 --epochs 2"
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <train-text> <dir>
 e.g.: $0 --valid-text data/valid.txt --train-opts \"--loss nce --epochs 6\" data/train.txt exp/nce
Options (defaults in brackets):
  --cmd <cmd>             job runner [utils/run_local.sh]
  --threads <n>           cores for rnnlm-train [1]
  --vocab <file>          fixed vocabulary [built from the training text]
  --valid-text <file>     validation text [none]
  --test-text <file>      test text [none]
  --train-opts <string>   further rnnlm-train options [none]; see rnnlm-train --help"
. utils/parse_options.sh
set -euo pipefail

if [ $# -ne 2 ]; then
  printf '%s\n' "$help_message" >&2; exit 1
fi
train=$1 dir=$2
for f in "$train" $vocab $valid_text $test_text; do
  [ -f "$f" ] || { echo "$0: no such file: $f" >&2; exit 1; }
done
command -v rnnlm-train > /dev/null || { echo "$0: rnnlm-train is not on the PATH (source path.sh)" >&2; exit 1; }

stage=$dir/partial
log=$dir/log/train.log              # the published log
staged_log=$stage/log/train.log     # the log of a training in progress
opts=(--train-text "$train" --save "$stage/final.mdl" --threads "$threads")
[ -z "$vocab" ] || opts+=(--vocab "$vocab")
[ -z "$valid_text" ] || opts+=(--valid-text "$valid_text")
[ -z "$test_text" ] || opts+=(--test-text "$test_text")
# What the model depends on: the options and the content of every input file (not its time: a
# copy or a re-synced corpus with the same bytes must not throw a stopped training away).
config="${opts[*]} $train_opts"
for f in "$train" $vocab $valid_text $test_text; do config+=$'\n'"$f $(md5sum < "$f" | cut -d ' ' -f 1)"; done
if [ -f "$dir/final.mdl" ] && [ -f "$log" ] && tail -n 1 "$log" | grep -q '^# Ended (code 0)' &&
  [ "$(cat "$dir/config" 2>/dev/null)" = "$config" ]; then
  echo "$0: $dir already trained, skipping (delete it to retrain)"
else
  resume=
  if [ -f "$stage/final.mdl.last" ] && [ -f "$staged_log" ] && [ "$(cat "$stage/config" 2>/dev/null)" = "$config" ]; then
    n=1
    while [ -f "$staged_log.$n" ]; do n=$((n + 1)); done
    mv "$staged_log" "$staged_log.$n"
    resume=--resume
    echo "$0: continuing the stopped training in $stage from final.mdl.last (earlier log: $staged_log.$n)"
  else
    [ ! -f "$stage/final.mdl.last" ] ||
      echo "$0: the stopped training in $stage had other options or inputs; training from scratch"
    rm -rf "$stage"
    mkdir -p "$stage/log"
    printf '%s\n' "$config" > "$stage/config"
  fi
  echo "$0: training in $stage (log: $staged_log)"
  # shellcheck disable=SC2086  # train_opts is a list of options
  $cmd --num-threads "$threads" "$staged_log" rnnlm-train "${opts[@]}" $train_opts $resume
  # Published only now. The config goes first and comes back last, so a publication cut short
  # leaves no config that vouches for another model.
  rm -f "$dir/config" "$log" "$log".*
  mkdir -p "$dir/log"
  mv "$staged_log"* "$dir/log/"
  mv "$stage/final.mdl" "$dir/final.mdl"
  rm -rf "$stage"
  printf '%s\n' "$config" > "$dir/config"
fi
# stdout lines of rnnlm-train: "epoch N lr X train-loss Y valid-ppl Z seconds S tokens/s T", in
# the logs of the stopped runs first (train.log.1, .2, ...), then the last one.
logs=()
n=1
while [ -f "$log.$n" ]; do logs+=("$log.$n"); n=$((n + 1)); done
awk 'BEGIN { OFS = "\t"; print "epoch", "lr", "train_loss", "valid_ppl", "seconds", "tokens_per_s" }
     $1 == "epoch" && $3 == "lr" && $5 == "train-loss" { print $2, $4, $6, $8, $10, $12 }' "${logs[@]}" "$log" \
  > "$dir/epochs.tsv"
sed -n 's/^\(test-ppl .*\)/\1/p' "$log" > "$dir/test_ppl"
echo "$0: $(tail -n 1 "$dir/epochs.tsv" | awk -F'\t' '{ print "epoch " $1 " valid-ppl " $4 " (" $6 " tokens/s)" }')"
