"""The apps depend one way, and services know no HTTP: import-linter's contracts in
pyproject.toml hold.

A new import from an app to one above it (or from the project's plumbing to an app) breaks
the layers contract, and none is excused: the contract has no `ignore_imports`.
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "apps"]
    return contract


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # noqa: S603 - our own virtualenv's console script
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_app_imports_an_app_above_it():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apps depend one way KEPT" in result.stdout
    assert "Services and selectors know no HTTP KEPT" in result.stdout


def test_no_upward_import_is_excused():
    """An upward edge is removed, not listed: import-linter would skip a listed one."""
    assert "ignore_imports" not in _contract()


def test_every_module_of_the_project_package_is_wiring_or_plumbing():
    """The project package is split by hand into its top and bottom layers: a module left
    out of both would be checked by no contract."""
    layers = _contract()["layers"]
    listed = {
        name.strip()
        for layer in (layers[0], layers[-1])
        for name in layer.replace("|", ":").split(":")
    }
    package = ROOT / "travelguru"
    modules = {
        f"travelguru.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert modules == listed
