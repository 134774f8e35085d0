#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite.
#
# Usage: tools/test.sh [extra swift test arguments]
# The suite includes tests that use ../shared/data when it exists beside the repository;
# they are skipped (and say so) when it does not.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/tools/install-deps.sh"

# Older OpenBLAS builds pick a broken kernel on some AVX-512 CPUs; Haswell's is safe everywhere.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}

swift build --build-tests
swift test --skip-build --parallel "$@"

# The benchmark package (tools/bench.sh) must keep compiling against the library APIs.
swift build --package-path "$root/tools/benchmarks"

# Another package must be able to depend on the library products (no unsafe flags in a checkout).
"$root/tools/check-dependent-package.sh"
