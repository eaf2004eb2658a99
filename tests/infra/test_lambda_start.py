"""Lambda starts Django when it imports the handler, not on the first request.

Provisioned concurrency only runs a function's import (Lambda's init phase) ahead of
traffic. Zappa's handler.py builds its LambdaHandler (settings from SSM and Secrets Manager,
Django's setup, the WSGI app) at import only when INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT is
in the process environment, and it reads that at module import: so the name must be in
`aws_environment_variables` (the function's configuration), not `environment_variables`
(which Zappa copies into os.environ from inside LambdaHandler, too late to matter).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from tests.infra.test_lambda_handler import HOST, STATIC_HOST
from tests.infra.test_templates import ZAPPA

ON_IMPORT = "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"


def stage_config(stage: str) -> dict:
    from zappa.cli import ZappaCLI  # resolves "extends" exactly as `zappa deploy` does

    cli = ZappaCLI()
    cli.zappa_settings = ZAPPA
    cli.api_stage = stage
    return cli.stage_config


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stage_builds_django_in_lambdas_init_phase(stage):
    config = stage_config(stage)

    assert config["aws_environment_variables"].get(ON_IMPORT) == "true"
    assert ON_IMPORT not in config.get("environment_variables", {})


def test_the_stages_with_provisioned_concurrency_are_among_them():
    provisioned = [s for s in ("dev", "prod") if stage_config(s).get("provisioned_concurrency")]

    assert provisioned == ["prod"]
    for stage in provisioned:
        assert stage_config(stage)["aws_environment_variables"][ON_IMPORT] == "true"


PROBE = """
import json, sys
import handler
import django.apps
built = handler.global_handler
print(json.dumps({
    "built": built is not None,
    "wsgi_app": built is not None and built.wsgi_app is not None,
    "apps_ready": django.apps.apps.ready,
    "settings_loaded": "travelguru.settings.production" in sys.modules,
}))
"""


def _import_handler(package_dir, extra: dict[str, str]) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "DJANGO_SECRET_KEY": "start-test-" + "s" * 50,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "MEDIA_BUCKET": "travelguru-test-media",
        "STATIC_BUCKET": "travelguru-test-static",
        "STATIC_HOST": STATIC_HOST,
        "DATABASE_URL": f"sqlite:///{package_dir.parent / 'db.sqlite3'}",
        **extra,
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-S", "-c", PROBE],
        cwd=package_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_importing_the_packaged_handler_builds_the_app_with_the_stages_environment(
    lambda_zip, tmp_path
):
    # given: the package, unpacked as in /var/task
    package_dir = tmp_path / "task"
    with zipfile.ZipFile(lambda_zip) as zf:
        zf.extractall(package_dir)
    flag = {ON_IMPORT: stage_config("prod")["aws_environment_variables"][ON_IMPORT]}

    # when: Lambda's init phase imports the handler, with and without the stage's variable
    with_flag = _import_handler(package_dir, flag)
    without = _import_handler(package_dir, {})

    # then: with it, settings, Django's apps and the WSGI app are ready before any event
    assert with_flag == {
        "built": True,
        "wsgi_app": True,
        "apps_ready": True,
        "settings_loaded": True,
    }
    # (without it Zappa leaves all of that to the first event: what provisioned
    # concurrency cannot warm)
    assert without == {
        "built": False,
        "wsgi_app": False,
        "apps_ready": False,
        "settings_loaded": False,
    }
