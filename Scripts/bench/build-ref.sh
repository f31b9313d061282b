#!/usr/bin/env bash
# Builds the C reference client for `keel bench log` into .tools/bench/rdkafka_ref (idempotent).
# Compiled against Debian's librdkafka-dev; run it with LD_LIBRARY_PATH=$(Scripts/kafka-runtime.sh libdir)
# so it uses the same librdkafka runtime as Keel's tests (Debian's 2.0.2 cannot talk to tansu).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.tools/bench"
SRC="$ROOT/Scripts/bench/rdkafka_ref.c"
mkdir -p "$OUT"
if [[ ! -x "$OUT/rdkafka_ref" || "$SRC" -nt "$OUT/rdkafka_ref" ]]; then
    # shellcheck disable=SC2046
    cc -O2 -Wall -o "$OUT/rdkafka_ref" "$SRC" $(pkg-config --cflags --libs rdkafka)
fi
echo "$OUT/rdkafka_ref"
