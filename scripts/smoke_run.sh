#!/usr/bin/env bash
# Start `make run` on a fresh SQLite file and a free port, and check that the newcomer's
# first request (a JFK -> LHR flight search) returns offers. Prints what it measured.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${SMOKE_PORT:-18765}
db="$(mktemp -d)/smoke.sqlite3"
log=$(mktemp)
export DATABASE_URL="sqlite:///$db" PORT=$port DEMO_DAYS=${DEMO_DAYS:-30}
start=$(date +%s)
setsid make --no-print-directory run >"$log" 2>&1 &
pid=$!
cleanup() { kill -- -"$pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "make run died" >&2; exit 1; }
  sleep 1
done
echo "make run answered /healthz after $(( $(date +%s) - start ))s"
day=$(date -u -d '+14 days' +%F)
out=$(curl -fsS -w '\n%{http_code} %{time_total}s' \
  "http://127.0.0.1:$port/api/flights/search?origin=JFK&destination=LHR&date=$day")
echo "$out" | tail -1
count=$(echo "$out" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
echo "JFK->LHR on $day: $count offers"
[ "$count" -gt 0 ] || { tail -50 "$log"; exit 1; }
grep -E "staff@|/admin/" "$log" | head -3
