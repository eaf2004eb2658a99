#!/usr/bin/env bash
# What the browser tests need beyond Python packages: Debian's Chromium (Playwright drives
# it; `playwright install` cannot download browsers here). Install it once if missing.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
echo "Installing Chromium (needed by the browser tests)…"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
