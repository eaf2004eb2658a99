"""The events AWS sends a Zappa function: API Gateway REST proxy requests and schedules.

Shapes as recorded from a live REST API stage (proxy integration) and from EventBridge's
scheduled rules; tests/infra/test_lambda_handler.py feeds the same shapes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

ACCOUNT = "123456789012"


def api_gateway_event(
    method: str,
    path: str,
    *,
    query: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str],
    body: str | None,
    is_base64: bool = False,
    stage: str,
    source_ip: str,
) -> dict:
    """What a REST API's `{proxy+}` resource passes its Lambda proxy integration."""
    multi_query = {k: list(v) for k, v in (query or {}).items()} or None
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()}
        if multi_query
        else None,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "path": f"/{stage}{path}",
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
            "domainName": headers.get("Host", ""),
            "apiId": "rehearsal",
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def scheduled_event(rule_name: str, *, region: str) -> dict:
    """What EventBridge sends for one of Zappa's `events` (the rule is named after it)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule_name}"],
        "detail": {},
    }


def label(event: object) -> str:
    """A short name for an event, for the rehearsal's report and its call records."""
    if not isinstance(event, dict):
        return "?"
    if "httpMethod" in event:
        return f"{event['httpMethod']} {event['path']}"
    if event.get("detail-type") == "Scheduled Event":
        return "schedule " + event["resources"][0].rsplit("/", 1)[1]
    for key in ("manage", "command", "raw_command"):
        if key in event:
            return f"{key} {str(event[key])[:60]}"
    return "event"
