# Sourced by the other scripts: makes a virtual environment (Python >= 3.11) and installs the
# project into it with the extras asked for, again only when pyproject.toml changed.
#   VENV    the environment's folder (default .venv)
#   EXTRAS  the extras it installs (default dev)
# .venv is the core's (pandas 3); .venv-feast (EXTRAS=dev-feast) is the one of the Feast
# tests and the example model repo, since Feast pins pandas<3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
mlaudit_venv() {
  local venv=$1 extras=$2
  if [ ! -x "$venv/bin/python" ]; then
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
      echo "pytest-mlaudit needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2; exit 2; }
    echo "setup: creating $venv with $("$PY" --version)"
    "$PY" -m venv "$venv"
  fi
  local stamp="$venv/.mlaudit-installed"
  local want
  want=$(sha256sum pyproject.toml | cut -c1-16)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing pytest-mlaudit[$extras] into $venv (first run takes a few minutes; log: $venv/install.log)"
    if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
           "$venv/bin/python" -m pip install --disable-pip-version-check -e ".[$extras]"; } \
         > "$venv/install.log" 2>&1; then
      tail -n 30 "$venv/install.log" >&2
      echo "setup: pip install failed; the whole log is in $venv/install.log" >&2
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
}
mlaudit_venv "${VENV:-.venv}" "${EXTRAS:-dev}"
