"""The built Lambda package (var/package/travelguru-prod.zip, from `make package`)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "var" / "package" / "travelguru-prod.zip"
PACKAGE_MISSING = "need the Lambda package (`make package` first)"


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def lambda_package_tools() -> ModuleType:
    return _load_script("lambda_package")


@pytest.fixture(scope="session")
def lambda_zip() -> Path:
    """The package CI built. Missing in CI is a failure; on a laptop a skip (counted in the
    run's one not-run line, tests/conftest.py)."""
    if not PACKAGE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PACKAGE.relative_to(ROOT)} is missing: run `make package` first")
        pytest.skip(PACKAGE_MISSING)
    return PACKAGE
