#!/usr/bin/env bash
# Quick start on the embedded default (no broker, no database): installs what Keel needs, builds the
# `keel` binary and runs `keel serve` with every role (gateway + projectors) on ./.keel, printing the
# gateway URL (and, on the very first start, the admin key — once). Ctrl-C stops it gracefully.
# Set KEEL_LISTEN=HOST:PORT (default 127.0.0.1:8080), KEEL_ADMIN_KEY, or KEEL_LOG/KEEL_STORE to change it.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/install-deps.sh
swift build -c release --product keel
keel=.build/release/keel
export KEEL_LOG="${KEEL_LOG:-embedded:./.keel}"
export KEEL_STORE="${KEEL_STORE:-embedded:./.keel/store}"
export KEEL_LISTEN="${KEEL_LISTEN:-127.0.0.1:8080}"

cat <<MSG
== keel serve (log $KEEL_LOG, store $KEEL_STORE)
In another terminal, with the admin key printed below (first start only) or KEEL_ADMIN_KEY:
  $keel demo --url http://$KEEL_LISTEN --admin-key ADMIN_KEY     # tenant, key, events, analytics, live WebSocket
  curl -s http://$KEEL_LISTEN/openapi.json                       # every route; see README "Gateway"
MSG
exec "$keel" serve
