#!/usr/bin/env bash
# NCERescore demo: from a clean clone to a rescoring table in under 10 minutes on 2 cores.
#
# On data bundled in data/ (20,000 PTB training sentences, 500 PTB test sentences for
# validation, the PTB vocabulary, and nbest-dev: 150 PTB valid sentences spoken by a speech
# synthesizer, decoded into 50-best lists by PocketSphinx with its generic 3-gram):
#   stage 0: install missing system packages, build the release binaries;
#   stage 1: WER of the recognizer's rank-1 hypotheses and of the N-best oracle;
#   stage 2: train a small cross-entropy (CE) model and a small NCE model, in parallel;
#   stage 3: rescore the 50-best lists: CE normalized, NCE normalized, NCE unnormalized;
#   stage 4: rescore the lattices of 30 of the utterances (data/lattices) with the NCE model,
#            unnormalized, and the same 30 utterances' 50-best lists, for comparison;
#   stage 5: print the table (also written to exp/results.md).
# Weights (RNN weight, LM weight, insertion penalty) are tuned on the same 150 utterances, as
# Kaldi's score.sh reports the best LMWT on the scored set: the table shows what each LM can
# reach on this set, not a held-out result. Runs from any directory: recipes/demo/run.sh.

# Begin configuration section.
stage=0
nj=2              # parallel jobs (training runs the two models at once; rescoring shards)
build=true        # false: skip install-deps and `swift build` (binaries already in --bin-dir)
bin_dir=          # directory with rnnlm-train, rescore-nbest, rescore-lattice, compute-wer [<repo>/.build/release]
ce_epochs=1       # epochs over the 20,000 training sentences
nce_epochs=2
model_opts="--nlayers 1 --emsize 200 --nhid 200 --lr 2 --momentum 0.9 --dropout 0"
nce_opts="--loss nce --noise-ratio 100 --norm-term 9"
rnn_weights=0:0.1:1
lm_weights=7:0.5:13
wip=0:0.5:3
# End configuration section.

help_message="Usage: $0 [options]     (e.g. recipes/demo/run.sh --stage 2)
Options (defaults in brackets):
  --stage <n>          start at stage n [0]
  --nj <n>             parallel jobs [2]
  --build <bool>       install dependencies and build the release binaries [true]
  --bin-dir <dir>      binaries to use [<repo>/.build/release]
  --ce-epochs <n>      [1]    --nce-epochs <n>   [2]
  --model-opts <opts>  rnnlm-train architecture options [$model_opts]
  --nce-opts <opts>    rnnlm-train NCE options [$nce_opts]
  --rnn-weights, --lm-weights, --wip <grid>   sweep grids [$rnn_weights] [$lm_weights] [$wip]"

start_time=$(date +%s)
caller_dir=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")"
. ./cmd.sh
. ./path.sh
. utils/parse_options.sh
set -euo pipefail

if [ $# -ne 0 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
if [ -n "$bin_dir" ]; then
  [[ "$bin_dir" = /* ]] || bin_dir=$caller_dir/$bin_dir
  PATH=$bin_dir:$PATH
fi
data=data
nbest=$data/nbest/archives.1
exp=exp
mkdir -p "$exp/log"

if [ "$stage" -le 0 ] && $build; then
  # Dependencies and release binaries (the build takes a few minutes the first time).
  "$NCE_ROOT/tools/install-deps.sh"
  echo "$0: building release binaries (log: $exp/log/build.log)"
  $train_cmd "$exp/log/build.log" swift build -c release --package-path "$NCE_ROOT"
fi
for tool in rnnlm-train rescore-nbest rescore-lattice compute-wer; do
  command -v "$tool" > /dev/null || { echo "$0: $tool not found; run stage 0 or give --bin-dir" >&2; exit 1; }
done

if [ "$stage" -le 1 ]; then
  # What the recognizer got (rank 1) and the best any rescoring can get (oracle).
  steps/nbest_baselines.sh --cmd "$train_cmd" $data/nbest/text $exp/baselines $nbest
fi

if [ "$stage" -le 2 ]; then
  # Two models on the same data and architecture: full softmax (CE) and NCE with k = 100.
  # With --nj 2 or more they train at the same time, one core each.
  common=(--cmd "$train_cmd" --threads 1 --vocab "$data/vocab.txt" --valid-text "$data/valid.txt.zst")
  ce=(--train-opts "$model_opts --loss full --epochs $ce_epochs" "$data/train.txt.zst" "$exp/ce")
  nce=(--train-opts "$model_opts $nce_opts --epochs $nce_epochs" "$data/train.txt.zst" "$exp/nce")
  if [ "$nj" -ge 2 ]; then
    steps/train_rnnlm.sh "${common[@]}" "${ce[@]}" &
    ce_pid=$!
    steps/train_rnnlm.sh "${common[@]}" "${nce[@]}"
    wait "$ce_pid"
  else
    steps/train_rnnlm.sh "${common[@]}" "${ce[@]}"
    steps/train_rnnlm.sh "${common[@]}" "${nce[@]}"
  fi
fi

if [ "$stage" -le 3 ]; then
  # N-best rescoring and a sweep over RNN weight x LM weight x insertion penalty.
  sweep=(--cmd "$train_cmd" --nj "$nj" --ref "$data/nbest/text" --rnn-weights "$rnn_weights"
    --lm-weights "$lm_weights" --wip "$wip")
  steps/rescore_nbest.sh "${sweep[@]}" --normalized true $exp/ce/final.mdl $exp/rescore_ce $nbest
  steps/rescore_nbest.sh "${sweep[@]}" --normalized true $exp/nce/final.mdl $exp/rescore_nce $nbest
  steps/rescore_nbest.sh "${sweep[@]}" --normalized false $exp/nce/final.mdl $exp/rescore_nce_unnorm $nbest
fi

if [ "$stage" -le 4 ]; then
  # Lattices of 30 utterances (the first 30 of lattice-dev, see data/README): the lattice sweep
  # with the lattice oracle, and the 50-best sweep scored on the same 30 references.
  lattices=$data/lattices
  sweep=(--cmd "$train_cmd" --nj "$nj" --ref "$lattices/text" --rnn-weights "$rnn_weights"
    --lm-weights "$lm_weights" --wip "$wip" --normalized false)
  steps/rescore_nbest.sh "${sweep[@]}" $exp/nce/final.mdl $exp/rescore_nce_unnorm_30 $nbest
  steps/rescore_lattice.sh "${sweep[@]}" --oracle true --merge-rnn-weight 0.5 --word-map $lattices/ptbtok.map \
    $exp/nce/final.mdl $lattices/words.txt \
    $lattices/lat.txt.gz $exp/rescore_lattice_nce_unnorm
fi

if [ "$stage" -le 5 ]; then
  # The table: WERs, chosen weights and time taken.
  local/make_table.sh --total-seconds $(($(date +%s) - start_time)) $exp > $exp/results.md
  cat $exp/results.md
fi
