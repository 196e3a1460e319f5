#!/usr/bin/env bash
# The test suite of pytest-mlaudit itself (unit, reference, property, plugin acceptance,
# load and report tests) and of the bundled example repo, in two environments: the core
# runs on pandas 3 in .venv; the Feast tests (tests/feast) and the example model repo,
# whose training features come from its Feast repository, run in .venv-feast (pandas 2,
# since Feast pins pandas<3). Both are created here on the first run. Three phases:
#   1. core, on 2 xdist workers (.venv)
#   2. Feast tests, the example, and the inputs on pandas 2, on 2 xdist workers (.venv-feast)
#   3. the few tests that measure CPU capacity and need the whole machine (marked
#      `serial`), alone (.venv)
# Extra arguments go to every phase; it fails if any phase failed.
set -euo pipefail
cd "$(dirname "$0")/.."
(source scripts/_venv.sh)
(VENV=.venv-feast EXTRAS=dev-feast source scripts/_venv.sh)

status=0
phase() {  # phase TITLE PYTHON PYTEST-ARGS...: run one phase, remember a failure
  local title=$1 python=$2
  shift 2
  echo
  echo "=== $title ==="
  local rc=0
  "$python" -m pytest -p no:cacheprovider "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then  # no test selected (e.g. by -k)
    echo "($title: no test selected)"
  elif [ "$rc" -ne 0 ]; then
    echo "($title: failed, exit $rc)"
    [ "$status" -eq 0 ] && status=$rc
  fi
  return 0
}
phase "1/3 core (.venv, pandas 3)" .venv/bin/python \
  tests --ignore=tests/feast -n 2 -m "not serial" "$@"
# phase 2 also reads every file and frame input on pandas 2 (the core supports it; the
# rest of the core runs on pandas 3 in phase 1; polars and dask inputs skip here)
phase "2/3 Feast tests, the example model repo, inputs on pandas 2 (.venv-feast)" \
  .venv-feast/bin/python tests/feast examples tests/io \
  tests/checks/drift/test_drift_sources.py tests/checks/drift/test_drift_skew_sources.py \
  -n 2 -m "not serial" "$@"
phase "3/3 capacity tests, alone (.venv)" .venv/bin/python \
  tests --ignore=tests/feast -m serial "$@"
exit "$status"
