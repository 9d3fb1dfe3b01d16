#!/usr/bin/env bash
# Sets up testguard and runs it on the bundled example project (examples/shop),
# whose tests lie in every way testguard catches. Findings are expected:
# the script succeeds when testguard reports them (exit 1) and fails otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
cd examples/shop
../../.venv/bin/testguard run --no-cache
rc=$?
if [ "$rc" -eq 1 ]; then
  echo
  echo "demo: testguard found the problems above in examples/shop (exit code 1, as expected)."
  exit 0
fi
echo "demo: unexpected exit code $rc from testguard" >&2
exit 1
