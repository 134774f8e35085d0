#!/usr/bin/env bash
# Job runners of this recipe ($train_cmd, $decode_cmd): Kaldi's run.pl, queue.pl or slurm.pl
# when $KALDI_ROOT is set, else utils/run_local.sh (xargs -P on this machine). Set NCE_CMD
# (e.g. NCE_CMD="queue.pl --mem 4G") or NCE_CLUSTER=run|queue|slurm to choose; see utils/select_cmd.sh.
. utils/select_cmd.sh
