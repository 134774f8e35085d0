#!/usr/bin/env bash
# Switchboard(+Fisher): Pytorch-NCE's conversational-speech setting on your Kaldi directories.
# Vocabulary: words seen at least 3 times; 1-layer LSTM, 300 hidden, embeddings 300, NCE with
# k = 500 noise words shared by the mini-batch, lnZ = 9, lr 2, 96 streams, concatenated text.
#   stage 0: install missing system packages, build the release binaries;
#   stage 1: training and validation text from Kaldi data dirs (utt-ids stripped) + extra text;
#   stage 2: train the models (--criteria: nce, and ce for the comparison);
#   stage 3: N-best lists: with --nbest-dirs, the given rnnlmrescore.sh archive dirs; else, with
#            KALDI_ROOT set, extracted from the lattices of --decode-dir with Kaldi's binaries
#            (steps/extract_nbest.sh: lattice-to-nbest, old LM removed, nbest-to-linear);
#   stage 4: WER of the rank-1 hypotheses and of the N-best oracle;
#   stage 5: rescoring (NCE normalized and unnormalized, CE normalized) in --nj jobs each, with a
#            sweep over RNN weight, LM weight and insertion penalty against <test-dir>/text;
#   stages 4 and 5 score as Kaldi's s5c local/score.sh does (--scoring auto): with an stm in
#            <test-dir> (eval2000) the words score_sclite.sh does not score are removed (noise,
#            laughter, <unk>, hesitations, partial words, the reference's optional words),
#            without one score_basic.sh's tokens; see local/wer_output_filter, docs/recipes.md;
#            eval2000's Switchboard and CallHome halves (rt03's Switchboard and Fisher) are
#            also scored on their own (--subsets auto), each with its own best weights;
#   stage 6: exp/results.md, next to Pytorch-NCE's WERs (eval2000-style 50-best, 22.4M words):
#              3-gram 19.4 | CE 13.1-13.3 | NCE 13.4 (normalized and unnormalized) | IS 13.4
#            and its speeds on a GTX 1080 Ti: CE 56K tokens/s, NCE 187K tokens/s.
# Example (Kaldi egs/swbd/s5c layout):
#   recipes/swbd/run.sh --train-dirs data/train_nodev --valid-dir data/train_dev \
#     --extra-text data/local/lm/fisher.txt --test-dir data/eval2000 \
#     --lang-dir data/lang_sw1_tg --decode-dir exp/chain/tdnn_7q_sp/decode_eval2000_sw1_tg --nj 8

# Begin configuration section.
stage=0
nj=4              # parallel jobs for N-best extraction and rescoring
build=true        # false: skip install-deps and `swift build`
bin_dir=          # directory with the NCERescore binaries [<repo>/.build/release]
exp=exp           # output directory
train_dirs=       # Kaldi data dirs whose `text` is training text (space-separated list)
extra_text=       # further training text files, one sentence per line (e.g. Fisher transcripts)
valid_dir=        # Kaldi data dir for validation (its `text`)
test_dir=         # Kaldi data dir of the decoded set: its `text` is the reference
decode_dir=       # Kaldi decode dir with lat.*.gz (needs KALDI_ROOT and --lang-dir)
lang_dir=         # lang dir of the decoding graph (G.fst, words.txt)
nbest_dirs=       # pre-extracted rnnlmrescore.sh archive dirs (instead of --decode-dir)
nbest_size=50     # N of the N-best lists extracted from lattices
inv_acwt=10       # LM weight used to extract the N-best lists
criteria="nce"    # models to train and rescore with: nce, ce, or "ce nce"
min_freq=3
nlayers=1
nhid=300
emsize=300
noise_ratio=500
norm_term=9
lr=2
batch_size=96
bptt=35
epochs=6
threads=2         # cores per training job
train_opts=       # extra rnnlm-train options
rnn_weights=0:0.1:1
lm_weights=7:17
wip=0,0.5,1
scoring=auto      # scoring filter (local/wer_output_filter): auto = sclite if <test-dir>/stm exists,
                  # else basic (as s5c's local/score.sh chooses); sclite; basic; none
acronyms_map=     # Kaldi's data/local/dict_nosp/acronyms.map: hypothesis acronyms scored as letters
subsets=auto      # parts scored on their own, "<name>:<utt-id regex> ...": auto = as score_sclite.sh,
                  # eval2000* "swbd:^sw_ callhm:^en_", rt03* "swbd:^sw_ fsh:^fsh_", else none; none
# End configuration section.

help_message="Usage: $0 [options] --train-dirs <dirs> --valid-dir <dir> --test-dir <dir> \\
    (--nbest-dirs <dirs> | --lang-dir <dir> --decode-dir <dir>)
 e.g.: $0 --train-dirs data/train_nodev --valid-dir data/train_dev --test-dir data/eval2000 \\
    --lang-dir data/lang_sw1_tg --decode-dir exp/chain/tdnn_7q_sp/decode_eval2000_sw1_tg
