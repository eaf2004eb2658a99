#!/usr/bin/env bash
# Node.js and npm build the traveler app (frontend/). Debian 12's own packages (Node 18.20)
# are enough; install them once if missing.
set -euo pipefail
if command -v node >/dev/null && command -v npm >/dev/null; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge 18 ]; then
    exit 0
  fi
  echo "Node.js $(node --version) is too old to build the front-end (18 or later needed)." >&2
  exit 1
fi
echo "Installing Node.js and npm (needed to build the front-end)…"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
