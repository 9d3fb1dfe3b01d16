#!/usr/bin/env bash
# Sets up testguard and runs it on the bundled example project (examples/shop),
# whose tests lie in every way testguard catches. Findings are expected:
# the script succeeds when testguard reports them (exit 1) and fails otherwise.
# Then, on a copy of the example, `testguard fallbacks --fix` makes the fallback
# test honest, and pytest shows the import failure it used to hide.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
venv="$PWD/.venv/bin"
cd examples/shop
"$venv/testguard" run --no-cache
rc=$?
if [ "$rc" -ne 1 ]; then
  echo "demo: unexpected exit code $rc from testguard" >&2
  exit 1
fi
echo
echo "demo: testguard found the problems above in examples/shop (exit code 1, as expected)."
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
cp -R . "$copy/shop"
cd "$copy/shop"
echo
echo "demo: on a copy, testguard fallbacks --fix:"
"$venv/testguard" fallbacks --fix --no-cache
echo
echo "demo: the fixed test now fails on the import the skipif hid:"
# pytest fails here (exit 1): its output is read after it ends, not through a pipe
# whose status pipefail would take from pytest.
output="$(PYTHONPATH=. "$venv/python" -m pytest -q -p no:cacheprovider tests/test_notifications.py 2>&1)"
if grep -m1 "^E   ImportError" <<<"$output"; then
  exit 0
fi
echo "demo: the fixed test did not show the import failure" >&2
exit 1
