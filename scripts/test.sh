#!/usr/bin/env bash
# Builds everything warning-free (-Wall -Wextra -Werror) and runs every
# test, then again with the address and undefined-behaviour sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs="$(nproc)"

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGROUNDLINE_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGROUNDLINE_SANITIZE=ON -DGROUNDLINE_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --test-dir build-asan --output-on-failure -j"$jobs"
