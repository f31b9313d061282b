# Helpers shared by the test-server scripts (kafka-runtime.sh, mongo-runtime.sh). Source it after
# setting PIDFILE; nothing here runs on its own.

# A free TCP port on the loopback interface, chosen below the kernel's ephemeral range: the kernel
# hands ephemeral ports to every `bind(0)` (a test's `--listen 127.0.0.1:0`) and outgoing
# connection, so a server restarted on its old port (fault tests) could otherwise find it taken.
free_port() {
    python3 - <<'PY'
import random, socket
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
low = max(low, 12000)
for _ in range(200):
    port = random.randrange(10000, low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        continue
    finally:
        s.close()
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
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

# Succeeds when the socket listening on port $2 belongs to process $1 (not to whoever else may
# have taken the port): the listening socket's inode, from /proc/net/tcp{,6}, among $1's fds.
owns_port() {
    python3 - "$1" "$2" <<'PY'
import os, sys
pid, port = sys.argv[1], int(sys.argv[2])
inodes = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(fields[9])
try:
    fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
except OSError:
    sys.exit(1)
sys.exit(0 if any(f"socket:[{inode}]" in fds for inode in inodes) else 1)
PY
}

# Prints the pid recorded in $PIDFILE when that process is alive; fails otherwise.
running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid; pid="$(cat "$PIDFILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
