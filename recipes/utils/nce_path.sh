#!/usr/bin/env bash
# Sourced by each recipe's path.sh: puts the NCERescore binaries and Kaldi's tools on the PATH.
#
# NCE_ROOT: the repository (two levels above recipes/utils). NCE_BIN_DIR: where rnnlm-train,
# rescore-nbest, compute-wer ... are (default: $NCE_ROOT/.build/release, what
# `swift build -c release` writes). With KALDI_ROOT set, Kaldi's src/*bin and
# egs/wsj/s5/utils are added after them (lattice-to-nbest, nbest-to-linear, ...).

NCE_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && cd ../.. && pwd)  # -P: utils/ may be a symlink
NCE_BIN_DIR=${NCE_BIN_DIR:-$NCE_ROOT/.build/release}
PATH=$NCE_BIN_DIR:$PATH
if [ -n "${KALDI_ROOT:-}" ] && [ -d "$KALDI_ROOT/src" ]; then
  for nce_path_dir in "$KALDI_ROOT"/src/*bin "$KALDI_ROOT/tools/openfst/bin" "$KALDI_ROOT/egs/wsj/s5/utils"; do
    [ -d "$nce_path_dir" ] && PATH=$PATH:$nce_path_dir
  done
  unset nce_path_dir
fi
# OpenBLAS misdetects some virtualised x86 CPUs; Haswell kernels run on every AVX2 machine.
if [ "$(uname -m)" = x86_64 ]; then export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}; fi
export NCE_ROOT NCE_BIN_DIR PATH
