#!/usr/bin/env bash
# The test suite of pytest-mlaudit itself (unit, reference, property, plugin acceptance,
# load and report tests) and of the bundled example repo: first everything that shares
# the machine, on 2 xdist workers, then the few tests that measure CPU capacity and need
# the whole machine (marked `serial`), alone. Extra arguments go to both runs.
source "$(dirname "$0")/_venv.sh"
set +e
.venv/bin/python -m pytest tests examples -p no:cacheprovider -n 2 -m "not serial" "$@"
parallel=$?
.venv/bin/python -m pytest tests examples -p no:cacheprovider -m serial "$@"
serial=$?
set -e
[ "$serial" -eq 5 ] && serial=0   # no serial test selected (e.g. by -k)
[ "$parallel" -eq 5 ] && [ "$serial" -eq 0 ] && parallel=0
[ "$parallel" -ne 0 ] && exit "$parallel"
exit "$serial"
