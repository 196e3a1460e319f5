"""Validation, the CLI, import hygiene, and report failures in a real pytest run."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from pytest_mlaudit.cli import main
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.report import ReportError, default_template, render_report
from pytest_mlaudit.report._render import _check_parameter_translation, check_record_path

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- the record path


@pytest.mark.parametrize(
    "name", ["a\nb.json", "a\rb.json", "tab\there.json", "e\x1bsc.json", "ls\u2028ep.json"]
)
def test_paths_with_control_characters_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(MlauditInputError, match="control character"):
        check_record_path(path)


@pytest.mark.parametrize(
    "name",
    [
        'q"uote.json',
        "it's.json",
        "back\\slash.json",
        "$HOME.json",
        "{{ 7*191 }}.json",
        "ünï 中文.json",
        '"; import os #.json',
    ],
)
def test_odd_but_printable_paths_pass_through_intact(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("{}", encoding="utf-8")
    checked = check_record_path(path)
    assert checked == str(path.absolute())
    _check_parameter_translation(checked)  # papermill's parameter reads back as the path

    from papermill.translators import PythonTranslator

    assert ast.literal_eval(PythonTranslator.translate_str(checked)) == checked


@pytest.mark.parametrize("value", [b"/tmp/a.json", 3, None, ["a.json"], ""])
def test_a_record_must_be_a_path(value: object) -> None:
    with pytest.raises(MlauditInputError, match="record must be"):
        check_record_path(value)


def test_no_kernel_starts_for_what_is_not_a_record(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(MlauditInputError, match=r"notes\.json.*schema"):
        render_report(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_record_holding_nan_is_refused_before_a_kernel_starts(tmp_path: Path) -> None:
    bad = tmp_path / "audit.json"
    bad.write_text('{"schema_version": "1.1", "checks": [{"duration_s": NaN}]}', "utf-8")
    with pytest.raises(MlauditInputError, match=r"audit\.json.*holds NaN.*never does"):
        render_report(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    from pytest_mlaudit.report.sections import read

    with pytest.raises(MlauditInputError, match="is a directory"):
        read(tmp_path)


def test_an_output_that_is_a_file_is_refused(records: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(MlauditInputError, match="out_dir must be a directory"):
        render_report(records["full"], target)
    assert target.read_text(encoding="utf-8") == "keep me"


def test_a_missing_template_names_the_record(records: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist; the record is kept at") as info:
        render_report(records["full"], tmp_path, template=tmp_path / "nope.ipynb")
    assert info.value.record == str(records["full"])


# --------------------------------------------------------------------------- the template


def test_the_bundled_template() -> None:
    template = default_template()
    assert template.is_file()
    link = REPO / "pytest_mlaudit" / "templates" / "audit_report.ipynb"
    assert link.is_symlink() and os.readlink(link) == "../../notebooks/audit_report.ipynb"
    nb = nbformat.read(template, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(tagged[0].source)
    assert [n.targets[0].id for n in tree.body] == ["record_path"]  # type: ignore[attr-defined]
    # short cells; outputs are not stored in the template
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(len(c.source.splitlines()) <= 4 for c in code)
    assert all(not c.outputs for c in code)


# --------------------------------------------------------------------------- CLI


def test_cli_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--help"]) == 0
    assert "report" in capsys.readouterr().out
    assert main(["report", "x.json"]) == 2  # -o is required
    assert main([]) == 2
    assert main(["nonsense"]) == 2
    assert main(["report", str(tmp_path / "missing.json"), "-o", str(tmp_path)]) == 2
    assert "no audit record at" in capsys.readouterr().err


def test_cli_exit_status_when_the_report_fails(
    records: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "report",
            str(records["full"]),
            "-o",
            str(tmp_path),
            "--template",
            str(tmp_path / "none.ipynb"),
        ]
    )
    assert status == 1
    assert str(records["full"]) in capsys.readouterr().err


def test_imports_stay_light() -> None:
    code = (
        "import sys, pytest_mlaudit.report, pytest_mlaudit.report.sections, pytest_mlaudit.cli\n"
        "heavy = {'pytest', 'papermill', 'nbconvert', 'matplotlib', 'nbformat', 'jupyter_client'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- in a pytest run

INNER_TESTS = """
import pandas as pd
import pytest

