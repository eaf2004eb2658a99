#!/usr/bin/env bash
# `make package`: the Lambda zip, built by `zappa package` from its own lean virtual
# environment (Zappa packages the *active* environment; without one it silently takes the
# system's), then given bytecode and checked (size, compiled extensions, import time).
#
#   STAGE=prod bash scripts/package.sh   ->  var/package/travelguru-<stage>.zip
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=${STAGE:-prod}
PYTHON=${PYTHON:-python3.11}
# Hidden: Zappa walks every non-hidden directory below the project looking for a
# zappa.websocket import, and this venv's (or an unpacked package's) Zappa has one.
VENV=var/.package-venv
OUT=var/package
ZIP=$OUT/travelguru-$STAGE.zip
export PIP_DISABLE_PIP_VERSION_CHECK=1

mkdir -p "$OUT"
rm -rf var/package-venv var/bench-lambda  # where earlier checkouts kept them (see VENV)
# Production pins minus what cannot or need not run on Lambda: mysqlclient (links Debian's
# libmariadb; PyMySQL is the Lambda driver, pure Python) and gunicorn (Zappa serves).
grep -v -E '^(mysqlclient|gunicorn)==' requirements/base.txt >"$OUT/lambda-requirements.txt"
stamp="$VENV/.installed-$(cat "$OUT/lambda-requirements.txt" requirements/package.txt | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # Wheels only: nothing is compiled on this machine, so every extension in the package is
  # a published manylinux build (`lambda_package.py check` verifies it). placebo, a
  # build-time dependency of Zappa's CLI (pure Python, left out of the zip), has no wheel.
  "$VENV/bin/pip" install --quiet --only-binary=:all: --no-binary=placebo \
    -r "$OUT/lambda-requirements.txt" -r requirements/package.txt
  "$VENV/bin/pip" check
  # pip picks the newest wheel this machine runs, which may need a newer glibc than
  # Lambda's (Amazon Linux 2: 2.26): the production pins are installed again over the
  # venv from wheels built for Lambda's platform (they run here too). Pure-Python wheels
  # come out the same.
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  "$VENV/bin/pip" install --quiet --upgrade --no-deps --only-binary=:all: \
    --platform manylinux_2_26_x86_64 --platform manylinux2014_x86_64 \
    --python-version 3.11 --implementation cp --target "$site" \
    -r "$OUT/lambda-requirements.txt"
  touch "$stamp"
fi

rm -f "$ZIP"
# zappa package reads credentials only to name things; it makes no AWS call. Fake ones keep
# it from looking for (and using) a developer's real profile. No manylinux lookups:
# use_precompiled_packages is false (the wheels above already are manylinux).
(
  export VIRTUAL_ENV="$PWD/$VENV" PATH="$PWD/$VENV/bin:$PATH"
  export AWS_ACCESS_KEY_ID=packaging-only AWS_SECRET_ACCESS_KEY=packaging-only
  export AWS_DEFAULT_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE
  "$VENV/bin/zappa" package "$STAGE" --output "$ZIP" --disable_progress
)
"$VENV/bin/python" scripts/lambda_package.py finish "$ZIP"
"$VENV/bin/python" scripts/lambda_package.py check "$ZIP"
"$VENV/bin/python" scripts/lambda_package.py imports "$ZIP"
