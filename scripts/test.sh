#!/usr/bin/env bash
# Runs testguard's test suite in .venv (created on first use), on every core
# (pytest-xdist), under coverage so that `testguard coverage` can gate testguard
# itself: each pytest process writes its own .coverage.* file (tests/conftest.py),
# combined into .coverage at the end. Extra arguments go to pytest.
#
# The container tests (podman, a ~430 MB image build) are left out here; .ci/run
# runs them in a step of their own:  .venv/bin/python -m pytest -m container
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f .coverage .coverage.*
status=0
TESTGUARD_TESTS_COVERAGE="$PWD/.coverage" \
  .venv/bin/python -m pytest -n auto --dist worksteal -m "not container" "$@" || status=$?
if compgen -G ".coverage.*" >/dev/null; then
  .venv/bin/python -m coverage combine --quiet
fi
exit "$status"
