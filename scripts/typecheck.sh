#!/usr/bin/env bash
# make typecheck: mypy over the repository (settings in pyproject.toml), then mypy-baseline.
# bookings/ and accounts/ are strict and must have no error at all; anywhere else an error
# fails unless mypy-baseline.txt lists it, and an error listed there that is fixed fails
# too until the list is synced, so the baseline only goes down:
#   .venv/bin/mypy . | .venv/bin/mypy-baseline sync
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$BIN/mypy" . >"$out" 2>&1
mypy_status=$?
# 0: no error; 1: errors (judged below); anything else: mypy itself failed.
if [ "$mypy_status" -gt 1 ]; then
  cat "$out" >&2
  echo "typecheck: mypy did not run to the end (exit $mypy_status)" >&2
  exit "$mypy_status"
fi
strict=$(grep -E '^(bookings|accounts)/[^:]+:[0-9]+: error:' "$out" || true)
if [ -n "$strict" ]; then
  echo "$strict"
  echo "typecheck: bookings/ and accounts/ are strict: these errors cannot go in the baseline" >&2
  exit 1
fi
if grep -qE '^(bookings|accounts)/' mypy-baseline.txt; then
  echo "typecheck: mypy-baseline.txt lists errors in bookings/ or accounts/ (strict: none allowed)" >&2
  exit 1
fi
"$BIN/mypy-baseline" filter --no-colors <"$out"
status=$?
total=$(grep -c ": error:" mypy-baseline.txt || true)
if [ "$status" -ne 0 ]; then
  echo "typecheck: new mypy errors above fail; if errors were fixed, sync the baseline:" \
    "$BIN/mypy . | $BIN/mypy-baseline sync" >&2
  exit 1
fi
echo "typecheck: no new mypy error; baseline $total (bookings/, accounts/: strict, 0)"
