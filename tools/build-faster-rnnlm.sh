#!/usr/bin/env bash
# Builds faster-rnnlm (github.com/yandex/faster-rnnlm) as a benchmark peer, outside this project.
# Downloads nothing: give a checkout of its source; Eigen comes from Debian (libeigen3-dev).
#   tools/build-faster-rnnlm.sh <faster-rnnlm-source-dir> <build-dir>
# Builds <build-dir>/rnnlm with -Ofast -march=native and threads (what its own Makefile means to
# do: with gcc >= 10 its version test picks -O3, because it compares "12" < "4.6" as strings).
set -euo pipefail
if [ $# -ne 2 ]; then sed -n 2,6p "$0" >&2; exit 1; fi
src=$1 build=$2
[ -f "$src/faster-rnnlm/rnnlm.cc" ] || { echo "$0: $src is not a faster-rnnlm checkout (no faster-rnnlm/rnnlm.cc)" >&2; exit 1; }
eigen=/usr/include/eigen3
if [ ! -f "$eigen/Eigen/Dense" ]; then
  echo "$0: Eigen is missing: sudo apt-get install libeigen3-dev" >&2; exit 1
fi
mkdir -p "$build"
build=$(cd "$build" && pwd)
rm -rf "$build/faster-rnnlm"
cp -R "$src/faster-rnnlm" "$build/faster-rnnlm"
ln -sfn "$eigen" "$build/eigen3"
flags="-Wall -march=native -funroll-loops -D__STDC_FORMAT_MACROS --std=gnu++11 -I$build -DEIGEN_DONT_PARALLELIZE -Ofast -pthread -DNOCUDA"
objects=()
cd "$build/faster-rnnlm"
for file in rnnlm hierarchical_softmax nce words maxent nnet layers/simple_layer layers/gru_layer layers/scrn_layer layers/layer_stack layers/interface; do
  g++ $flags -w -c "$file.cc" -o "$file.o"
  objects+=("$file.o")
done
g++ "${objects[@]}" -o "$build/rnnlm" $flags -lm -lstdc++ -lrt
echo "built $build/rnnlm"
