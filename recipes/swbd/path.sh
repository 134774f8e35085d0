#!/usr/bin/env bash
# Puts the NCERescore binaries (default: <repo>/.build/release, or $NCE_BIN_DIR) and, with
# $KALDI_ROOT set, Kaldi's tools on the PATH; see utils/nce_path.sh.
. utils/nce_path.sh
