# Helpers shared by the test-server scripts (kafka-runtime.sh, mongo-runtime.sh). Source it after
# setting PIDFILE; nothing here runs on its own.

# A free TCP port on the loopback interface.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Succeeds when something accepts connections on 127.0.0.1:$1.
port_open() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(0.2)
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); sys.exit(0)
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# Prints the pid recorded in $PIDFILE when that process is alive; fails otherwise.
running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid; pid="$(cat "$PIDFILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
