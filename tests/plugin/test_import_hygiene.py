"""The core never imports pytest, and importing the package or the plugin stays light."""

from __future__ import annotations

import subprocess
import sys


def test_core_never_imports_pytest_and_package_import_is_light() -> None:
    code = (
        "import sys; import pytest_mlaudit, pytest_mlaudit.checks.drift, pytest_mlaudit.auditor, "
        "pytest_mlaudit.record;"
        "print(sorted(m for m in ('pytest','_pytest') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    code = (
        "import sys; import pytest_mlaudit.plugin;"
        "print(sorted(m for m in ('numpy','pandas','scipy','cleanlab','locust','papermill',"
        "'sklearn',"
        "'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