FRAME = pd.DataFrame({"x": [float(i % 17) for i in range(400)],
                      "c": [("a", "b", "c")[i % 3] for i in range(400)]})

@pytest.mark.drift
def test_inputs_have_not_drifted(mlaudit):
    mlaudit.drift(FRAME, FRAME.sample(frac=1.0, random_state=0)).assert_ok()

def test_plain():
    assert True
"""

BROKEN_CELL = "raise RuntimeError('template is broken on purpose')"


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "test_inner.py").write_text(textwrap.dedent(INNER_TESTS), encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    broken = nbformat.read(default_template(), as_version=4)
    broken.cells.insert(3, nbformat.v4.new_code_cell(BROKEN_CELL))
    nbformat.write(broken, root / "broken.ipynb")
    return root


@pytest.fixture(scope="module")
def baseline(project: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """The run without a report: its exit status and record are the reference."""
    run = _pytest(project, "--mlaudit-json=baseline.json")
    return run, json.loads((project / "baseline.json").read_text(encoding="utf-8"))


def test_a_broken_template_changes_neither_verdict_nor_record(
    project: Path, baseline: tuple[subprocess.CompletedProcess[str], dict[str, object]]
) -> None:
    base_run, base_record = baseline
    run = _pytest(project, "--mlaudit-report=broken-out", "--mlaudit-template=broken.ipynb")
    assert run.returncode == base_run.returncode, run.stdout + run.stderr
    record_path = project / "broken-out" / "audit.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["summary"] == base_record["summary"]
    assert [c["nodeid"] for c in record["checks"]] == [c["nodeid"] for c in base_record["checks"]]
    # the error names the record and the failing cell
    out = run.stdout
    assert "the report could not be rendered" in out
    assert str(record_path.absolute()) in out
    # the 5th cell of the executed notebook: papermill's injected parameters come first
    assert "cell 5 (In [5]: \"raise RuntimeError('template is broken on purpose')\")" in out
    assert "raised RuntimeError: template is broken on purpose" in out
    assert not (project / "broken-out" / "audit.html").exists()


def test_pytest_renders_the_report_once_under_xdist(
    project: Path, baseline: tuple[subprocess.CompletedProcess[str], dict[str, object]]
) -> None:
    base_run, base_record = baseline
    run = _pytest(project, "-n", "2", "--mlaudit-report=reports")
    assert run.returncode == base_run.returncode, run.stdout + run.stderr
    out = run.stdout
    assert out.count("mlaudit: rendering the audit report of ") == 1
    html = project / "reports" / "audit.html"
    assert f"mlaudit: report written to {html.relative_to(project)}" in out or str(html) in out
    assert html.is_file() and (project / "reports" / "audit.ipynb").is_file()
    record = json.loads((project / "reports" / "audit.json").read_text(encoding="utf-8"))
    assert record["summary"] == base_record["summary"]


ERRORING_TESTS = """
import pandas as pd
import pytest

FRAME = pd.DataFrame({"x": [float(i % 17) for i in range(400)]})

@pytest.mark.drift
def test_inputs_have_not_drifted(mlaudit):
    mlaudit.drift(FRAME, FRAME.sample(frac=1.0, random_state=0)).assert_ok()

@pytest.mark.drift
def test_the_feature_store_answers(mlaudit):
    raise RuntimeError("the feature store is down")

@pytest.mark.drift
@pytest.mark.xfail(reason="shows a failing drift check", strict=True)
def test_a_shifted_batch(mlaudit):
    mlaudit.drift(FRAME, FRAME + 5.0).assert_ok()
"""


def test_a_marked_test_that_errors_is_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(ERRORING_TESTS), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    run = _pytest(tmp_path, "--mlaudit-report=reports", "--mlaudit-history=none")
    assert run.returncode == 1, run.stdout + run.stderr
    markup = (tmp_path / "reports" / "audit.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", markup)
    for shown in (
        "2 checks",
        "1 passed",
        "0 failed",
        "1 xfailed (expected)",
        "1 test errored",
        "run failed (exit status 1)",
        "Marked tests that recorded no check",
        "RuntimeError: the feature store is down",
        "Fix the test or its inputs: it raised RuntimeError",
        "1 check failed as expected (xfail, not counted as failed)",
        "shows a failing drift check",
    ):
        assert shown in text, shown
    assert "Every check passed" not in text
