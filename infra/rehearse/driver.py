"""The rehearsal, phase by phase: twins up, the deploy command twice, traffic, rollback, IAM.

Every phase prints its time; the first failure stops the run (exit 1) naming the phase.
What the twins could not prove is printed at the end, failed or not.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess  # nosec B404: starts moto, the deploy command and manage.py; no shell
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from infra.rehearse import events, iam_check, not_proven
from infra.rehearse.edge_twin import EdgeTwin
from infra.rehearse.lambda_twin import FunctionError, LambdaTwin, task_name

ROOT = Path(__file__).resolve().parents[2]
# Hidden: `zappa package` walks every non-hidden directory below the project, and the
# unpacked package here has a zappa.websocket import it would take for the project's.
WORK = ROOT / "var" / ".rehearse"
ZIP = ROOT / "var" / "package" / "travelguru-prod.zip"
STAGE = "prod"
REGION = "eu-west-1"
EDGE_REGION = "us-east-1"
FUNCTION = f"travelguru-{STAGE}"
# CI_DB_NAME-style override: two checkouts may rehearse at once on one MariaDB.
DATABASE = os.environ.get("REHEARSE_DB_NAME", "tg_rehearse")
SITE_DOMAIN = "travelguru.example"
API_DOMAIN = "api.travelguru.example"
DEMO_DAYS = 10
TRAVELER = {"email": "traveler@travelguru.example", "password": "paper-lantern-voyage"}
# Stripe test-mode keys in Stripe's formats: the Stripe twin accepts them, Stripe would not.
STRIPE_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_rehearsal" + "0" * 24,
    "STRIPE_WEBHOOK_SECRET": "whsec_rehearsal" + "0" * 24,
    "STRIPE_PUBLISHABLE_KEY": "pk_test_rehearsal" + "0" * 24,
}


class RehearsalFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise RehearsalFailed(message)


class Phases:
    """Named, timed phases; the report's figures."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self.started = time.monotonic()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        print(f"\n=== {name}", flush=True)
        started = time.monotonic()
        try:
            yield
        except Exception:
            self.times.append((name + " (FAILED)", time.monotonic() - started))
            raise
        self.times.append((name, time.monotonic() - started))
        print(f"--- {name}: ok ({time.monotonic() - started:.1f}s)", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 # nosec B310: loopback
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RehearsalFailed(f"{url} did not answer within {seconds:.0f}s") from None
            time.sleep(0.2)


def boto(service: str, region: str = REGION) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


# ---- the operator's part: certificates, Stripe's keys ---------------------------------------


def self_signed(domain: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = time.time()
    from datetime import UTC, datetime

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.fromtimestamp(now - 60, UTC))
        .not_valid_after(datetime.fromtimestamp(now + 86400 * 30, UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def import_certificate(domain: str, region: str) -> str:
    cert, key = self_signed(domain)
    return boto("acm", region).import_certificate(Certificate=cert, PrivateKey=key)[
        "CertificateArn"
    ]


def put_stripe_keys() -> None:
    secrets = boto("secretsmanager")
    secret_id = f"travelguru/{STAGE}/django"
    value = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value | STRIPE_KEYS))


# ---- MariaDB behind the proxy's name ----------------------------------------------------------


def mariadb(sql: list[str]) -> None:
    import pymysql

    connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
    finally:
        connection.close()


def database_for_function(env: dict[str, str]) -> None:
    """Before an instance starts: the proxy's host name points at MariaDB, whose user and
    password are the ones the database stack generated into its secret."""
    secret = json.loads(
        boto("secretsmanager").get_secret_value(SecretId=env["DATABASE_SECRET_ID"])["SecretString"]
    )
    path = env["DJANGO_SSM_PATH"].rstrip("/")
    host = boto("ssm").get_parameter(Name=f"{path}/DATABASE_HOST")["Parameter"]["Value"]
    user, password, name = secret["username"], secret["password"], secret["dbname"]
    check(name == DATABASE, f"the database secret names {name!r}, not {DATABASE}")
    statements = []
    for client_host in ("localhost", "127.0.0.1"):
        account = f"'{user}'@'{client_host}'"
        statements += [
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY %s",
            f"ALTER USER {account} IDENTIFIED BY %s",
            f"GRANT ALL PRIVILEGES ON `{name}`.* TO {account}",
        ]
    import pymysql

    connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, (password,) if "%s" in statement else None)
    finally:
        connection.close()
    env["REHEARSE_HOSTS"] = json.dumps({host: "127.0.0.1"})
    # The proxy demands TLS; the local MariaDB has none (listed as not proven).
    env.setdefault("DATABASE_TLS", "false")


