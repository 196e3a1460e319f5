# Sourced by the other scripts: makes .venv (Python >= 3.11) and installs the project with
# its [dev] extras, again only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "pytest-mlaudit needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2; exit 2; }
  echo "setup: creating .venv with $("$PY" --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.mlaudit-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing pytest-mlaudit[dev] into .venv (first run takes a minute; log: .venv/install.log)"
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
         .venv/bin/python -m pip install --disable-pip-version-check -e ".[dev]"; } \
       > .venv/install.log 2>&1; then
    tail -n 30 .venv/install.log >&2
    echo "setup: pip install failed; the whole log is in .venv/install.log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
