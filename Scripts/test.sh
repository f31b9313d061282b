#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, builds once, starts the real test
# servers (tansu for Kafka, SecantusDB for MongoDB), runs every test with integration tests required, stops the servers
# on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/install-deps.sh
Scripts/kafka-runtime.sh fetch
Scripts/mongo-runtime.sh fetch

swift build --build-tests -Xswiftc -warnings-as-errors

# Formatting is checked like warnings: Scripts/swift-format.json (swift format ships with the toolchain).
find Sources Tests -name '*.swift' | sort | xargs swift format lint --strict --parallel --configuration Scripts/swift-format.json

cleanup() {
  Scripts/kafka-runtime.sh stop-tansu || true
  Scripts/mongo-runtime.sh stop || true
}
trap cleanup EXIT INT TERM
KEEL_TEST_KAFKA="$(Scripts/kafka-runtime.sh start-tansu)"
KEEL_TEST_MONGO="$(Scripts/mongo-runtime.sh start memory)"
export KEEL_TEST_MONGO
export KEEL_TEST_KAFKA KEEL_TEST_KAFKA_FLAVOR=tansu
export KEEL_REQUIRE_INTEGRATION=1
# Debian's librdkafka 2.0.2 cannot talk to tansu (fixed in 2.2): run with the newer runtime first.
LD_LIBRARY_PATH="$(Scripts/kafka-runtime.sh libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
echo "keel: tests against Kafka at $KEEL_TEST_KAFKA and MongoDB at $KEEL_TEST_MONGO" >&2

# A hung test must fail the run with evidence instead of using up CI's time: after
# KEEL_TEST_TIMEOUT seconds the test process's thread stacks are printed and it is killed.
# Line-buffered output, so what the tests printed before a hang is not lost in a pipe buffer.
run_with_deadline() {
    local limit="$1"; shift
    "$@" &
    local pid=$!
    (
        trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
        sleep "$limit" & sleeper=$!
        wait "$sleeper"
        echo "keel: the test run did not finish within ${limit}s; thread stacks of the test process follow" >&2
        for test_pid in $(pgrep -f 'keelPackageTests.xctest' || true); do
            gdb -p "$test_pid" -batch -ex 'thread apply all bt 15' >&2 2>&1 || true
            kill -9 "$test_pid" 2>/dev/null || true
        done
        kill "$pid" 2>/dev/null || true
    ) &
    local watchdog=$!
    local status=0
    wait "$pid" || status=$?
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
    return "$status"
}

run_with_deadline "${KEEL_TEST_TIMEOUT:-1800}" stdbuf -oL -eL swift test --skip-build -Xswiftc -warnings-as-errors "$@"

# JMESPath, Keel's expression language, against the reference implementation (PyPI jmespath) on
# generated cases (Scripts/jmespath-crosscheck.py; a few seconds).
python3 Scripts/jmespath-crosscheck.py

# The API fuzz run: schemathesis against a live `keel serve` (the debug binary built above) from its
# /openapi.json, a few minutes at most (docs/gateway.md, Fuzzing). It stops its own server on every
# exit path; the servers above are stopped by the trap. KEEL_SKIP_FUZZ=1 skips it.
if [[ "${KEEL_SKIP_FUZZ:-}" != 1 ]]; then
    Scripts/fuzz-api.sh
fi
