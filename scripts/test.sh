#!/usr/bin/env bash
# Runs testguard's test suite in .venv (created on first use), on every core
# (pytest-xdist), under coverage so that `testguard coverage` can gate testguard
# itself: each pytest process writes its own .coverage.* file (tests/conftest.py),
# combined into .coverage at the end. Extra arguments go to pytest.
#
# The container tests (podman, a ~430 MB image build) and the install test (pip
# building and installing testguard from the index, ~20 s) are left out here; .ci/run
# runs them in steps of their own:  .venv/bin/python -m pytest -m "container or install"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f .coverage .coverage.*
status=0
TESTGUARD_TESTS_COVERAGE="$PWD/.coverage" \
  .venv/bin/python -m pytest -n auto --dist worksteal -m "not container and not install" "$@" || status=$?
if compgen -G ".coverage.*" >/dev/null; then
  .venv/bin/python -m coverage combine --quiet
fi
exit "$status"