Options (defaults in brackets):
  --stage <n> [0]  --nj <n> [4]  --build <bool> [true]  --bin-dir <dir> [<repo>/.build/release]
  --exp <dir>               output directory [exp]
  --extra-text <files>      more training text, one sentence per line [none]
  --nbest-size <n> [50]  --inv-acwt <x> [10]   N-best extraction from lattices
  --criteria <list>         nce, ce or \"ce nce\" [nce]
  --min-freq [3] --nlayers [1] --nhid [300] --emsize [300] --noise-ratio [500] --norm-term [9]
  --lr [2] --batch-size [96] --bptt [35] --epochs [6] --threads [2] --train-opts [none]
  --rnn-weights [0:0.1:1] --lm-weights [7:17] --wip [0,0.5,1]   sweep grids
  --scoring <rule>          auto, sclite, basic or none [auto]; see local/wer_output_filter
  --acronyms-map <file>     acronyms.map of Kaldi's dictionary (sclite rule) [none]
  --subsets <list>          \"<name>:<utt-id regex> ...\", auto or none [auto: eval2000, rt03 halves]"

caller_dir=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")"
. ./cmd.sh
. ./path.sh
. utils/parse_options.sh
set -euo pipefail

if [ $# -ne 0 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
# Paths on the command line are relative to the caller's directory.
absolute() { local p; for p in "$@"; do if [[ "$p" = /* ]]; then echo "$p"; else echo "$caller_dir/$p"; fi; done; }
[ -z "$bin_dir" ] || PATH=$(absolute "$bin_dir"):$PATH
exp=$(absolute "$exp")
for v in valid_dir test_dir decode_dir lang_dir acronyms_map; do
  [ -z "${!v}" ] || printf -v "$v" '%s' "$(absolute "${!v}")"
done
read -ra list <<< "$train_dirs"; mapfile -t train_dirs_abs < <(absolute "${list[@]}")
read -ra list <<< "$extra_text"; mapfile -t extra_text_abs < <(absolute "${list[@]}")
read -ra list <<< "$nbest_dirs"; mapfile -t nbest_dirs_abs < <(absolute "${list[@]}")
if [ ${#train_dirs_abs[@]} -eq 0 ] && [ ${#extra_text_abs[@]} -eq 0 ] && [ "$stage" -le 2 ]; then
  echo "$0: give --train-dirs and/or --extra-text" >&2; exit 1
fi
[ -n "$valid_dir" ] || [ "$stage" -gt 2 ] || { echo "$0: give --valid-dir" >&2; exit 1; }
[ -n "$test_dir" ] || { echo "$0: give --test-dir (its text is the reference)" >&2; exit 1; }
for c in $criteria; do
  case $c in nce|ce) ;; *) echo "$0: unknown criterion '$c' (nce, ce)" >&2; exit 1 ;; esac
done
# The scoring filter of hypotheses and references (stages 4 and 5), as an absolute command.
case $scoring in
  auto) rule=basic; [ ! -f "$test_dir/stm" ] || rule=sclite ;;
  sclite|basic) rule=$scoring ;;
  none) rule= ;;
  *) echo "$0: --scoring must be auto, sclite, basic or none, got '$scoring'" >&2; exit 1 ;;
esac
if [ -n "$acronyms_map" ]; then
  [ -f "$acronyms_map" ] || { echo "$0: no such file: $acronyms_map" >&2; exit 1; }
  [ "$rule" = sclite ] || { echo "$0: --acronyms-map needs the sclite scoring rule" >&2; exit 1; }
fi
filters=()
if [[ "$PWD$acronyms_map" = *[[:space:]]* ]]; then
  echo "$0: the filter command cannot hold blanks: $PWD, $acronyms_map" >&2; exit 1
fi
if [ -n "$rule" ]; then
  filter="$PWD/local/wer_output_filter --rule $rule"
  filters=(--hyp-filter "$filter${acronyms_map:+ --acronyms $acronyms_map}" --ref-filter "$filter --ref true")
fi
# The parts of the test set scored on their own (name:regex of utterance ids).
case $subsets in
  auto)
    case $(basename "$test_dir") in
      eval2000*) subsets="swbd:^sw_ callhm:^en_" ;;
      rt03*) subsets="swbd:^sw_ fsh:^fsh_" ;;
      *) subsets= ;;
    esac ;;
  none) subsets= ;;
esac
for s in $subsets; do
  [[ "$s" =~ ^[A-Za-z0-9_.-]+:. ]] || { echo "$0: --subsets entries are <name>:<regex>, got '$s'" >&2; exit 1; }
  case ${s%%:*} in
    log | split | data | .*) echo "$0: --subsets: '${s%%:*}' cannot name a part (used by the recipe itself)" >&2; exit 1 ;;
  esac
done
mkdir -p "$exp/log"
# Each part's reference: the lines of <test-dir>/text whose utterance id matches its regex.
subset_refs=()
for s in $subsets; do
  mkdir -p "$exp/data"
  awk -v pattern="${s#*:}" '$1 ~ pattern' "$test_dir/text" > "$exp/data/ref.${s%%:*}"
  [ -s "$exp/data/ref.${s%%:*}" ] || { echo "$0: no utterance of $test_dir/text matches ${s#*:}" >&2; exit 1; }
  subset_refs+=("${s%%:*}:$exp/data/ref.${s%%:*}")
done

if [ "$stage" -le 0 ] && $build; then
  # Dependencies and release binaries.
  "$NCE_ROOT/tools/install-deps.sh"
  echo "$0: building release binaries (log: $exp/log/build.log)"
  $train_cmd "$exp/log/build.log" swift build -c release --package-path "$NCE_ROOT"
fi
for tool in rnnlm-train rescore-nbest compute-wer; do
  command -v "$tool" > /dev/null || { echo "$0: $tool not found; run stage 0 or give --bin-dir" >&2; exit 1; }
done

if [ "$stage" -le 1 ]; then
  # LM text: Kaldi `text` files without their utterance ids, then the extra text as it is.
  local/prepare_text.sh --extra-text "${extra_text_abs[*]}" "$exp/data/train.txt" "${train_dirs_abs[@]}"
  local/prepare_text.sh "$exp/data/valid.txt" "$valid_dir"
fi

if [ "$stage" -le 2 ]; then
  # The models; the vocabulary comes from the training text (min-freq), OOV cost from its cut.
  model="--min-freq $min_freq --nlayers $nlayers --nhid $nhid --emsize $emsize --lr $lr --batch-size $batch_size"
  model+=" --bptt $bptt --epochs $epochs --concat --norm-term $norm_term $train_opts"
  for c in $criteria; do
    opts="--loss full"
    [ "$c" != nce ] || opts="--loss nce --noise-ratio $noise_ratio"
    steps/train_rnnlm.sh --cmd "$train_cmd" --threads "$threads" --valid-text "$exp/data/valid.txt" \
      --train-opts "$opts $model" "$exp/data/train.txt" "$exp/$c"
  done
fi

# The N-best directories: given, or extracted (exp/nbest/archives.JOB, JOB = 1..num_jobs).
extracted() {
  local j
  [ ! -f "$exp/nbest/num_jobs" ] || for j in $(seq 1 "$(cat "$exp/nbest/num_jobs")"); do echo "$exp/nbest/archives.$j"; done
}
nbest=("${nbest_dirs_abs[@]}")
[ ${#nbest[@]} -gt 0 ] || mapfile -t nbest < <(extracted)
if [ "$stage" -le 3 ] && [ ${#nbest_dirs_abs[@]} -eq 0 ]; then
  # N-best lists from the lattices (Kaldi), one archive directory per decoding job.
  if [ -z "${KALDI_ROOT:-}" ] || [ -z "$decode_dir" ] || [ -z "$lang_dir" ]; then
    echo "$0: without --nbest-dirs, N-best extraction needs KALDI_ROOT, --decode-dir and --lang-dir" >&2; exit 1
  fi
  steps/extract_nbest.sh --cmd "$decode_cmd" --nbest-size "$nbest_size" --inv-acwt "$inv_acwt" \
    "$lang_dir" "$decode_dir" "$exp/nbest"
  mapfile -t nbest < <(extracted)
fi
[ ${#nbest[@]} -gt 0 ] || { echo "$0: no N-best directories (run stage 3 or give --nbest-dirs)" >&2; exit 1; }

if [ "$stage" -le 4 ]; then
  # Rank-1 and oracle WER of the N-best lists.
  echo "$0: scoring rule: ${rule:-none}"
  steps/nbest_baselines.sh --cmd "$train_cmd" "${filters[@]}" "$test_dir/text" "$exp/baselines" "${nbest[@]}"
  part_names=()
  for s in $subsets; do part_names+=("${s%%:*}"); done
  utils/replace_parts.sh "$exp/baselines" ${part_names[@]+"${part_names[@]}"}
  for s in "${subset_refs[@]}"; do
    steps/nbest_baselines.sh --cmd "$train_cmd" "${filters[@]}" "${s#*:}" "$exp/baselines/${s%%:*}" "${nbest[@]}"
  done
fi

if [ "$stage" -le 5 ]; then
  # Rescoring in $nj jobs per system, then the weight sweep.
  sweep=(--cmd "$decode_cmd" --nj "$nj" --ref "$test_dir/text" --rnn-weights "$rnn_weights"
    --lm-weights "$lm_weights" --wip "$wip" "${filters[@]}" --subsets "${subset_refs[*]}")
  for c in $criteria; do
    steps/rescore_nbest.sh "${sweep[@]}" --normalized true "$exp/$c/final.mdl" "$exp/rescore_$c" "${nbest[@]}"
    if [ "$c" = nce ]; then
      steps/rescore_nbest.sh "${sweep[@]}" --normalized false "$exp/$c/final.mdl" "$exp/rescore_${c}_unnorm" "${nbest[@]}"
    fi
  done
fi

if [ "$stage" -le 6 ]; then
  # Results next to Pytorch-NCE's.
  local/make_table.sh "$exp" > "$exp/results.md"
  cat "$exp/results.md"
fi
