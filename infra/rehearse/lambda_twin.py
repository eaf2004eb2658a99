"""The Lambda twin: moto's Lambda API, plus Invoke that really runs the deployed code.

moto stores a function's code but cannot run it (that needs Docker). This HTTP server on
loopback is what boto3 and Zappa reach through AWS_ENDPOINT_URL_LAMBDA:
- Invoke runs the code moto holds for the invoked version: the zip is unpacked once and a
  long-lived `python -S` process (infra/rehearse/runner.py) imports its handler.py with
  the function's configured environment and Lambda's own variables: a warm instance.
- CreateFunction / UpdateFunctionCode pass through to moto; the code they carry (inline,
  or the S3 object Zappa names, read before Zappa deletes it) is kept by its SHA-256, the
  key moto reports for every version (CodeSha256).
- GetFunction's Code.Location points at this server (AWS's is a presigned S3 URL), so
  Zappa's rollback can download an older version as it does on AWS.
- Provisioned concurrency, which moto does not implement, is kept here as configuration
  only (READY at once; nothing is pre-warmed).
- Every other request goes to moto unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import queue
import subprocess  # nosec B404: runs the deployed function's handler, no shell
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

RUNNER = Path(__file__).with_name("runner.py")
MARK = "@@LAMBDA@@"
# The twin's account quota: a raised one (a new account's is often 10; preflight's test
# of a low quota is deploy.py's own unit test).
ACCOUNT_CONCURRENCY = 1000


def function_and_qualifier(name: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """`name`, `name:3`, `function:name:3` or a full ARN -> (name, qualifier)."""
    name = unquote(name)
    if name.startswith("arn:"):
        name = name.split(":function:", 1)[1]
    elif name.startswith("function:"):
        name = name[len("function:") :]
    base, _, inline = name.partition(":")
    return base, qualifier or inline or None


def task_name(code_sha256: str) -> str:
    """The directory a zip is unpacked into: one per code (kept across rehearsals)."""
    return base64.b64decode(code_sha256).hex()[:16]


class FunctionError(Exception):
    pass


@dataclass
class Instance:
    """One warm instance: a runner process fed one event at a time."""

    process: subprocess.Popen[str]
    log: Callable[[str], None]
    import_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read_reply(self) -> dict[str, Any]:
        stdout = self.process.stdout
        if stdout is None:
            raise FunctionError("the function's process has no output")
        while True:
            line = stdout.readline()
            if not line:
                raise FunctionError(f"the function's process exited ({self.process.wait()})")
            if line.startswith(MARK):
                return json.loads(line[len(MARK) :])
            self.log(line)

    def invoke(self, event: Any, label: str) -> tuple[dict[str, Any], list[str]]:
        lines: list[str] = []
        with self.lock:
            if self.process.stdin is None:
                raise FunctionError("the function's process takes no input")
            self.process.stdin.write(
                json.dumps({"event": event, "label": label, "request_id": str(uuid.uuid4())}) + "\n"
            )
            self.process.stdin.flush()
            original, self.log = self.log, lambda line: (lines.append(line), original(line))  # type: ignore[assignment,func-returns-value]
            try:
                reply = self.read_reply()
            finally:
                self.log = original
        return reply, lines

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class LambdaTwin:
    def __init__(
        self,
        *,
        moto_url: str,
        workdir: Path,
        runtime_env: dict[str, str],
        before_start: Callable[[dict[str, str]], None] | None = None,
        label: Callable[[Any], str] = lambda event: "",
    ) -> None:
        self.moto = urlsplit(moto_url)
        self.workdir = workdir
        self.runtime_env = runtime_env  # what the twin adds: endpoints, runner's switches
        self.before_start = before_start  # e.g. create the database user from the secret
        self.label = label
        self.code: dict[str, bytes] = {}  # CodeSha256 -> zip
        self.instances: dict[str, tuple[str, Instance]] = {}  # function -> (key, instance)
        self.provisioned: dict[tuple[str, str], int] = {}
        self.invocations: list[dict[str, Any]] = []
        self.log_path = workdir / "function.log"
        self._log_lock = threading.Lock()
        self._events: queue.Queue[tuple[str, str | None, Any]] = queue.Queue()
        self._instances_lock = threading.Lock()

    # ---- the HTTP side -------------------------------------------------------------

    def start(self) -> str:
        twin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = twin.handle(self.command, self.path, self.headers, body)
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._event_worker, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        self.server.shutdown()
        for _, instance in self.instances.values():
            instance.stop()

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        path, query = split.path, parse_qs(split.query)
        parts = path.strip("/").split("/")
        if parts[0] == "rehearsal-code" and len(parts) == 2:
            code = self.code.get(base64.urlsafe_b64decode(parts[1]).decode())
            if code is None:
                return 404, {}, b"no such code"
            return 200, {"Content-Type": "application/zip"}, code
        if parts[-1] == "account-settings" and method == "GET":
            return self._account_settings()
        if len(parts) >= 3 and parts[1] == "functions":
            function = parts[2]
            rest = parts[3:]
            qualifier = query.get("Qualifier", [None])[0]
            if rest == ["invocations"] and method == "POST":
                return self._invoke(function, qualifier, headers, body)
            if rest == ["urls"] and method == "GET":
                # moto has no function URLs; Zappa lists them on every update (none here)
                document: dict[str, list[str]] = {"FunctionUrlConfigs": []}
                return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()
            if rest == ["provisioned-concurrency"]:
                return self._provisioned(method, function, qualifier, body)
        if len(parts) == 3 and parts[1] == "functions" and method == "GET":
            # moto reads no "function:<name>:<version>" (Zappa's rollback names it so)
            name, qualifier = function_and_qualifier(parts[2], query.get("Qualifier", [None])[0])
            if name != unquote(parts[2]):
                raw_path = f"/{parts[0]}/functions/{name}" + (
                    f"?Qualifier={qualifier}" if qualifier else ""
                )
        if path.rstrip("/").endswith("/functions") and method == "POST":
            self._keep_code(json.loads(body).get("Code", {}))
        if len(parts) == 4 and parts[3] == "code" and method == "PUT":
            self._keep_code(json.loads(body))
        status, reply_headers, reply = self._forward(method, raw_path, headers, body)
        if method == "GET" and len(parts) == 3 and parts[1] == "functions" and status == 200:
            reply = self._point_location_here(reply)
        return status, reply_headers, reply

    def _forward(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        connection = HTTPConnection(str(self.moto.hostname), self.moto.port, timeout=120)
        forwarded = {k: v for k, v in headers.items() if k.lower() != "host"}
        forwarded["Host"] = self.moto.netloc
        connection.request(method, path, body=body or None, headers=forwarded)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), payload

    # ---- code: kept by the hash moto reports --------------------------------------------

    def _keep_code(self, code: dict[str, Any]) -> None:
        if "ZipFile" in code:
            data = base64.b64decode(code["ZipFile"])
        elif "S3Bucket" in code:
            import boto3

            s3 = boto3.client("s3", endpoint_url=f"http://{self.moto.netloc}")
            data = s3.get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])["Body"].read()
        else:
            return
        self.code[base64.b64encode(hashlib.sha256(data).digest()).decode()] = data

    def _point_location_here(self, reply: bytes) -> bytes:
        document = json.loads(reply)
        sha = document.get("Configuration", {}).get("CodeSha256")
        if sha in self.code:
            key = base64.urlsafe_b64encode(sha.encode()).decode()
            document.setdefault("Code", {})["Location"] = f"{self.url}/rehearsal-code/{key}"
        return json.dumps(document).encode()

    # ---- the account's concurrency, which moto does not answer ------------------------

    def _account_settings(self) -> tuple[int, dict[str, str], bytes]:
        from botocore.exceptions import ClientError

        moto, reserved = self._moto_lambda(), 0
        for function in moto.list_functions()["Functions"]:
            with suppress(ClientError):
                reserved += moto.get_function_concurrency(
                    FunctionName=function["FunctionName"]
                ).get("ReservedConcurrentExecutions", 0)
        document = {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()

    # ---- provisioned concurrency: configuration only -------------------------------------

    def _provisioned(
        self, method: str, function: str, qualifier: str | None, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        name, qualifier = function_and_qualifier(function, qualifier)
        key = (name, qualifier or "$LATEST")
        if method == "PUT":
            self.provisioned[key] = int(json.loads(body)["ProvisionedConcurrentExecutions"])
        elif method == "DELETE":
            self.provisioned.pop(key, None)
            return 204, {}, b""
        if key not in self.provisioned:
            error = {"__type": "ProvisionedConcurrencyConfigNotFoundException",
                     "message": f"No provisioned concurrency for {name}:{qualifier}"}  # fmt: skip
            return 404, {"Content-Type": "application/json"}, json.dumps(error).encode()
        count = self.provisioned[key]
        document = {
            "RequestedProvisionedConcurrentExecutions": count,
            "AvailableProvisionedConcurrentExecutions": count,
            "AllocatedProvisionedConcurrentExecutions": count,
            "Status": "READY",
            "LastModified": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
        }
        status = 202 if method == "PUT" else 200
        return status, {"Content-Type": "application/json"}, json.dumps(document).encode()

    # ---- Invoke -------------------------------------------------------------------------

    def _moto_lambda(self) -> Any:
        import boto3

        return boto3.client("lambda", endpoint_url=f"http://{self.moto.netloc}")

    def _configuration(self, name: str, qualifier: str | None) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        try:
            found = self._moto_lambda().get_function(
                FunctionName=name, **({"Qualifier": qualifier} if qualifier else {})
            )
        except ClientError as exc:
            raise FunctionError(f"Function not found: {name}:{qualifier} ({exc})") from None
        return found["Configuration"]

    def _instance(self, config: dict[str, Any]) -> Instance:
        name = config["FunctionName"]
        env = dict(config.get("Environment", {}).get("Variables", {}))
        # A new instance (a cold start) per published version and configuration change,
        # as Lambda starts fresh environments after every update.
        identity = [config["CodeSha256"], config.get("Version"), config.get("LastModified"), env]
        key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
        with self._instances_lock:
            current = self.instances.get(name)
            if current and current[0] == key and current[1].process.poll() is None:
                return current[1]
            if current:
                current[1].stop()
            code = self.code.get(config["CodeSha256"])
            if code is None:
                raise FunctionError(
                    f"the twin never saw the code of {name} ({config['CodeSha256']})"
                )
            task = self.workdir / "task" / task_name(config["CodeSha256"])
            if not (task / "handler.py").exists():
                with zipfile.ZipFile(io.BytesIO(code)) as zf:
                    zf.extractall(task)
            region = config["FunctionArn"].split(":")[3]
            full_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "C.UTF-8",
                "TZ": ":UTC",
                "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda
                "LAMBDA_TASK_ROOT": str(task),
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_VERSION": config.get("Version", "$LATEST"),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize", 128)),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + key,
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
                "REHEARSE_FUNCTION_ARN": config["FunctionArn"],
                "REHEARSE_TIMEOUT": str(config.get("Timeout", 3)),
            }
            full_env |= self.runtime_env
            full_env |= env  # the function's own configuration wins, as on Lambda
            if self.before_start:
                self.before_start(full_env)
            process = subprocess.Popen(  # noqa: S603  # nosec B603: our own runner, no shell
                [sys.executable, "-S", str(RUNNER)],
                cwd=task,
                env=full_env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            instance = Instance(process, self._log)
            ready = instance.read_reply()
            if "init_error" in ready:
                instance.stop()
                raise FunctionError("the handler failed to import:\n" + ready["init_error"])
            instance.import_seconds = ready["import_seconds"]
            self.instances[name] = (key, instance)
            return instance

    def _log(self, line: str) -> None:
        with self._log_lock, self.log_path.open("a", encoding="utf-8") as out:
            out.write(line if line.endswith("\n") else line + "\n")

    def invoke(self, function: str, qualifier: str | None, event: Any) -> dict[str, Any]:
        """Run one event; the outcome as a record (also kept in self.invocations)."""
        name, qualifier = function_and_qualifier(function, qualifier)
        config = self._configuration(name, qualifier)
        instance = self._instance(config)
        started = time.perf_counter()
        reply, lines = instance.invoke(event, self.label(event))
        record = {
            "function": name,
            "qualifier": qualifier,
            "version": config.get("Version", "$LATEST"),
            "label": self.label(event),
            "seconds": round(time.perf_counter() - started, 3),
            "error": reply.get("error"),
            "result": reply.get("result"),
            "log": lines,
        }
        self.invocations.append(record)
        return record

    def _event_worker(self) -> None:
        while True:
            function, qualifier, event = self._events.get()
            try:
                self.invoke(function, qualifier, event)
            except FunctionError as exc:
                self._log(f"async invoke of {function} failed: {exc}")
            finally:
                self._events.task_done()

    def drain(self) -> None:
        """Wait for every asynchronous (InvocationType=Event) invocation to finish."""
        self._events.join()

    def _invoke(
        self, function: str, qualifier: str | None, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        kind = headers.get("X-Amz-Invocation-Type", "RequestResponse")
        event = json.loads(body or b"{}")
        if kind == "DryRun":
            return 204, {}, b""
        if kind == "Event":
            self._events.put((function, qualifier, event))
            return 202, {}, b""
        try:
            record = self.invoke(function, qualifier, event)
        except FunctionError as exc:
            error = {"__type": "ServiceException", "message": str(exc)}
            return 500, {"Content-Type": "application/json"}, json.dumps(error).encode()
        reply_headers = {
            "Content-Type": "application/json",
            "X-Amz-Executed-Version": record["version"],
        }
        if headers.get("X-Amz-Log-Type") == "Tail":
            tail = "".join(record["log"]).encode()[-4096:]
            reply_headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
        if record["error"] is not None:
            reply_headers["X-Amz-Function-Error"] = "Unhandled"
            return 200, reply_headers, json.dumps(record["error"]).encode()
        return 200, reply_headers, json.dumps(record["result"]).encode()
