#!/usr/bin/env bash
# Quick start on the embedded default (no broker, no database): installs what Keel needs, builds
# the `keel` binary, applies the topic catalog to ./.keel and shows a produce → tail round trip.
# Pass a different log with KEEL_LOG=kafka:HOST:PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/install-deps.sh
swift build -c release --product keel
keel=.build/release/keel
export KEEL_LOG="${KEEL_LOG:-embedded:./.keel}"

echo "== keel topics apply ($KEEL_LOG)"
"$keel" topics apply

key="quickstart-$(date +%s)"
echo "== keel produce keel.external"
printf '{"type":"com.example.hello","key":"%s","data":{"greeting":"hello, keel"}}\n' "$key" | "$keel" produce keel.external

echo "== keel tail keel.external --from earliest --key $key --limit 1"
"$keel" tail keel.external --from earliest --key "$key" --limit 1 --format pretty

cat <<MSG

Keel is installed at $keel with its log in ${KEEL_LOG}. Try:
  $keel topics list
  $keel tail keel.external --format pretty          # follows live; Ctrl-C to stop
  echo '{"type":"com.example.order","key":"o-1","data":{"n":1}}' | $keel produce keel.external
MSG
