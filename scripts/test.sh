#!/usr/bin/env bash
# Runs testguard's test suite in .venv (created on first use), under coverage so
# that `testguard coverage` can gate testguard itself. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f .coverage .coverage.*
exec .venv/bin/python -m coverage run -m pytest "$@"
