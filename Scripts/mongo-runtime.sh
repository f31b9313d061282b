#!/usr/bin/env bash
# MongoDB-protocol test runtime for Keel: SecantusDB (a wire-compatible server from PyPI) in a venv kept in the
# git-ignored .tools/ folder at the repository root. See docs/mongo.md and INFRA.md.
#
#   Scripts/mongo-runtime.sh fetch                 create the venv and install SecantusDB if missing (idempotent)
#   Scripts/mongo-runtime.sh start [memory]        start a server on a free loopback port; prints mongodb://127.0.0.1:PORT
#                                                  (file storage in a fresh folder under .tools/run/, or :memory:)
#   Scripts/mongo-runtime.sh stop                  stop it: SIGTERM, wait, then SIGKILL (idempotent)
#   Scripts/mongo-runtime.sh restart               stop + start on the SAME port and storage path (fault tests)
#   Scripts/mongo-runtime.sh url                   print the running server's URL (fails when none runs)
#
# KEEL_MONGO_RUN_DIR=DIR puts the pid, log, port and storage files in DIR instead of .tools/run, so a test can
# run a private instance (its own port and storage) next to the shared one and restart it at will.
set -euo pipefail

SECANTUS_PIN="secantusdb==0.7.0b3"   # only betas exist: the pin is required

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/secantus-venv"
SERVER="$VENV/bin/secantusd-py"
RUN="${KEEL_MONGO_RUN_DIR:-$TOOLS/run}"
PIDFILE="$RUN/secantus.pid"
LOGFILE="$RUN/secantus.log"
PORTFILE="$RUN/secantus.port"
STOREFILE="$RUN/secantus.storage"

log() { echo "mongo-runtime: $*" >&2; }
die() { log "error: $*"; exit 1; }

fetch() {
    if [[ -x "$SERVER" ]]; then return 0; fi
    command -v python3 >/dev/null 2>&1 || die "python3 is not installed (run Scripts/install-deps.sh)"
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "creating $VENV"
        python3 -m venv "$VENV" >&2 || die "python3 -m venv failed (is python3-venv installed? run Scripts/install-deps.sh)"
    fi
    log "installing $SECANTUS_PIN"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$SECANTUS_PIN" >&2
    [[ -x "$SERVER" ]] || die "secantusd-py not found in $VENV after install"
}

# free_port, port_open, running_pid
source "$ROOT/Scripts/lib/servers.sh"

# launch PORT STORAGE: starts the server and waits until it accepts connections.
launch() {
    local port="$1" storage="$2"
    mkdir -p "$RUN"
    # An empty working directory: secantusd reads ./secantusd.toml when present.
    local cwd="$RUN/cwd"
    mkdir -p "$cwd"
    rm -f "$cwd/secantusd.toml"
    # setsid: the server must not die with the caller's process group (e.g. a test harness).
    # Descriptors above 2 are closed first: a caller's pipes (e.g. Foundation.Process's exit monitor)
    # must not stay open in the long-lived server.
    (
        cd "$cwd"
        for fd in /proc/$BASHPID/fd/*; do
            fd="${fd##*/}"
            if [[ "$fd" -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec setsid "$SERVER" --host 127.0.0.1 --port "$port" --storage-path "$storage" >>"$LOGFILE" 2>&1 </dev/null
    ) &
    local pid=$!
    echo "$pid" >"$PIDFILE"
    echo "$port" >"$PORTFILE"
    echo "$storage" >"$STOREFILE"
    for _ in $(seq 1 300); do
        # Someone else's listener on the port would pass port_open: it must be ours.
        if port_open "$port" && owns_port "$pid" "$port"; then
            echo "mongodb://127.0.0.1:$port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOGFILE" >&2; rm -f "$PIDFILE"; die "secantusd exited during start-up"; }
        sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    die "secantusd did not accept connections on 127.0.0.1:$port within 15s (log: $LOGFILE)"
}

start() {
    fetch
    mkdir -p "$RUN"
    if running_pid >/dev/null && [[ -f "$PORTFILE" ]]; then
        echo "mongodb://127.0.0.1:$(cat "$PORTFILE")"    # already running: same address (idempotent)
        return 0
    fi
    local storage
    if [[ "${1:-}" == "memory" ]]; then
        storage=":memory:"
    else
        storage="$RUN/data-$(date +%s)-$$"
        mkdir -p "$storage"
    fi
    : >"$LOGFILE"
    launch "$(free_port)" "$storage"
}

stop() {
    local pid
    if pid="$(running_pid)"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -f "$PIDFILE"
}

restart() {
    fetch
    [[ -f "$PORTFILE" && -f "$STOREFILE" ]] || die "nothing to restart: no server was started in $RUN"
    local port storage
    port="$(cat "$PORTFILE")"
    storage="$(cat "$STOREFILE")"
    stop
    # The old socket may linger briefly; wait until the port is free again.
    for _ in $(seq 1 100); do port_open "$port" || break; sleep 0.05; done
    launch "$port" "$storage"
}

url() {
    running_pid >/dev/null && [[ -f "$PORTFILE" ]] || die "no server is running (from $RUN)"
    echo "mongodb://127.0.0.1:$(cat "$PORTFILE")"
}

case "${1:-}" in
    fetch) fetch ;;
    start) start "${2:-}" ;;
    stop) stop ;;
    restart) restart ;;
    url) url ;;
    *) echo "usage: $(basename "$0") fetch|start [memory]|stop|restart|url" >&2; exit 2 ;;
esac
