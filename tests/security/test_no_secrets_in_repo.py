"""No secret is committed: every tracked file is scanned for key-like strings.

What looks like a secret but is not (the documented demo password, test-only values) is
allowed by exact value below, with the reason; anything else fails the build.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"aws_?secret_?access_?key\W{1,4}[A-Za-z0-9/+]{40}\b", re.IGNORECASE
    ),
    "Stripe secret or restricted key": re.compile(r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}"),
    "Stripe webhook secret": re.compile(r"\bwhsec_[0-9A-Za-z]{16,}"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{30,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
}
# NAME_SECRET = "…", api_key: '…', PASSWORD="…" with a long literal value.
ASSIGNMENT = re.compile(
    r"""(?ix)\b([A-Z0-9_]*(?:SECRET|_KEY|PASSWORD|PASSWD|TOKEN|CREDENTIALS?)[A-Z0-9_]*)
        ["']?\s*[:=]\s*["']([^"'\s]{12,})["']"""
)
# Values that look like secrets but are not, each with why.
ALLOWED = {
    "paper-lantern-voyage": "the documented demo password (README, demo/users.py)",
    "correct-horse-battery-9": "the test factories' password",
    "whsec_test_secret": "the test suite's webhook signing secret",
    "tok_": "Stripe's public test card tokens (tok_visa, tok_chargeDeclined…), not secrets",
    "pm_card_": "Stripe's public test payment methods",
    "Quartz-Heron-Lantern-42": "planted by the log test to prove passwords are never logged",
    "pw-admin-123-long": "a throwaway password of a test account (tests/catalog/test_admin.py)",
    "pw-traveler-123-long": "a throwaway password of a test account (tests/catalog/test_admin.py)",
    "test-only-not-secret-": "prefix of the test settings' fixed SECRET_KEY",
}
SKIP_SUFFIXES = (".png", ".jpg", ".gif", ".ico", ".woff", ".woff2", ".gz", ".zip", ".pdf")


def tracked_files() -> list[Path]:
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(  # noqa: S603
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False  # noqa: S607
        )  # fmt: skip
        if out.returncode == 0:  # else (e.g. git's "dubious ownership"): walk the tree
            return [ROOT / name for name in out.stdout.decode().split("\0") if name]
    skip = {".git", ".venv", "var", "node_modules", "__pycache__", "test-results"}
    return [
        Path(folder) / name
        for folder, dirs, names in os.walk(ROOT)
        if not dirs.__setitem__(slice(None), [d for d in dirs if d not in skip])
        for name in names
    ]


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def findings(text: str) -> list[str]:
    found = [
        f"{kind}: {match.group()[:12]}…"
        for kind, pattern in PATTERNS.items()
        for match in pattern.finditer(text)
        if not any(allowed in match.group() for allowed in ALLOWED)
    ]
    for match in ASSIGNMENT.finditer(text):
        name, value = match.group(1), match.group(2)
        if any(value.startswith(allowed) for allowed in ALLOWED):
            continue
        # Names of things, not credentials: key prefixes, and the ids, ARNs, names and paths
        # by which a secret is looked up (e.g. DJANGO_SECRETS_ID = "travelguru/prod/django").
        if re.search(r"IDEMPOTENCY|PREFIX|(?:ID|ARN|NAME|PATH)$", name, re.IGNORECASE):
            continue
        if entropy(value) >= 3.5 and not re.fullmatch(r"[a-z_.{}%()-]+", value):
            found.append(f"{match.group(1)} = {value[:6]}… (entropy {entropy(value):.1f})")
    return found


def test_no_tracked_file_holds_a_secret():
    files = tracked_files()
    assert len(files) > 100  # the scan really ran over the repository

    leaks = {}
    for path in files:
        if path.suffix in SKIP_SUFFIXES or not path.is_file():
            continue
        hits = findings(path.read_text(encoding="utf-8", errors="ignore"))
        if hits:
            leaks[str(path.relative_to(ROOT))] = hits

    assert leaks == {}


def _fake(*parts: str) -> str:
    """Assemble a fake secret at run time so this file itself holds none."""
    return "".join(parts)


@pytest.mark.parametrize(
    "text",
    [
        _fake("AWS_ACCESS_KEY_ID = '", "AKIA", "IOSFODNN7EXAMPLE", "'"),
        _fake("aws_secret_access_key = ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "EXAMPLEKEY"),
        _fake("stripe.api_key = '", "sk_", "live_", "4eC39HqLyjWDarjtT1zdp7dc", "'"),
        _fake("STRIPE_WEBHOOK_SECRET=", "whsec_", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
        _fake("-----BEGIN ", "RSA PRIVATE KEY", "-----\nMIIEow…"),
        _fake("DJANGO_SECRET_KEY = '", "q8#v!2Lm@9zX$4rT7wP0sK3nB6yH1cJ5", "'"),
        _fake('"db_password": "', "Zr7Qw2Lx9Pk4Vt8Nm3Hs", '"'),
    ],
)
def test_the_scanner_catches_each_kind_of_secret(text):
    assert findings(text) != []


@pytest.mark.parametrize(
    "text",
    [
        'DEFAULT_PASSWORD = "paper-lantern-voyage"',
        'SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")',
        'STRIPE_SECRET_KEY = "sk_test_123"',  # too short to be a real key
        "PASSWORD_RESET_TIMEOUT = 3600",
        'csrf_token = "{% csrf_token %}"',
        'DJANGO_SECRETS_ID = "travelguru/prod/django"',  # where a secret is, not the secret
        '{"SecretId": "travelguru/prod/database"}',
    ],
)
def test_the_scanner_leaves_documented_and_harmless_values_alone(text):
    assert findings(text) == []
