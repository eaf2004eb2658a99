"""The function side of the Lambda twin: one warm instance of the deployed zip.

Run as `python -S runner.py` with the unpacked zip as the working directory and the
function's configured environment, as Lambda's Python runtime runs `handler.lambda_handler`:
only the package and the standard library are importable, bytecode writes are off. Events
arrive one JSON line each on stdin; each answer is one marked line on stdout (everything
else the function prints is its log).

Before the handler is imported, the rehearsal installs what stands in for AWS around the
process, and nothing inside the package changes:
- host names (the RDS proxy's endpoint) resolve to loopback, where MariaDB answers;
- every AWS call any botocore client makes is recorded (service, operation, parameters,
  region, answer), for the IAM evaluation after the run;
- Stripe's API (api.stripe.com) is answered in this process by a twin of its PaymentIntents
  and Refunds, through `responses` (as tests/bookings/test_stripe.py stubs Stripe's SDK);
  production settings refuse the sandbox, so real Stripe code runs against it.

Standard library only at module level: `responses` comes from REHEARSE_EXTRA_PATH, put at
the end of sys.path so the package's own modules always win.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import traceback
import uuid
from typing import Any

MARK = "@@LAMBDA@@"
_state: dict[str, Any] = {"label": "cold start"}


def resolve_hosts(hosts: dict[str, str]) -> None:
    """getaddrinfo for the named hosts answers the given address (this process only)."""
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        key = host.decode() if isinstance(host, bytes) else host
        return original(hosts.get(key, host), *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _plain(value: Any, depth: int = 0) -> Any:
    """JSON-able copy of SDK parameters: bodies and streams become their size."""
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()} if depth < 6 else "..."
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value[:50]]
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return f"<{type(value).__name__}>"


def record_aws_calls(path: str) -> None:
    """Every botocore client, whoever creates it, notes each call it makes to `path`."""
    import botocore.client

    original = botocore.client.BaseClient.__init__

    def params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["rehearsal_params"] = _plain(params)

    def answer(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
               **_: Any) -> None:  # fmt: skip
        flat = {k: v for k, v in parsed.items() if isinstance(v, (str, int, bool))}
        if "Error" in parsed:
            flat["Error"] = _plain(parsed["Error"])
        line = {
            "service": model.service_model.signing_name,
            "endpoint_prefix": model.service_model.endpoint_prefix,
            "operation": model.name,
            "region": context.get("client_region"),
            "params": context.get("rehearsal_params", {}),
            "parsed": flat,
            "status": getattr(http_response, "status_code", None),
            "invocation": _state["label"],
            "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.meta.events.register("before-parameter-build", params)
        self.meta.events.register("after-call", answer)

    botocore.client.BaseClient.__init__ = init


# ---- Stripe's API, as documented for PaymentIntents and Refunds ---------------------------

# Stripe's documented test tokens and payment methods: a declined card, a 3-D Secure card.
DECLINED = {"tok_chargeDeclined", "pm_card_chargeDeclined", "tok_visa_chargeDeclined"}
NEEDS_ACTION = {"tok_threeDSecure2Required", "pm_card_threeDSecure2Required"}


class StripeTwin:
    """Answers the Stripe SDK's requests with objects in Stripe's documented shape."""

    def __init__(self, calls_path: str | None) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, tuple[int, dict[str, str], str]] = {}  # by Idempotency-Key
        self.calls_path = calls_path

    def install(self) -> None:
        import re

        import responses

        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        base = "https://api.stripe.com/v1"
        mock.add_callback("POST", f"{base}/payment_intents", callback=self._create)
        mock.add_callback("GET", re.compile(rf"{base}/payment_intents/search.*"),
                          callback=self._search)  # fmt: skip
        mock.add_callback("GET", re.compile(rf"{base}/payment_intents/pi_\w+"),
                          callback=self._retrieve)  # fmt: skip
        mock.add_callback("POST", f"{base}/refunds", callback=self._refund)
        # Anything else (any other host) goes out as it would without the twin.
        mock.add_passthru(re.compile(r"^(?!https://api\.stripe\.com/).*"))
        mock.start()
        self.mock = mock

    def _note(self, operation: str, status: int) -> None:
        if self.calls_path:
            line = {"service": "stripe", "operation": operation, "status": status,
                    "invocation": _state["label"]}  # fmt: skip
            with open(self.calls_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    def _once(self, request: Any, operation: str, make: Any) -> tuple[int, dict[str, str], str]:
        key = request.headers.get("Idempotency-Key")
        if key and key in self.replies:
            self._note(operation + " (idempotent replay)", self.replies[key][0])
            return self.replies[key]
        reply = make()
        if key:
            self.replies[key] = reply
        self._note(operation, reply[0])
        return reply

    @staticmethod
    def _form(request: Any) -> dict[str, str]:
        from urllib.parse import parse_qsl

        body = request.body or ""
        body = body.decode() if isinstance(body, bytes) else body
        return dict(parse_qsl(body, keep_blank_values=True))

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        headers = {"Content-Type": "application/json", "Request-Id": "req_" + uuid.uuid4().hex}
        return status, headers, json.dumps(body)

    def _create(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = self._form(request)

        def make() -> tuple[int, dict[str, str], str]:
            method = form.get("payment_method") or form.get("payment_method_data[card][token]")
            if method in DECLINED:
                return self._json(402, {"error": {
                    "type": "card_error", "code": "card_declined",
                    "decline_code": "generic_decline", "message": "Your card was declined.",
                }})  # fmt: skip
            intent_id = "pi_" + uuid.uuid4().hex[:24]
            metadata = {
                key[len("metadata[") : -1]: value
                for key, value in form.items()
                if key.startswith("metadata[")
            }
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "amount_received": int(form["amount"]),
                "currency": form["currency"],
                "status": "requires_action" if method in NEEDS_ACTION else "succeeded",
                "description": form.get("description"),
                "metadata": metadata,
                "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:24]}",
                "created": int(time.time()),
                "livemode": False,
                "payment_method": "pm_" + uuid.uuid4().hex[:24],
                "latest_charge": "ch_" + uuid.uuid4().hex[:24],
                "confirmation_method": "automatic",
                "capture_method": "automatic",
            }
            self.intents[intent_id] = intent
            return self._json(200, intent)

        return self._once(request, "PaymentIntents.create", make)

    def _retrieve(self, request: Any) -> tuple[int, dict[str, str], str]:
        intent_id = request.url.split("?")[0].rsplit("/", 1)[1]
        self._note("PaymentIntents.retrieve", 200 if intent_id in self.intents else 404)
        if intent_id not in self.intents:
            return self._json(404, {"error": {"type": "invalid_request_error",
                                              "code": "resource_missing"}})  # fmt: skip
        return self._json(200, self.intents[intent_id])

    def _search(self, request: Any) -> tuple[int, dict[str, str], str]:
        import re
        from urllib.parse import parse_qs, urlsplit

        query = parse_qs(urlsplit(request.url).query).get("query", [""])[0]
        found = re.fullmatch(r"metadata\['(\w+)'\]:'([^']*)'", query)
        data = [
            intent
            for intent in self.intents.values()
            if found and intent["metadata"].get(found.group(1)) == found.group(2)
        ]
        self._note("PaymentIntents.search", 200)
        page = {"object": "search_result", "data": data, "has_more": False,
                "url": "/v1/payment_intents/search", "next_page": None}  # fmt: skip
        return self._json(200, page)

    def _refund(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = self._form(request)

        def make() -> tuple[int, dict[str, str], str]:
            intent = self.intents.get(form.get("payment_intent", ""))
            if intent is None:
                return self._json(400, {"error": {"type": "invalid_request_error",
                                                  "code": "resource_missing"}})  # fmt: skip
            return self._json(200, {
                "id": "re_" + uuid.uuid4().hex[:24], "object": "refund",
                "amount": int(form.get("amount", intent["amount"])),
                "currency": intent["currency"], "payment_intent": intent["id"],
                "status": "succeeded", "created": int(time.time()),
            })  # fmt: skip

        return self._once(request, "Refunds.create", make)


# ---- the runtime loop ----------------------------------------------------------------------


class Context:
    """The parts of Lambda's context object Zappa's handler and Django read."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("REHEARSE_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.aws_request_id = request_id
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    sys.path[0] = os.getcwd()  # the task root, as Lambda's runtime puts it first
    if extra := os.environ.get("REHEARSE_EXTRA_PATH"):
        sys.path.append(extra)
    calls = os.environ.get("REHEARSE_CALLS")
    if hosts := os.environ.get("REHEARSE_HOSTS"):
        resolve_hosts(json.loads(hosts))
    if calls:
        record_aws_calls(calls)
    if os.environ.get("REHEARSE_STRIPE") == "1":
        StripeTwin(calls).install()
    timeout = float(os.environ.get("REHEARSE_TIMEOUT", "60"))
    started = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        import handler  # type: ignore[import-not-found]  # noqa: F401  (Django is built at import)
    except Exception:
        out = {"init_error": traceback.format_exc()}
    imported = round(time.perf_counter() - started, 3)
    sys.stdout.write(MARK + json.dumps({"ready": True, "import_seconds": imported} | out) + "\n")
    sys.stdout.flush()
    if out:
        return
    for line in sys.stdin:
        request = json.loads(line)
        _state["label"] = request.get("label", "")
        started = time.perf_counter()
        context = Context(request["request_id"], time.monotonic() + timeout)
        try:
            reply: dict[str, Any] = {"result": handler.lambda_handler(request["event"], context)}
        except Exception as exc:
            reply = {
                "error": {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_exc().splitlines(),
                }
            }
        reply["seconds"] = round(time.perf_counter() - started, 3)
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout.write(MARK + json.dumps(reply, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
