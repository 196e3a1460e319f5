#!/usr/bin/env bash
# The bundled example audit: runs the credit-risk model repo's reliability tests and writes
# the audit record (reports/audit.json) and the auditors' report (reports/audit.html).
source "$(dirname "$0")/_venv.sh"
set +e
.venv/bin/python -m pytest examples/credit_risk -p no:cacheprovider -q \
  --mlaudit-json=reports/audit.json --mlaudit-report=reports "$@"
status=$?
set -e
echo
echo "audit record: $(pwd)/reports/audit.json"
[ -f reports/audit.html ] && echo "audit report: $(pwd)/reports/audit.html"
exit $status
