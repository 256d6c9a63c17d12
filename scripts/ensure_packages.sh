#!/usr/bin/env bash
# Install Debian packages for commands that are missing.
# Usage: ensure_packages.sh COMMAND=PACKAGE ...   e.g. chromium=chromium chromedriver=chromium-driver
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "Installing ${missing[*]} from Debian's packages..."
if [ "$(id -u)" = "0" ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "Missing commands, and this user cannot install them; as root run:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
for pair in "$@"; do command -v "${pair%%=*}"; done
