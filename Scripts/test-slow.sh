#!/usr/bin/env bash
# The whole test suite with the long soak, HA and browser tests in full (KEEL_SLOW_TESTS=1): run it
# before resolving an issue. CI runs Scripts/test.sh, where those tests run their short versions.
# Same set-up as Scripts/test.sh (which it runs): dependencies, one build, the real test servers,
# integration tests required, servers stopped on every exit path. Arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

export KEEL_SLOW_TESTS=1
# The full versions take longer: a later watchdog unless the caller set one.
export KEEL_TEST_TIMEOUT="${KEEL_TEST_TIMEOUT:-3600}"
exec Scripts/test.sh "$@"
