#!/usr/bin/env bash
# Installs the Debian packages Keel builds and tests against. Idempotent; a no-op when present.
set -euo pipefail

packages=(librdkafka-dev libsqlite3-dev libmongoc-dev libbson-dev pkg-config python3-venv unzip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "keel: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "keel: swift is not on PATH (Swift 6 toolchain required)" >&2; exit 1; }
