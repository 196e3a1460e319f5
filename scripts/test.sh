#!/usr/bin/env bash
# The test suite of pytest-mlaudit itself (unit, reference, property, plugin acceptance,
# load and report tests) and of the bundled example repo.
source "$(dirname "$0")/_venv.sh"
exec .venv/bin/python -m pytest tests examples -p no:cacheprovider -n 2 "$@"
