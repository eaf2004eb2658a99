#!/usr/bin/env bash
# Re-pin requirements: resolve base.in, then dev.in on top, in a throwaway venv.
set -euo pipefail
tmp=$(mktemp -d)
python3.11 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --upgrade pip
"$tmp/venv/bin/pip" install --quiet -r requirements/base.in
{ echo "# Production dependencies, pinned. Sources in base.in; regenerate with 'make lock'."
  "$tmp/venv/bin/pip" freeze; } > requirements/base.txt
"$tmp/venv/bin/pip" freeze | sort > "$tmp/base.sorted"
"$tmp/venv/bin/pip" install --quiet $(grep -vE '^(#|-r)' requirements/dev.in)
{ echo "# Development and test dependencies on top of production's. Regenerate with 'make lock'."
  echo "-r base.txt"
  "$tmp/venv/bin/pip" freeze | sort | comm -13 "$tmp/base.sorted" -; } > requirements/dev.txt
rm -rf "$tmp"
