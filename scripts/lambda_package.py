"""Finish and check the Lambda zip that `zappa package` built (see scripts/package.sh).

    python scripts/lambda_package.py finish ZIP     trim botocore's models, add bytecode
    python scripts/lambda_package.py check ZIP      size gate + compiled-extension check
    python scripts/lambda_package.py imports ZIP    cold import time with / without bytecode

Models: botocore ships the API model of every AWS service (445 of them, 15 MB zipped);
the function talks to the few in BOTOCORE_SERVICES, the rest is left out
(tests/infra/test_package.py checks that every client our code creates is kept).

Bytecode: Lambda's /var/task is read-only, so Python cannot cache what it compiles and a
package without bytecode compiles every module on every cold start. Zappa leaves
__pycache__ out; we add it back as *unchecked-hash* .pyc files (PEP 552): they are used
without comparing source mtimes (which the zip does not preserve) and are rebuilt with the
package, so they cannot be stale. Sources stay in the zip for tracebacks.

Extensions: every ELF file in the package may only need the libraries the manylinux
policy allows (glibc and friends, present on every Linux) or libraries the package ships
itself, and no glibc symbol newer than Lambda's python3.11 runtime has (Amazon Linux 2,
glibc 2.26). A mysqlclient built on this machine (libmariadb.so.3, libssl.so.3) fails.

Run with the package's own Python (3.11), whose bytecode format Lambda's python3.11 reads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

MAX_ZIPPED_BYTES = 40 * 1024 * 1024  # CI gate (issue 7); Lambda's own limit is 50 MB
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # Lambda's hard limit for the unpacked function
LAMBDA_GLIBC = (2, 26)  # Amazon Linux 2, the python3.11 runtime
# The manylinux2014 (PEP 599) whitelist plus the dynamic loader, which auditwheel ignores.
MANYLINUX_LIBS = frozenset(
    {
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libc.so.6",
        "libnsl.so.1",
        "libutil.so.1",
        "libpthread.so.0",
        "libresolv.so.2",
        "libX11.so.6",
        "libXext.so.6",
        "libXrender.so.1",
        "libICE.so.6",
        "libSM.so.6",
        "libGL.so.1",
        "libgobject-2.0.so.0",
        "libgthread-2.0.so.0",
        "libglib-2.0.so.0",
        "libcrypt.so.1",
        "ld-linux-x86-64.so.2",
    }
)
ELF_MAGIC = b"\x7fELF"
# AWS services whose models the function needs: ours (settings, search, storage, analytics
# exports) and those Zappa's handler may create (async tasks, remote env, scheduling).
BOTOCORE_SERVICES = frozenset(
    {
        "s3",
        "secretsmanager",
        "ssm",
        "cloudsearch",
        "cloudsearchdomain",
        "sts",
        "sso",
        "sso-oidc",
        "kms",
        "lambda",
        "sns",
        "events",
        "dynamodb",
        "logs",
    }
)


def trim_botocore(root: Path) -> int:
    """Remove the models of services the function never calls; return how many."""
    data = root / "botocore" / "data"
    removed = 0
    for service in sorted(p for p in data.iterdir() if p.is_dir()):
        if service.name not in BOTOCORE_SERVICES:
            shutil.rmtree(service)
            removed += 1
    return removed


def _rezip(src_dir: Path, zip_path: Path) -> None:
    tmp = zip_path.with_suffix(".tmp.zip")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for path in sorted(src_dir.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(src_dir)), (2020, 1, 1, 0, 0, 0))
                info.create_system = 3
                info.external_attr = 0o755 << 16  # what Zappa sets (Lambda needs readable)
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, path.read_bytes())
    tmp.replace(zip_path)


def finish(zip_path: Path) -> tuple[int, int]:
    """Trim botocore and compile every module into __pycache__: (models removed, .pyc added)."""
    with tempfile.TemporaryDirectory(prefix="lambda-finish-") as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(root)
        removed = trim_botocore(root)
        # -s/-p: tracebacks name /var/task/..., where Lambda unpacks the zip.
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                "-s",
                str(root),
                "-p",
                "/var/task",
                str(root),
            ],
            check=False,  # a vendored file for another Python version may not compile
        )
        added = len(list(root.rglob("__pycache__/*.pyc")))
        _rezip(root, zip_path)
    return removed, added


def _elf_needs(path: Path) -> tuple[list[str], tuple[int, ...]]:
    """(DT_NEEDED libraries, newest GLIBC_x.y symbol version) of one ELF file."""
    dynamic = subprocess.run(  # noqa: S603
        ["readelf", "-d", "-V", "-W", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    found = re.findall(r"GLIBC_(\d+(?:\.\d+)+)", dynamic)
    versions = [tuple(int(p) for p in v.split(".")) for v in found]
    return needed, max(versions, default=(0,))


def check_extensions(root: Path) -> list[str]:
    """Problems of the compiled files under `root` (empty when Lambda can load them all)."""
    elves = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == ELF_MAGIC:
                    elves.append(path)
    shipped = {p.name for p in elves}
    problems = []
    for path in elves:
        needed, glibc = _elf_needs(path)
        rel = path.relative_to(root)
        missing = [lib for lib in needed if lib not in MANYLINUX_LIBS and lib not in shipped]
        if missing:
            problems.append(f"{rel}: needs {', '.join(missing)} (not manylinux, not shipped)")
        if glibc > LAMBDA_GLIBC:
            want = ".".join(map(str, glibc))
            problems.append(f"{rel}: needs GLIBC_{want}; Lambda python3.11 has 2.26")
    return problems


def check_settings(settings: str) -> list[str]:
    """Problems of the zappa_settings.py Zappa generated. Zappa turns WebSockets on when any
    .py file below the working directory imports zappa.websocket (hidden directories are
    skipped): a build venv or an unpacked package under var/ once did, and the handler then
    logged an error at every cold start. We use none."""
    if "WEBSOCKET_HANDLER_MODULE" in settings:
        line = next(x for x in settings.splitlines() if "WEBSOCKET_HANDLER_MODULE" in x)
        return [
            f"zappa_settings.py has {line.strip()}: Zappa found a zappa.websocket import below "
            "the project (keep build trees in hidden directories, e.g. var/.package-venv)"
        ]
    return []


def check(zip_path: Path) -> dict:
    zipped = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        unzipped = sum(i.file_size for i in zf.infolist())
        settings = zf.read("zappa_settings.py").decode() if "zappa_settings.py" in names else ""
        with tempfile.TemporaryDirectory(prefix="lambda-check-") as tmp:
            zf.extractall(tmp)
            extension_problems = check_extensions(Path(tmp))
    problems = list(extension_problems)
    if zipped > MAX_ZIPPED_BYTES:
        gate = MAX_ZIPPED_BYTES >> 20
        problems.append(f"zip is {zipped / 2**20:.1f} MB, over the {gate} MB gate")
    if unzipped > MAX_UNZIPPED_BYTES:
        problems.append(f"unzipped {unzipped / 2**20:.1f} MB, over Lambda's 250 MB")
    for required in ("handler.py", "zappa_settings.py", "django_zappa_app.py", "zappa/handler.py"):
        if required not in names:
            problems.append(f"{required} is missing: not a Zappa package")
    # Tool caches and reports of this checkout (a type checker's cache, test screenshots) are
    # not code: Zappa zips the project directory as it finds it.
    for forbidden in (
        "MySQLdb/", "pytest/", "moto/", "hypothesis/", "tests/", "pip/", "mypy/",
        ".mypy_cache/", ".pytest_cache/", ".hypothesis/", "test-results/", "frontend/",
    ):  # fmt: skip
        if any(n.startswith(forbidden) for n in names):
            problems.append(f"{forbidden} is in the package: development-only")
    problems.extend(check_settings(settings))
    return {
        "zip": str(zip_path),
        "zipped_mb": round(zipped / 2**20, 1),
        "unzipped_mb": round(unzipped / 2**20, 1),
        "files": len(names),
        "pyc": sum(n.endswith(".pyc") for n in names),
        "problems": problems,
    }


COLD_IMPORT = """
import os, sys, time
started = time.perf_counter()
import django
django.setup()
from django.urls import resolve
import travelguru.urls, rest_framework.views, zappa.handler
resolve("/api/hotels/search")
print(round(time.perf_counter() - started, 3))
"""


def cold_import_seconds(root: Path, *, runs: int = 3) -> float:
    """Best of `runs` cold imports of Django + the project from an unpacked package.

    -S and a cwd of the package: only the package and the standard library are importable,
    as on Lambda. PYTHONDONTWRITEBYTECODE: /var/task is read-only there.
    """
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "travelguru.settings.production",
        "DJANGO_SECRET_KEY": "import-timing-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "MEDIA_BUCKET": "media",
        "STATIC_BUCKET": "static",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-S", "-c", COLD_IMPORT],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def measure_imports(zip_path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="lambda-imports-") as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(root)
        with_bytecode = cold_import_seconds(root)
        for cache in list(root.rglob("__pycache__")):
            shutil.rmtree(cache)
        without = cold_import_seconds(root)
    return {"cold_import_s_with_bytecode": with_bytecode, "cold_import_s_without": without}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["finish", "check", "imports"])
    parser.add_argument("zip", type=Path)
    args = parser.parse_args(argv)
    if args.action == "finish":
        started = time.perf_counter()
        removed, added = finish(args.zip)
        took = time.perf_counter() - started
        print(f"finish: {removed} botocore models left out, {added} .pyc added ({took:.0f}s)")  # noqa: T201
        return 0
    if args.action == "imports":
        print(json.dumps(measure_imports(args.zip)))  # noqa: T201
        return 0
    report = check(args.zip)
    print(json.dumps(report, indent=2))  # noqa: T201
    if report["problems"]:
        print("PACKAGE CHECK FAILED:\n  " + "\n  ".join(report["problems"]), file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
