#!/usr/bin/env bash
# Penn Treebank: Pytorch-NCE's table with our tools. Six models with the same architecture and
# optimiser (2x200 LSTM, emsize 200, dropout 0.2, batch 20 sentences, bptt 35, lr 1 halved when
# validation PPL does not improve, clip 0.25, weight decay 1e-5, lnZ 9) and different output
# criteria: CE (full softmax), NCE k=10, 100, 500, sampled softmax k=100, self-contrast, and NCE
# k=100 with direct n-gram features (a "-direct" suffix adds --direct-opts, by default --direct 100
# --direct-order 4, to any criterion; docs/direct-features.md).
#   stage 0: install missing system packages, build the release binaries;
#   stage 1: data (Mikolov's PTB from --data; --train-lines/--eval-lines cut it for a quick run);
#   stage 2: train each model, evaluating validation PPL every epoch and test PPL at the end;
#   stage 3: exp/results.md (test PPL, seconds per epoch, tokens/s, with Pytorch-NCE's numbers)
#            and exp/valid_ppl.png (validation PPL per epoch, one line per criterion).
# Pytorch-NCE trains 40 epochs (about a day of CPU here); --epochs 1 gives the epoch-1 column.
# Runs from any directory: recipes/ptb/run.sh --epochs 1

# Begin configuration section.
stage=0
build=true       # false: skip install-deps and `swift build`
bin_dir=         # directory with rnnlm-train [<repo>/.build/release]
data=            # directory with train.txt valid.txt test.txt [<repo>/../shared/data/ptb if present]
epochs=40
threads=2        # cores per model (models train one after the other, so speeds are comparable)
train_lines=0    # >0: use only the first N training sentences (quick runs)
eval_lines=0     # >0: use only the first N validation and test sentences
criteria="ce nce10 nce100 nce500 sampled100 self nce100-direct"
train_opts=      # extra rnnlm-train options for every model, e.g. "--nlayers 1"
direct_opts="--direct 100 --direct-order 4"  # what a "-direct" criterion adds
exp=             # output directory [recipes/ptb/exp]
# End configuration section.

help_message="Usage: $0 [options]     (e.g. recipes/ptb/run.sh --epochs 1)
Options (defaults in brackets):
  --stage <n>            start at stage n [0]
  --build <bool>         install dependencies and build the release binaries [true]
  --bin-dir <dir>        binaries to use [<repo>/.build/release]
  --data <dir>           PTB directory with train.txt valid.txt test.txt [../shared/data/ptb]
  --epochs <n>           epochs per model [40]
  --threads <n>          cores per model [2]
  --train-lines <n>      first n training sentences only, 0 = all [0]
  --eval-lines <n>       first n valid/test sentences only, 0 = all [0]
  --criteria <list>      ce nce<k> sampled<k> self, each optionally with -direct
                         [ce nce10 nce100 nce500 sampled100 self nce100-direct]
  --train-opts <opts>    extra rnnlm-train options for every model [none]
  --direct-opts <opts>   what a -direct criterion adds [--direct 100 --direct-order 4]
  --exp <dir>            output directory [recipes/ptb/exp]"

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
if [ -z "$data" ]; then
  [ -d "$NCE_ROOT/../shared/data/ptb" ] ||
    { echo "$0: no PTB data at $NCE_ROOT/../shared/data/ptb; give --data DIR (train.txt valid.txt test.txt)" >&2; exit 1; }
  data=$(cd "$NCE_ROOT/../shared/data/ptb" && pwd)
elif [[ "$data" != /* ]]; then
  data=$caller_dir/$data
fi
for c in $criteria; do
  [[ "${c%-direct}" =~ ^(ce|nce[1-9][0-9]*|sampled[1-9][0-9]*|self)$ ]] ||
    { echo "$0: unknown criterion '$c' (ce, nce<k>, sampled<k>, self, each optionally with -direct)" >&2; exit 1; }
done
if [ -z "$exp" ]; then exp=exp; elif [[ "$exp" != /* ]]; then exp=$caller_dir/$exp; fi
mkdir -p "$exp/log"

if [ "$stage" -le 0 ] && $build; then
  # Dependencies (gnuplot for the plot) and release binaries.
  "$NCE_ROOT/tools/install-deps.sh"
  echo "$0: building release binaries (log: $exp/log/build.log)"
  $train_cmd "$exp/log/build.log" swift build -c release --package-path "$NCE_ROOT"
fi
command -v rnnlm-train > /dev/null || { echo "$0: rnnlm-train not found; run stage 0 or give --bin-dir" >&2; exit 1; }

if [ "$stage" -le 1 ]; then
  # Data: the corpus as it is, or its first lines for a quick run (recorded in exp/data/source).
  local/prepare_data.sh --train-lines "$train_lines" --eval-lines "$eval_lines" "$data" "$exp/data"
fi

if [ "$stage" -le 2 ]; then
  # One model per criterion; a finished model is not retrained (delete exp/<criterion> to redo).
  for c in $criteria; do
    base=${c%-direct}
    case $base in
      ce) opts="--loss full" ;;
      nce*) opts="--loss nce --noise-ratio ${base#nce}" ;;
      sampled*) opts="--loss sampled --noise-ratio ${base#sampled}" ;;
      self) opts="--loss self" ;;
    esac
    [ "$c" = "$base" ] || opts="$opts $direct_opts"
    steps/train_rnnlm.sh --cmd "$train_cmd" --threads "$threads" \
      --valid-text "$exp/data/valid.txt" --test-text "$exp/data/test.txt" \
      --train-opts "$opts --epochs $epochs --norm-term 9 $train_opts" "$exp/data/train.txt" "$exp/$c"
  done
fi

if [ "$stage" -le 3 ]; then
  # Results table and validation-PPL plot.
  # shellcheck disable=SC2086  # criteria is a list
  local/make_table.sh "$exp" $criteria > "$exp/results.md"
  [[ " $criteria" != *-direct* ]] || echo "Direct features (rows \"+ direct features\"): $direct_opts." >> "$exp/results.md"
  # shellcheck disable=SC2086
  local/plot_valid_ppl.sh "$exp/valid_ppl.png" "$exp" $criteria
  cat "$exp/results.md"
  echo "$0: table in $exp/results.md, plot in $exp/valid_ppl.png"
fi
