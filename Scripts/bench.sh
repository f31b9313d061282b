#!/usr/bin/env bash
# Benchmarks on a release build: `keel bench log` against the embedded log and against tansu,
# beside the C librdkafka reference client on the same broker (results are ratios).
# Extra arguments go to `keel bench log` (e.g. --events 200000 --format json).
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/install-deps.sh
Scripts/kafka-runtime.sh fetch
swift build -c release --product keel
Scripts/bench/build-ref.sh

cleanup() { Scripts/kafka-runtime.sh stop-tansu || true; }
trap cleanup EXIT INT TERM
bootstrap="$(Scripts/kafka-runtime.sh start-tansu)"
# Keel and the reference client load the same librdkafka runtime (>= 2.2, which tansu needs).
LD_LIBRARY_PATH="$(Scripts/kafka-runtime.sh libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
.build/release/keel bench log --kafka "$bootstrap" "$@"
