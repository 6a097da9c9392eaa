#!/usr/bin/env bash
# Installs the Debian packages MockRoom's tests and voice need, only when they are missing.
# Usage: system-deps.sh [package ...]   (default: everything)
set -euo pipefail

want=("$@")
# nginx and coturn: `mockroom doctor` is tested behind a real proxy and against a real TURN server.
# postgresql and redis-server: the cluster tests start private instances of each (tests/support).
[ ${#want[@]} -gt 0 ] || want=(chromium espeak-ng sox nginx coturn postgresql redis-server)

missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    chromium) command -v chromium >/dev/null || missing+=(chromium) ;;
    espeak-ng) command -v espeak-ng >/dev/null || missing+=(espeak-ng) ;;
    sox) command -v sox >/dev/null || missing+=(sox) ;;
    # tests/test_turn.py starts its own turnserver on loopback; the packaged service stays off.
    nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
    coturn) command -v turnserver >/dev/null || missing+=(coturn) ;;
    # Debian keeps initdb/pg_ctl in /usr/lib/postgresql/<major>/bin, out of PATH.
    postgresql) compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql) ;;
    redis-server) command -v redis-server >/dev/null || missing+=(redis-server) ;;
    *) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" fonts-dejavu-core >/dev/null
