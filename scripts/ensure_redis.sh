#!/usr/bin/env bash
# Install Debian's redis-server when it is missing (the Celery/Redis integration test starts one).
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "Installing redis-server from Debian's packages..."
if [ "$(id -u)" = "0" ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "redis-server is missing and this user cannot install it:" >&2
  echo "  run as root: apt-get install -y redis-server" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Only the binary is needed: the integration test starts its own server on a free port.
$SUDO apt-get install -y -qq redis-server >/dev/null
command -v redis-server
