"""The root cause of a drifted column: a new segment is blamed; a global shift is not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pytest_mlaudit import check_impact


class Income:
    """A model of income only (its importance is all on income)."""

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.log(X["income"].to_numpy())


def _applicants(
    rng: np.random.Generator, n: int, *, online: float = 0.0, shift: float = 0.0
) -> pd.DataFrame:
    regions = rng.choice(["north", "south", "east", "west"], size=n)
    income = rng.lognormal(10.6 + shift, 0.3, size=n)
    frame = pd.DataFrame({"income": income, "region": regions, "age": rng.integers(21, 70, n)})
    k = int(online * n)
    if k:
        # a new online channel with much lower incomes
        frame.loc[: k - 1, "region"] = "online"
        frame.loc[: k - 1, "income"] = rng.lognormal(9.9, 0.3, size=k)
    return frame


def test_a_new_segment_that_causes_the_drift_is_ranked_first() -> None:
    rng = np.random.default_rng(0)
    ref, cur = _applicants(rng, 5000), _applicants(rng, 5000, online=0.15)
    report = check_impact(Income(), ref, cur)
    assert "income" in report.important_drifted
    cause = report.cause("income")
    first = cause.segments[0]
    assert (first.column, first.value) == ("region", "online")
    assert first.explains and first.new and abs(first.share_current - 0.15) < 1e-9
    assert cause.blamed == (first,)
    text = cause.describe()
    assert text == (
        "region=online is new and holds 15% of current rows; without it, income does not drift"
    )
    assert text in report.brief() and "\n" not in report.brief()
    assert "root cause of region=online" in report.summary()


def test_a_global_shift_blames_no_segment() -> None:
    rng = np.random.default_rng(1)
    ref, cur = _applicants(rng, 5000), _applicants(rng, 5000, shift=-0.15)
    report = check_impact(Income(), ref, cur)
    cause = report.cause("income")
    assert cause.segments and not cause.blamed
    assert "no single segment explains it" in cause.describe()


def test_the_search_is_bounded_and_seeded() -> None:
    rng = np.random.default_rng(2)
    ref, cur = _applicants(rng, 30_000), _applicants(rng, 30_000, online=0.15)
    a = check_impact(Income(), ref, cur, top_k=3, max_rows=5000, seed=4)
    b = check_impact(Income(), ref, cur, top_k=3, max_rows=5000, seed=4)
    assert a == b
    assert len(a.cause("income").segments) <= 3
    assert a.cause("income").segments[0].value == "online"
    off = check_impact(Income(), ref, cur, root_cause=False)
    assert off.causes == ()


def test_the_report_section_shows_the_cause_under_the_column_escaped() -> None:
    from pytest_mlaudit.record import CheckEntry
    from pytest_mlaudit.report.sections import impact as section

    rng = np.random.default_rng(3)
    ref, cur = _applicants(rng, 3000), _applicants(rng, 3000, online=0.15)
    cur["region"] = cur["region"].replace("online", "<script>online")
    report = check_impact(Income(), ref, cur)
    entry = CheckEntry.from_report("impact", report).to_dict()
    html = section.render(entry).to_html()
    assert "root cause of" in html and "<script>" not in html
    assert "region=&lt;script&gt;online is new and holds 15% of current rows" in html
    assert "Start with the segment: region=<script>online" in section.advice(entry)
