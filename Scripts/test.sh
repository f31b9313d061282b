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

swift test --skip-build -Xswiftc -warnings-as-errors "$@"
