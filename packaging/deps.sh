#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages the project needs. Idempotent and quiet when
# everything is already there. The package list lives only here.
set -euo pipefail

# qt6-svg-dev brings libqt6svg6, whose qsvg plugin draws the console's SVG icons.
BUILD_DEPS=(build-essential cmake pkg-config qt6-base-dev
            qt6-websockets-dev qt6-httpserver-dev qt6-svg-dev libhiredis-dev)
TEST_DEPS=(redis-server chromium) # chromium: the browser-level dashboard check
BENCH_DEPS=(wrk curl)

want=("${BUILD_DEPS[@]}")
case "${1:-build}" in
  build) ;;
  test)  want+=("${TEST_DEPS[@]}") ;;
  bench) want+=("${TEST_DEPS[@]}" "${BENCH_DEPS[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
