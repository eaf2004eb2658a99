#!/usr/bin/env bash
# System libraries the Python packages compile against (mysqlclient needs MariaDB's client).
set -euo pipefail
if pkg-config --exists libmariadb 2>/dev/null || pkg-config --exists mysqlclient 2>/dev/null; then
  exit 0
fi
echo "Installing the MariaDB client library (needed to build mysqlclient)…"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libmariadb-dev pkg-config >/dev/null
