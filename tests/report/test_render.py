"""Rendering through a real kernel: the CLI, the HTML, hostile names, the notebook."""

from __future__ import annotations

import ast
import html.parser
import json
import re
from pathlib import Path

import nbformat
import pytest
from fixture_records import HOSTILE, SENTINEL, Rendered


class _Text(html.parser.HTMLParser):
    """The text a browser would show (entities decoded), tags dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return "".join(parser.parts)


def html_outputs(notebook: Path) -> list[str]:
    nb = nbformat.read(notebook, as_version=4)
    return [
        "".join(o["data"]["text/html"])
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]


# --------------------------------------------------------------------------- full record


def test_cli_writes_the_notebook_and_the_html(full_report: Rendered) -> None:
    assert full_report.status == 0, full_report.stderr
    html_path = full_report.out / "audit.html"
    assert html_path.is_file() and full_report.notebook.is_file()
    assert full_report.stdout.strip() == str(html_path)
    # a progress line before the kernel runs, the HTML's path at the end
    lines = full_report.stderr.strip().splitlines()
    assert lines[0].startswith("mlaudit: rendering the audit report of ")
    assert str(full_report.record) in lines[0]
    assert str(html_path) in lines[-1]


def test_every_section_is_in_the_report(full_report: Rendered) -> None:
    text = shown_text(full_report.html)
    for heading in (
        "Audit report: credit-risk",
        "What to do",
        "Every check",
        "Data drift",
        "Training/serving skew",
        "Label noise",
        "Load and capacity",
        "Other checks",
    ):
        assert heading in text
    # drift: table, distributions, null rates, unseen categories
    for part in (
        "Columns, largest effect first",
        "Distributions of the drifted columns",
        "Missing values",
        "+12.50 pp",
        "Categories never seen in the reference",
        "omega (new)",
    ):
        assert part in text
    # skew: per-feature mismatch table, the minimal counterexamples, distribution skew
    for part in (
        "Features, most mismatched first",
        "Minimal counterexamples",
        "offline uses log1p, online uses log",
        "Distributions, most skewed first",
        "Examples joined on their id",
    ):
        assert part in text
    # labels: per-class rates, the given -> suggested matrix, suspicious rows
    for part in ("Per class", "given label → suggested label", "Most suspicious rows", "app-17"):
        assert part in text
    # load: SLOs, percentiles, failures; capacity: the knee and its steps
    for part in (
        "Service-level objectives",
        "Latency percentiles (ms)",
        "Failures by type",
        "HTTP 503",
        "The knee: 240 requests/s at 30 users",
        "Steps",
    ):
        assert part in text
    # one "what to do" line per failing check, with the action
    for action in ("Retrain", "Fix the feature code", "Relabel", "Scale out", "Investigate"):
        assert action in text
    assert "could not be shown" not in text


def test_plots_are_embedded_png_images(full_report: Rendered) -> None:
    images = re.findall(r'<img[^>]*src="data:image/png;base64,', full_report.html)
    # drift histograms (numeric, categorical), class rates, load timeline, capacity curve
    assert len(images) == 5


def test_html_is_readable_offline(full_report: Rendered) -> None:
    markup = full_report.html
    assert "<script" not in markup.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup)
    # inputs are hidden: no cell source appears
    assert "sections.drift(record)" not in markup
    assert "record_path =" not in markup


def test_the_notebook_ran_cleanly_with_one_path_parameter(full_report: Rendered) -> None:
    nb = nbformat.read(full_report.notebook, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "warnings leaked into the report"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    tree = ast.parse(injected[0].source)
    assigns = [n for n in tree.body if isinstance(n, ast.Assign)]
    assert len(tree.body) == len(assigns) == 1
    (target,) = assigns[0].targets
    assert isinstance(target, ast.Name) and target.id == "record_path"
    # the path (with quotes, $ and braces in it) arrives as exactly that string
    assert ast.literal_eval(assigns[0].value) == str(full_report.record)


# --------------------------------------------------------------------------- hostile names


def test_hostile_names_ran_no_code(hostile_report: Rendered) -> None:
    work = hostile_report.out.parent
    assert not (work / SENTINEL).exists()
    assert not (hostile_report.out / SENTINEL).exists()
    assert not Path(SENTINEL).exists()
    text = shown_text(hostile_report.html)
    assert "1337" not in text  # "{{ 7*191 }}" was not evaluated by any template engine
    assert "{{ 7*191 }}" in text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_are_shown_as_text(hostile_report: Rendered, hostile: str) -> None:
    text = shown_text(hostile_report.html)
    visible = hostile.replace("\n", "\\n").replace("\t", "\\t")
    assert visible in text


def test_hostile_names_are_escaped_in_html_and_notebook(hostile_report: Rendered) -> None:
    markup = hostile_report.html
    assert "<script" not in markup.lower()
    assert "<b>bold</b>" not in markup
    assert "&lt;script&gt;alert(" in markup
    for output in html_outputs(hostile_report.notebook):
        assert "<script" not in output.lower()
        assert "<b>bold</b>" not in output
    # Markdown was never built from data: no link or heading came out of a name
    assert 'href="http://example.invalid"' not in markup
    # the title of the page is escaped too
    title = re.search(r"<title>(.*?)</title>", markup, re.S)
    assert title is not None and "<script" not in title.group(1)


def test_hostile_record_summary_lists_every_check(hostile_report: Rendered) -> None:
    record = json.loads(hostile_report.record.read_text(encoding="utf-8"))
    rows = re.findall(r"<tr", markup_section(hostile_report.html, "Every check"))
    assert len(rows) - 1 == len(record["checks"])


def markup_section(markup: str, heading: str) -> str:
    start = markup.index(heading)
    end = markup.find("<h2", start)
    return markup[start : end if end > 0 else None]
