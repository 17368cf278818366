#!/usr/bin/env bash
# Runs the Python client's checks and tests (python/): ruff, mypy --strict, pytest.
#
# The venv is python/.venv, made from Debian's /usr/bin/python3 (python3-venv, python3-pip) and
# re-made when python/requirements-dev.txt or python/pyproject.toml change; the tools install
# with --require-hashes from the configured package index. The tests use Ceph RGW from
# LATCH_TEST_S3_* when set (as `npm test` has them), else start one with scripts/ceph-rgw on
# LATCH_PY_S3_PORT (default 7690); they start their own `latch server` processes from the
# built CLI (packages/cli/dist/bin.js: run `npm run build` first).
# Extra arguments go to pytest (e.g. -k vectors).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PYTHON=${LATCH_PYTHON:-/usr/bin/python3}
VENV=python/.venv
STAMP=$VENV/.latch-stamp
want=$(cat python/requirements-dev.txt python/pyproject.toml | sha256sum | cut -d' ' -f1)

if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # A configured index that is unreachable must not cost minutes of retries.
  PIP_RETRIES=${PIP_RETRIES:-1} PIP_DEFAULT_TIMEOUT=${PIP_DEFAULT_TIMEOUT:-15} \
    "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes \
    -r python/requirements-dev.txt
  # Installs the package itself the way users do (`pip install ./python`), editable for tests.
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation -e python
  echo "$want" >"$STAMP"
fi

RGW_DIR=
cleanup() { [ -z "$RGW_DIR" ] || { "$ROOT"/scripts/ceph-rgw/stop-rgw.sh "$RGW_DIR" >/dev/null || true; rm -rf "$RGW_DIR"; }; }
trap cleanup EXIT
if [ -z "${LATCH_TEST_S3_ENDPOINT:-}" ]; then
  RGW_DIR=$(mktemp -d /tmp/latch-pyrgw.XXXXXX)
  out=$(scripts/ceph-rgw/start-rgw.sh "$RGW_DIR" "${LATCH_PY_S3_PORT:-7690}")
  export LATCH_TEST_S3_ENDPOINT=$(sed -n 's/^S3_ENDPOINT=//p' <<<"$out")
  export LATCH_TEST_S3_ACCESS_KEY=$(sed -n 's/^S3_ACCESS_KEY=//p' <<<"$out")
  export LATCH_TEST_S3_SECRET_KEY=$(sed -n 's/^S3_SECRET_KEY=//p' <<<"$out")
  export LATCH_TEST_S3_REGION=$(sed -n 's/^S3_REGION=//p' <<<"$out")
fi

cd python
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
