#!/usr/bin/env bash
# The bundled example audit: runs the credit-risk model repo's reliability tests and writes
# the audit record (reports/audit.json) and the auditors' report (reports/audit.html).
# The example's training features come from its Feast repository (feature_repo/), so it
# runs in the Feast environment, .venv-feast (pandas 2; Feast pins pandas<3), made here on
# the first run.
VENV=.venv-feast EXTRAS=dev-feast source "$(dirname "$0")/_venv.sh"
set +e
.venv-feast/bin/python -m pytest examples/credit_risk -p no:cacheprovider -q \
  --mlaudit-json=reports/audit.json --mlaudit-report=reports "$@"
status=$?
set -e
echo
echo "audit record: $(pwd)/reports/audit.json"
[ -f reports/audit.html ] && echo "audit report: $(pwd)/reports/audit.html"
# the deployment plan from the example's own capacity check (1 CPU, 1 GiB) in the record
.venv-feast/bin/python -m pytest_mlaudit.cli deploy-plan reports/audit.json --target-rps 500 \
  --headroom 0.3 --vcpu-hour 0.04 --gib-hour 0.005 --name credit-risk -o reports/deploy \
  --capacity-check test_one_replica_under_its_limits >/dev/null 2>&1 \
  && echo "deployment plan: $(pwd)/reports/deploy/PLAN.md"
exit $status
