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
# The traveler app at /, its hashed script cached for good.
asset=$(curl -fsS "http://127.0.0.1:$port/" | grep -oE '/assets/index-[A-Za-z0-9_-]{8}\.js' | head -1)
[ -n "$asset" ] || { echo "/ does not serve the traveler app" >&2; exit 1; }
curl -fsS -o /dev/null -D - "http://127.0.0.1:$port$asset" | grep -i '^cache-control: .*immutable' \
  || { echo "$asset is not served immutable" >&2; exit 1; }
curl -fsS -o /dev/null -D - "http://127.0.0.1:$port/trips/TG-SMOKE" \
  | grep -i '^content-security-policy:' | cut -c1-80
# DEBUG is off: an unknown API path is a problem+json 404, not a page echoing the request,
# and the generated signing key is never printed.
answer=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/api/hotels/null,null")
[ "$answer" = "404 application/problem+json" ] \
  || { echo "an unknown API path answered '$answer' (a debug page?)" >&2; exit 1; }
if [ -s var/secret_key ] && grep -qF "$(cat var/secret_key)" "$log"; then
  echo "make run printed its secret key" >&2; exit 1
fi
day=$(date -u -d '+14 days' +%F)
out=$(curl -fsS -w '\n%{http_code} %{time_total}s' \
  "http://127.0.0.1:$port/api/flights/search?origin=JFK&destination=LHR&date=$day")
echo "$out" | tail -1
count=$(echo "$out" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
echo "JFK->LHR on $day: $count offers"
[ "$count" -gt 0 ] || { tail -50 "$log"; exit 1; }
grep -E "staff@|/admin/" "$log" | head -3
# gunicorn's own answers (here a request line over its limit) are problem+json too.
long=$(head -c 5000 /dev/zero | tr '\0' a)
answer=$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' \
  "http://127.0.0.1:$port/api/airports?q=$long")
echo "over-long URL: $answer"
[ "$answer" = "414 application/problem+json" ] \
  || { echo "an over-long URL is not a 414 problem" >&2; exit 1; }
# The whole booking path through gunicorn: log in, hold the cheapest offer, pay, read back.
base="http://127.0.0.1:$port" OFFERS="$out" python3 - <<'PY'
import json, os, time, urllib.request, uuid

base = os.environ["base"]
def call(method, path, body=None, token=None, headers=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.load(resp), (time.perf_counter() - started) * 1000

offer = json.loads(os.environ["OFFERS"].splitlines()[0])["results"][0]["offer_id"]
_, tokens, _ = call("POST", "/api/auth/token",
                    {"email": "traveler@travelguru.example", "password": "paper-lantern-voyage"})
status, hold, hold_ms = call("POST", "/api/holds", {"items": [{"offer_id": offer}]},
                             tokens["access"])
assert status == 201, hold
status, booking, book_ms = call(
    "POST", "/api/bookings",
    {"hold_id": hold["id"], "travelers": [{"first_name": "Smoke", "last_name": "Test"}],
     "payment_token": "tok_visa"},
    tokens["access"], {"Idempotency-Key": str(uuid.uuid4())})
assert status == 201 and booking["status"] == "confirmed", booking
print(f"hold {hold_ms:.0f} ms, booking {booking['reference']} {book_ms:.0f} ms, "
      f"total {booking['total']['amount']} {booking['total']['currency']}")
# Its confirmation went over SMTP to the local sink (after the response), .ics and all.
import glob, pathlib
for _ in range(30):
    found = [p for p in glob.glob("var/mail/*.eml")
             if booking["reference"] in pathlib.Path(p).read_text(errors="replace")]
    if found:
        break
    time.sleep(0.5)
assert found, "the booking's confirmation did not reach the local mail sink"
assert "text/calendar" in pathlib.Path(found[0]).read_text(errors="replace")
print(f"confirmation in the mail sink: {found[0]}")
PY