# ---- HTTP through the edge twin ---------------------------------------------------------------


def http(
    base: str, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 # nosec B310
            status, reply_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, reply_headers, raw = exc.code, dict(exc.headers), exc.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, reply_headers, parsed


# ---- the run -------------------------------------------------------------------------------


class Rehearsal:
    def __init__(self) -> None:
        self.phase = Phases()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.deploy_output: list[str] = []
        self.checks: list[str] = []
        self.figures: dict[str, Any] = {}

    def ok(self, text: str) -> None:
        self.checks.append(text)
        print(f"    ok: {text}", flush=True)

    # -- twins --

    def start_twins(self) -> None:
        check(ZIP.is_file(), f"{ZIP.relative_to(ROOT)} is missing: run `make package` first")
        # The unpacked zip is kept between rehearsals (deleting a hundred megabytes of
        # small files costs more than the rest of this phase); everything else starts anew.
        keep = task_name(base64.b64encode(hashlib.sha256(ZIP.read_bytes()).digest()).decode())
        (WORK / "task").mkdir(parents=True, exist_ok=True)
        for path in WORK.iterdir():
            if path.name != "task":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        for path in (WORK / "task").iterdir():
            if path.name != keep:
                shutil.rmtree(path)
        port = free_port()
        log = (WORK / "moto.log").open("wb")
        self.processes.append(
            subprocess.Popen(  # noqa: S603 # nosec B603
                [
                    sys.executable,
                    "-m",
                    "infra.rehearse.moto_twin",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    str(port),
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        self.moto_url = f"http://127.0.0.1:{port}"
        wait_for(self.moto_url + "/moto-api/", 60)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            os.environ.pop(name, None)
        os.environ.update(
            AWS_ENDPOINT_URL=self.moto_url,
            AWS_ACCESS_KEY_ID="rehearsal",
            AWS_SECRET_ACCESS_KEY="rehearsal",  # noqa: S106 # nosec B106: moto takes any
            AWS_DEFAULT_REGION=REGION,
            AWS_EC2_METADATA_DISABLED="true",
        )
        extra = WORK / "function-extra"
        import responses

        shutil.copytree(Path(responses.__file__).parent, extra / "responses")
        self.calls_path = WORK / "calls.jsonl"
        self.lambda_twin = LambdaTwin(
            moto_url=self.moto_url,
            workdir=WORK,
            runtime_env={
                # what Lambda's runtime gives every function: credentials, the endpoints
                "AWS_ACCESS_KEY_ID": "rehearsal",
                "AWS_SECRET_ACCESS_KEY": "rehearsal",
                "AWS_SESSION_TOKEN": "rehearsal",
                "AWS_ENDPOINT_URL": self.moto_url,
                "REHEARSE_EXTRA_PATH": str(extra),
                "REHEARSE_CALLS": str(self.calls_path),
                "REHEARSE_STRIPE": "1",
            },
            before_start=database_for_function,
            label=events.label,
        )
        lambda_url = self.lambda_twin.start()
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = lambda_url
        self.lambda_twin.runtime_env["AWS_ENDPOINT_URL_LAMBDA"] = lambda_url
        self.qualifier: str | None = None
        self.edge = EdgeTwin(
            invoke=self.invoke_api,
            origin_secret=self.origin_secret,
            frontend_object=self.frontend_object,
            api_host=API_DOMAIN,
            stage=STAGE,
        )
        self.edge_url = self.edge.start()
        mariadb([f"DROP DATABASE IF EXISTS `{DATABASE}`", f"CREATE DATABASE `{DATABASE}` "
                 "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"])  # fmt: skip
        print(f"    moto {self.moto_url}, Lambda twin {lambda_url}, edge twin {self.edge_url}")

    def invoke_api(self, event: dict) -> dict:
        try:
            record = self.lambda_twin.invoke(FUNCTION, self.qualifier, event)
        except FunctionError as exc:
            return {"errorMessage": str(exc)}
        return record["error"] or record["result"]

    def origin_secret(self) -> str:
        value = boto("secretsmanager").get_secret_value(SecretId=f"travelguru/{STAGE}/django")
        return json.loads(value["SecretString"]).get("ORIGIN_VERIFY_SECRET", "")

    def frontend_object(self, key: str) -> tuple[bytes, str] | None:
        from botocore.exceptions import ClientError

        bucket = f"travelguru-{STAGE}-frontend"
        try:
            found = boto("s3").get_object(Bucket=bucket, Key=key)
        except ClientError:
            return None
        return found["Body"].read(), found.get("ContentType", "application/octet-stream")

    # -- the operator's part, then the command --

    def seed(self) -> None:
        self.config_path = WORK / f"{STAGE}.json"
        config = {
            "region": REGION,
            "edge_region": EDGE_REGION,
            "site_domain": SITE_DOMAIN,
            "api_domain": API_DOMAIN,
            "api_certificate_arn": import_certificate(API_DOMAIN, REGION),
            "site_certificate_arn": import_certificate(SITE_DOMAIN, EDGE_REGION),
            "alarm_email": "ops@travelguru.example",
            "search": "local",
            "health_url": f"{self.edge_url}/healthz",
            "zappa_overrides": {},
            "stack_parameters": {"database": {"DatabaseName": DATABASE}},
        }
        self.config_path.write_text(json.dumps(config, indent=2) + "\n")
        self.ok(f"ACM certificates imported ({REGION}, {EDGE_REGION}); {self.config_path.name}")

    def deploy(self, *args: str) -> tuple[int, str]:
        command = [sys.executable, "-m", "infra.deploy", *args, "--stage", STAGE,
                   "--config", str(self.config_path)]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 # nosec B603
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines = []
        for line in process.stdout or ():
            print("    | " + line, end="", flush=True)
            lines.append(line)
        output = "".join(lines)
        self.deploy_output.append(output)
        return process.wait(), output

    def first_deploy(self) -> None:
        status, output = self.deploy("deploy")
        if status != 0 and "Step 'secrets' failed" in output and "STRIPE_" in output:
            # What the runbook has the operator do once the database stack made the secret.
            put_stripe_keys()
            self.ok("the command stopped at 'secrets' naming Stripe's keys; keys put, resuming")
            status, output = self.deploy("deploy", "--from", "secrets")
        check(status == 0, "the first deploy failed (output above)")
        check("zappa deploy" in output, "the first deploy did not run `zappa deploy`")

    def release(self) -> None:
        status, output = self.deploy("deploy")
        check(status == 0, "the release failed (output above)")
        check("zappa update" in output, "the release did not run `zappa update`")

    def release_and_catalogue(self) -> None:
        """The release, with the operator's catalogue import running alongside (demo data
        needs reference tables the zip leaves out, so it loads from here, as root)."""
        catalogue = subprocess.Popen(  # noqa: S603 # nosec B603
            [sys.executable, "manage.py", "load_demo_data", "--days", str(DEMO_DAYS),
             "--no-progress"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DATABASE}",
                 "DJANGO_SETTINGS_MODULE": "travelguru.settings.local"},
        )  # fmt: skip
        try:
            self.release()
        finally:
            output, _ = catalogue.communicate()
        check(catalogue.returncode == 0, "load_demo_data failed:\n" + output.decode()[-2000:])
        self.ok(f"demo catalogue loaded into {DATABASE} ({DEMO_DAYS} days)")

    # -- traffic --

    def find_qualifier(self) -> None:
        """What the API invokes: the function (and alias) in its integration's URI."""
        cfn, api = boto("cloudformation"), boto("apigateway")
        api_id = cfn.describe_stack_resource(
            StackName=f"travelguru-{STAGE}-app", LogicalResourceId="Api"
        )["StackResourceDetail"]["PhysicalResourceId"]
        uris, methods = set(), 0
        for resource in api.get_resources(restApiId=api_id, limit=500)["items"]:
            for method in resource.get("resourceMethods", {}):
                integration = api.get_integration(
                    restApiId=api_id, resourceId=resource["id"], httpMethod=method
                )
                if integration.get("uri"):
                    uris.add(integration["uri"])
                    methods += 1
        arns = {uri.split("/functions/")[1].rsplit("/invocations")[0] for uri in uris}
        check(len(arns) == 1, f"the API's methods invoke {sorted(arns)}, not one function")
        arn = arns.pop()
        check(f":function:{FUNCTION}" in arn, f"the API invokes {arn}, not {FUNCTION}")
        self.qualifier = arn.split(f":function:{FUNCTION}")[1].lstrip(":") or None
        self.ok(f"the API's {methods} methods invoke {FUNCTION}:{self.qualifier}")

    def scheduled_events(self) -> None:
        with open(ROOT / "zappa_settings.json") as f:
            wanted = {e["function"] for e in json.load(f)["base"]["events"]}
        rules = boto("events").list_rules(NamePrefix=FUNCTION)["Rules"]
        invoked = set()
        for rule in rules:
            targets = boto("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]
            if not any(FUNCTION in t["Arn"] for t in targets):
                continue
            record = self.lambda_twin.invoke(
                FUNCTION, None, events.scheduled_event(rule["Name"], region=REGION)
            )
            check(record["error"] is None, f"schedule {rule['Name']}: {record['error']}")
            function = rule["Name"].rsplit("-", 1)[1]
            invoked.add(function)
            print(f"    schedule {rule['Name']} ({rule.get('ScheduleExpression')}): "
                  f"{record['seconds']:.2f}s")  # fmt: skip
        check(wanted <= invoked, f"no rule runs {sorted(wanted - invoked)}")
        self.ok(f"{len(invoked)} scheduled events ran through their EventBridge rules")

    def traffic(self) -> None:
        base = self.edge_url
        status, _, body = http(base, "GET", "/healthz")
        check(status == 200 and body == {"status": "ok", "database": "ok"}, f"healthz: {body}")
        self.ok("GET /healthz: 200, database ok")

        status, _, body = http(base, "GET", "/api/config")
        check(status == 200, f"/api/config: {status} {body}")
        check(body["payment_provider"] == "stripe", f"payment provider {body}")
        check(body["stripe_publishable_key"] == STRIPE_KEYS["STRIPE_PUBLISHABLE_KEY"],
              f"publishable key {body}")  # fmt: skip
        check(body["sandbox_tokens"] == [], f"test cards offered: {body}")
        self.ok("/api/config: stripe, the publishable key, no test cards")

        check_in = datetime.now(UTC).date() + timedelta(days=3)
        query = f"?city=Paris&check_in={check_in}&check_out={check_in + timedelta(days=2)}"
        status, _, page = http(base, "GET", "/api/hotels/search" + query)
        check(status == 200 and page["count"] > 0, f"hotel search: {status} {page}")
        self.ok(f"hotel search: {page['count']} hotels in Paris")

        status, _, token = http(base, "POST", "/api/auth/token", body=TRAVELER)
        check(status == 200, f"login: {status} {token}")
        auth = {"Authorization": f"Bearer {token['access']}"}
        offer = page["results"][0]["cheapest"]["offer_id"]
        status, _, hold = http(base, "POST", "/api/holds", body={"items": [{"offer_id": offer}]},
                               headers=auth)  # fmt: skip
        check(status == 201 and hold["status"] == "active", f"hold: {status} {hold}")
        self.ok(f"hold {hold['id']}: {hold['total']}")

        booking_request = {
            "hold_id": hold["id"],
            "travelers": [  # the stay's two guests (the search's default)
                {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"},
                {"first_name": "Charles", "last_name": "Babbage", "type": "adult"},
            ],
            "payment_token": "tok_visa",
        }
        key = str(uuid.uuid4())
        status, _, booking = http(base, "POST", "/api/bookings", body=booking_request,
                                  headers=auth | {"Idempotency-Key": key})  # fmt: skip
        check(status == 201, f"booking: {status} {booking}")
        self.ok(f"booking {booking.get('reference')}: {booking.get('status')}, paid via Stripe")
        stripe = [c for c in iam_check.read_calls(self.calls_path) if c["service"] == "stripe"]
        check(any(c["operation"] == "PaymentIntents.create" for c in stripe),
              "the booking never reached Stripe")  # fmt: skip

        # Only CloudFront reaches the API: straight to the function, without the secret.
        direct = events.api_gateway_event(
            "GET", "/healthz", headers={"Host": API_DOMAIN, "X-Forwarded-For": "198.51.100.9",
                                        "X-Forwarded-Proto": "https"},
            body=None, stage=STAGE, source_ip="198.51.100.9",
        )  # fmt: skip
        reply = self.invoke_api(direct)
        check(reply.get("statusCode") == 403, f"a request around the edge got {reply}")
        self.ok("a request that did not come through the edge: 403")

        status, _, _ = http(base, "GET", "/hotels/12", headers={"Accept": "text/html"})
        check(status == 200, f"deep link /hotels/12: {status}")
        self.ok("deep link /hotels/12 answers the published index.html")

    def manage_and_settings(self) -> None:
        record = self.lambda_twin.invoke(FUNCTION, None, {"manage": "check --deploy"})
        check(record["error"] is None, f"manage check --deploy: {record['error']}")
        self.ok("manage check --deploy in the function")
        probe = (
            "import json, zappa_settings\n"
            "from django.conf import settings as s\n"
            "print('REHEARSAL-SETTINGS ' + json.dumps({'PAYMENT_PROVIDER': s.PAYMENT_PROVIDER,"
            " 'SEARCH_BACKEND': s.SEARCH_BACKEND, 'FRONTEND_BUCKET': s.FRONTEND_BUCKET,"
            " 'STRIPE_PUBLISHABLE_KEY': s.STRIPE_PUBLISHABLE_KEY, 'DEBUG': s.DEBUG,"
            " 'ZAPPA_DEBUG': zappa_settings.DEBUG}))\n"
        )
        record = self.lambda_twin.invoke(FUNCTION, None, {"raw_command": probe})
        check(record["error"] is None, f"settings probe: {record['error']}")
        line = next(x for x in record["log"] if x.startswith("REHEARSAL-SETTINGS "))
        resolved = json.loads(line.split(" ", 1)[1])
        expected = {
            "PAYMENT_PROVIDER": "stripe",
            "SEARCH_BACKEND": "local",
            "FRONTEND_BUCKET": f"travelguru-{STAGE}-frontend",
            "STRIPE_PUBLISHABLE_KEY": STRIPE_KEYS["STRIPE_PUBLISHABLE_KEY"],
            "DEBUG": False,
            "ZAPPA_DEBUG": False,
        }
        check(resolved == expected, f"production settings resolved {resolved}, not {expected}")
        self.ok("production settings from stacks + command: " + json.dumps(resolved))

    def rollback(self) -> None:
        lam = boto("lambda")
        versions = [
            v["Version"]
            for v in lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]
            if v["Version"] != "$LATEST"
        ]
        status, output = self.deploy("rollback")
        check(status == 0, "rollback failed (output above)")
        after = [
            v["Version"]
            for v in lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]
            if v["Version"] != "$LATEST"
        ]
        check(len(after) == len(versions) + 1, f"rollback published no version ({after})")
        status, _, body = http(self.edge_url, "GET", "/healthz")
        check(status == 200, f"healthz after rollback: {status} {body}")
        self.ok(f"rolled back: version {after[-1]} published from version {versions[-2]}'s code")

    # -- proofs --

    def iam(self) -> None:
        calls = iam_check.read_calls(self.calls_path)
        aws_calls = [c for c in calls if c["service"] != "stripe"]
        results = iam_check.evaluate(aws_calls, stage=STAGE, region=REGION)
        self.figures["calls recorded"] = len(aws_calls)
        self.figures["IAM requests evaluated"] = len(results)
        self.figures["Stripe twin calls"] = len(calls) - len(aws_calls)
        by_action: dict[str, int] = {}
        for result in results:
            by_action[result.call.action] = by_action.get(result.call.action, 0) + 1
        for action, count in sorted(by_action.items()):
            print(f"    {count:4d} x {action}")
        denied = [r for r in results if r.decision != "allowed"]
        for result in denied[:20]:
            print(f"    DENIED {result.call.action} on {result.call.resource}: {result.decision}"
                  f" (from {result.source})")  # fmt: skip
        if len(denied) > 20:
            print(f"    ... and {len(denied) - 20} more")
        check(not denied, f"{len(denied)} recorded call(s) the role or its boundary denies")
        self.ok(f"{len(results)} IAM requests from {len(aws_calls)} recorded calls: all allowed")

    def function_log(self) -> None:
        """A job that logs an exception and returns still fails the rehearsal."""
        log = self.lambda_twin.log_path
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        tracebacks = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
        for i in tracebacks[:3]:
            print("\n".join("    ! " + line for line in lines[max(0, i - 2) : i + 12]))
        check(not tracebacks, f"{len(tracebacks)} traceback(s) in {log.relative_to(ROOT)}")
        self.ok(f"no traceback in the function's log ({len(lines)} lines)")

    def stop(self) -> None:
        for stopper in (getattr(self, "edge", None), getattr(self, "lambda_twin", None)):
            if stopper is not None:
                try:
                    stopper.stop()
                except Exception as exc:  # noqa: BLE001 - stopping must not hide the result
                    print(f"    (stopping a twin: {exc})")
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    r = Rehearsal()
    failure = None
    steps: list[tuple[str, Callable[[], None]]] = [
        ("twins: moto, Lambda, edge, MariaDB", r.start_twins),
        ("operator: certificates, stage config", r.seed),
        ("deploy (first)", r.first_deploy),
        ("deploy (release), the catalogue loading alongside", r.release_and_catalogue),
        ("API as CloudFront reaches it", r.find_qualifier),
        ("scheduled events", r.scheduled_events),
        ("traffic through the edge", r.traffic),
        ("manage commands, resolved settings", r.manage_and_settings),
        ("rollback", r.rollback),
        ("IAM: every recorded call", r.iam),
        ("the function's log", r.function_log),
    ]
    try:
        for name, step in steps:
            with r.phase(name):
                step()
    except Exception as exc:  # noqa: BLE001 - any failure ends the rehearsal, named
        failure = f"{type(exc).__name__}: {exc}" if not isinstance(exc, RehearsalFailed) else exc
        print(f"\n!!! {r.phase.times[-1][0]}: {failure}", flush=True)
    finally:
        instances = r.lambda_twin.invocations if hasattr(r, "lambda_twin") else []
        r.stop()
    print("\n=== NOT PROVEN HERE (the twin cannot show these; the first real deploy must)")
    for line in not_proven.report(r.deploy_output, stage=STAGE):
        print(f"  - {line}")
    print("\n=== figures")
    for name, seconds in r.phase.times:
        print(f"  {seconds:7.1f}s  {name}")
    print(f"  {time.monotonic() - r.phase.started:7.1f}s  total")
    r.figures["function invocations"] = len(instances)
    for name, value in r.figures.items():
        print(f"  {value:7}   {name}")
    if failure:
        print(f"\nrehearsal FAILED: {failure}")
        return 1
    print(
        f"\nrehearsal passed: {len(r.checks)} checks in {time.monotonic() - r.phase.started:.0f}s"
    )
    return 0
