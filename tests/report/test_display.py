"""Every report displays itself in a notebook: the audit report's section for its kind.

Unit tests of ``_repr_html_``/``__repr__`` for each registered kind (and a user's own), then
notebooks executed in a real kernel (papermill, as the report is), whose outputs must hold
the HTML tables and images, with hostile names escaped; and the example notebook.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import fixture_records
import nbformat
import numpy as np
import pandas as pd
import pytest
from fixture_records import HOSTILE

from pytest_mlaudit import (
    BadWhen,
    CheckReport,
    Measure,
    check_contract,
    check_drift,
    infer_contract,
)
from pytest_mlaudit.result import report_from_dict

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "credit_risk"
NOTEBOOK = EXAMPLE / "notebooks" / "explore_drift.ipynb"


def _reports() -> dict[str, CheckReport]:
    entries = [
        *fixture_records.drift_entries(),
        *fixture_records.skew_entries(),
        *fixture_records.gate_entries(),
        fixture_records.labels_entry(),
        *fixture_records.load_entries(),
    ]
    out: dict[str, CheckReport] = {}
    for e in entries:
        out.setdefault(e.kind, e.report())
    ref = pd.DataFrame({"age": [25, 40, 61, 33], "region": ["north", "south", "north", "east"]})
    batch = pd.DataFrame({"age": [30, 500, None, 41], "region": ["north", "mars", "east", "x"]})
    out["contract"] = check_contract(batch, infer_contract(ref, name="applicants"))
    out.update(_drift_that_matters())
    from tests.checks.labels.label_review_fixtures import make_label_review_report

    out["label_review"] = make_label_review_report()
    from tests.checks.soak.soak_fixtures import make_soak_report

    out["soak"] = make_soak_report(rss_slope=900.0)
    from tests.checks.store_parity.store_parity_fixtures import make_store_parity_report

    out["store_parity"] = make_store_parity_report()
    return out


def _drift_that_matters() -> dict[str, CheckReport]:
    """Small reports of the performance and impact kinds (a model of one column)."""
    from pytest_mlaudit import check_impact, check_performance

    class Model:
        classes_ = np.array([0, 1])

        def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
            p = 1 / (1 + np.exp(-X.iloc[:, 0].to_numpy(dtype=float)))
            return np.column_stack([1 - p, p])

    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"score <b>": rng.normal(size=600), "region": rng.choice(["a", "b"], 600)})
    cur = ref.assign(**{"score <b>": ref["score <b>"] + 0.7})
    y = (rng.random(600) < Model().predict_proba(ref)[:, 1]).astype(int)
    return {
        "performance": check_performance(Model(), ref, y, cur, min_value=0.6, n_simulations=100),
        "impact": check_impact(Model(), ref, cur, y_reference=y, n_repeats=1),
    }


REPORTS = _reports()
#: kinds whose section draws a plot for the fixture's data
PLOTTED = {"drift", "labels", "load", "capacity"}


@dataclasses.dataclass(frozen=True)
class Budget(CheckReport):
    kind = "budget_t"
    cost: float
    limit: float

    @property
    def passed(self) -> bool:
        return not self.headline().breached

    def headline(self) -> Measure:
        return Measure("cost", self.cost, self.limit, BadWhen.ABOVE)

    def sizes(self) -> dict[str, int]:
        return {}

    def summary(self) -> str:
        return self.headline().describe()


def test_every_registered_kind_is_covered() -> None:
    from pytest_mlaudit import registry

    assert set(REPORTS) == set(registry.checks())


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_rich_display_is_the_reports_section(kind: str) -> None:
    report = REPORTS[kind]
    html = report._repr_html_()
    assert "<table" in html, kind
    assert ("PASS" if report.passed else "FAIL") in html
    assert "<script" not in html.lower()
    if kind in PLOTTED:
        assert '<img src="data:image/png;base64,' in html, kind


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_plain_repr_is_one_line(kind: str) -> None:
    report = REPORTS[kind]
    text = repr(report)
    assert "\n" not in text and len(text) < 400, text
    verdict = "PASS" if report.passed else "FAIL"
    assert text.startswith(f"<{type(report).__name__} {kind} {verdict} "), text
    assert report.headline().describe() in text
    assert report_from_dict(report.to_dict()) == report  # the repr changed nothing else


def test_a_users_own_report_displays_generically() -> None:
    report = Budget(cost=12.5, limit=10.0)
    assert repr(report) == "<Budget budget_t FAIL cost=12.5 > 10>"
    html = report._repr_html_()
    assert "FAIL" in html and "cost" in html and "<table" in html


def test_hostile_names_are_escaped_in_the_display() -> None:
    rng = np.random.default_rng(0)
    names = [h for h in HOSTILE if h.strip()][:4]
    ref = pd.DataFrame({n: rng.normal(size=400) for n in names})
    cur = pd.DataFrame({n: rng.normal(1.0, 1, size=400) for n in names})
    html = check_drift(ref, cur)._repr_html_()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html or "&lt;/script&gt;" in html


# --------------------------------------------------------------------------- in a kernel


def _run(notebook: nbformat.NotebookNode, cwd: Path, **parameters: Any) -> nbformat.NotebookNode:
    papermill = pytest.importorskip("papermill")
    from pytest_mlaudit.report._render import _kernel_manager_class

    source, target = cwd / "in.ipynb", cwd / "out.ipynb"
    nbformat.write(notebook, source)
    with tempfile.TemporaryFile() as log:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(cwd),
            kernel_manager_class=_kernel_manager_class(log),
        )
    return nbformat.read(target, as_version=4)


def _html_outputs(cell: nbformat.NotebookNode) -> str:
    return "".join(
        str(o.get("data", {}).get("text/html", ""))
        for o in cell.get("outputs", [])
        if o.get("output_type") in ("execute_result", "display_data")
    )


@pytest.fixture(scope="module")
def displayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One notebook that displays a report of every kind and a hostile drift report."""
    folder = tmp_path_factory.mktemp("display")
    records = {kind: report.to_dict() for kind, report in REPORTS.items()}
    (folder / "reports.json").write_text(json.dumps(records))
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json\nfrom pytest_mlaudit.result import report_from_dict\n"
            "reports = {k: report_from_dict(v) for k, v in "
            "json.load(open('reports.json')).items()}"
        )
    )
    for kind in sorted(REPORTS):
        nb.cells.append(nbformat.v4.new_code_cell(f"reports[{kind!r}]"))
    names = [h for h in HOSTILE if h.strip()][:4]
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import numpy as np, pandas as pd\nfrom pytest_mlaudit import check_drift\n"
            "rng = np.random.default_rng(0)\n"
            f"names = {names!r}\n"
            "ref = pd.DataFrame({n: rng.normal(size=400) for n in names})\n"
            "cur = pd.DataFrame({n: rng.normal(1.0, 1, size=400) for n in names})\n"
            "check_drift(ref, cur)"
        )
    )
    done = _run(nb, folder)
    out = {kind: _html_outputs(done.cells[i + 1]) for i, kind in enumerate(sorted(REPORTS))}
    out["hostile"] = _html_outputs(done.cells[-1])
    return out


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_a_kernel_displays_each_kind_with_tables_and_images(
    displayed: dict[str, str], kind: str
) -> None:
    html = displayed[kind]
    assert "<table" in html, f"{kind}: no HTML table in the cell's output"
    if kind in PLOTTED:
        assert "data:image/png;base64," in html, f"{kind}: no image in the cell's output"
    assert "<script" not in html.lower()


def test_a_kernel_display_escapes_hostile_names(displayed: dict[str, str]) -> None:
    html = displayed["hostile"]
    assert "<table" in html and "data:image/png;base64," in html
    assert "<script>" not in html and not re.search(r"<img src=x", html)
    assert "&lt;" in html


def test_the_example_notebook_runs(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    done = _run(
        nb, tmp_path, example_dir=str(EXAMPLE), out_dir=str(tmp_path / "reports"), rows=1500
    )
    shown = [_html_outputs(c) for c in done.cells if c.cell_type == "code"]
    rich = [h for h in shown if "<table" in h]
    assert len(rich) >= 3  # drift, score drift, labels
    assert all("data:image/png;base64," in h for h in rich)
    record = json.loads((tmp_path / "reports" / "audit.json").read_text())
    assert record["run"]["mode"] == "audit_session"
    assert [c["kind"] for c in record["checks"]] == ["drift", "drift"]
    assert (tmp_path / "reports" / "audit.html").is_file()
    text = "".join(
        o.get("text", "") for c in done.cells for o in c.get("outputs", []) if o.get("name")
    )
    assert "<DriftReport drift FAIL" in text  # the one-line repr
