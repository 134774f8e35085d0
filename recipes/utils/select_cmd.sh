#!/usr/bin/env bash
# Sourced by each recipe's cmd.sh: sets $train_cmd and $decode_cmd, the job runners (Kaldi's
# convention: `$train_cmd [JOB=1:N] <log> <command...>`).
#
# With Kaldi installed ($KALDI_ROOT/egs/wsj/s5/utils/run.pl exists) it takes Kaldi's runner:
# NCE_CLUSTER=queue -> queue.pl (Grid Engine), slurm -> slurm.pl, run -> run.pl; the default is
# queue.pl when `qsub` is on the PATH, slurm.pl when `sbatch` is, else run.pl. Without Kaldi it
# uses utils/run_local.sh (xargs -P on this machine). NCE_CMD overrides everything, e.g.
#   NCE_CMD="queue.pl --mem 4G" recipes/swbd/run.sh ...
# (NCE_CMD must name a runner on the PATH or a path.)

select_cmd_utils=${KALDI_ROOT:+$KALDI_ROOT/egs/wsj/s5/utils}
if [ -n "${NCE_CMD:-}" ]; then
  train_cmd=$NCE_CMD
elif [ -n "$select_cmd_utils" ] && [ -x "$select_cmd_utils/run.pl" ]; then
  select_cmd_cluster=${NCE_CLUSTER:-}
  if [ -z "$select_cmd_cluster" ]; then
    if command -v qsub >/dev/null 2>&1; then select_cmd_cluster=queue
    elif command -v sbatch >/dev/null 2>&1; then select_cmd_cluster=slurm
    else select_cmd_cluster=run
    fi
  fi
  case "$select_cmd_cluster" in
    run|queue|slurm) train_cmd="$select_cmd_utils/$select_cmd_cluster.pl" ;;
    *) echo "cmd.sh: NCE_CLUSTER must be run, queue or slurm, got '$select_cmd_cluster'" >&2; exit 1 ;;
  esac
  unset select_cmd_cluster
else
  train_cmd="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run_local.sh"
fi
decode_cmd=$train_cmd
export train_cmd decode_cmd
unset select_cmd_utils
