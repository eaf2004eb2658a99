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
    """The package CI built. Missing in CI is a failure; on a laptop a loud skip."""
    if not PACKAGE.exists():
        message = f"{PACKAGE.relative_to(ROOT)} is missing: run `make package` first"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"!!! NO LAMBDA PACKAGE, handler and package tests NOT RUN: {message}")
    return PACKAGE
