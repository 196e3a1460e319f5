"""House rules a machine can check, over every module of the package.

* no module below ``plugin.py`` imports pytest (read with ``ast``, so strings and
  ``pytest_mlaudit`` imports don't count);
* importing the package face, the plugin and the registry loads no heavy library;
* every module imports on its own (the locust-side collector only inside locust);
* no module is much longer than 800 lines, and ``checks/`` has no flat ``_<kind>_*.py`` files;
* every module with examples in its docstrings passes them (doctest).
"""

from __future__ import annotations

import ast
import doctest
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_mlaudit

PACKAGE = Path(pytest_mlaudit.__file__).parent
#: Runs inside locust (gevent's monkey-patching): never imported by the package or here.
LOCUST_SIDE = {"pytest_mlaudit.checks.load.collector"}
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "cleanlab",
    "locust",
    "gevent",
    "papermill",
    "nbconvert",
    "matplotlib",
    "hypothesis",
    "pyarrow",
    "polars",
    "dask",
    "mlflow",
    "feast",
)
MAX_LINES = 800


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append((".".join(parts), path))
    return out


MODULES = _modules()


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_only_the_plugin_imports_pytest(name: str, path: Path) -> None:
    if name == "pytest_mlaudit.plugin":
        return
    imported = _imports(ast.parse(path.read_text(encoding="utf-8")))
    leaks = [n for n in imported if n == "pytest" or n.startswith(("pytest.", "_pytest"))]
    assert not leaks, f"{name} imports {leaks}: only pytest_mlaudit.plugin may import pytest"


def test_package_plugin_and_registry_import_nothing_heavy() -> None:
    code = (
        "import sys, pytest_mlaudit, pytest_mlaudit.plugin, pytest_mlaudit.registry\n"
        "from pytest_mlaudit import registry\n"
        "registry.checks(); registry.failure_modes()\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.strip() == "[]", f"heavy modules loaded at import: {out}"


def test_the_core_imports_without_pytest() -> None:
    """Every core module imports in a process where importing pytest fails."""
    names = [
        m
        for m, _ in MODULES
        if m != "pytest_mlaudit.plugin" and m not in LOCUST_SIDE and not m.endswith("__main__")
    ]
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pytest' or name.startswith(('pytest.', '_pytest')):\n"
        "            raise ImportError('pytest is blocked: the core must not need it')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_modules_are_short(name: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by role (limit {MAX_LINES})"


def test_checks_is_a_folder_per_failure_mode() -> None:
    flat = sorted(p.name for p in (PACKAGE / "checks").glob("*.py") if p.name != "__init__.py")
    assert not flat, f"checks/ holds flat modules {flat}; each kind is a subpackage"
    for sub in sorted(p for p in (PACKAGE / "checks").iterdir() if p.is_dir()):
        if sub.name == "__pycache__":
            continue
        files = {p.name for p in sub.glob("*.py")}
        assert {"__init__.py", "report.py", "check.py"} <= files, (sub.name, sorted(files))
        assert not [f for f in files if re.match(r"_[a-z]+_[a-z_]+\.py$", f)], sorted(files)


def _has_examples(path: Path) -> bool:
    return ">>> " in path.read_text(encoding="utf-8")


DOCTESTED = [
    (m, p)
    for m, p in MODULES
    if m not in LOCUST_SIDE and not m.endswith("__main__") and _has_examples(p)
]


def test_doctested_modules_are_found() -> None:
    assert len(DOCTESTED) >= 10, [m for m, _ in DOCTESTED]


@pytest.mark.parametrize(("name", "path"), DOCTESTED, ids=[m for m, _ in DOCTESTED])
def test_docstring_examples(name: str, path: Path) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name) if t.examples]
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
