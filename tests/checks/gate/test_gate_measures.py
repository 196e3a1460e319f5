"""GateReport.measures(): per metric, and every threshold agrees with the verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_mlaudit.checks.gate import GateReport, check_gate
from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import BadWhen, Measure, report_from_dict

RNG = np.random.default_rng(3)
N = 600
Y = RNG.integers(0, 2, N)


def _labels(accuracy: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(N) < accuracy, Y, 1 - Y)


def _proba(signal: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(signal * (2 * Y - 1) + rng.normal(size=N))))
    return np.column_stack([1 - p, p])


def _by(report: GateReport) -> dict[tuple[str, str], Measure]:
    return {(m.subject, m.name): m for m in report.measures()}


def _agree(report: GateReport) -> None:
    """Every measure's breach is the verdict it stands for."""
    measures = _by(report)
    for m in report.metrics:
        cand = measures[(m.metric, "candidate")]
        assert cand.breached == m.below_floor
        assert cand.threshold == m.floor
        if m.baseline is None:
            assert (m.metric, "baseline") not in measures
            continue
        bound_name = "diff_ucb" if m.greater_is_better else "diff_lcb"
        bound = measures[(m.metric, bound_name)]
        assert bound.breached == m.significantly_worse
        assert bound.statistic == m.bound
        assert bound.threshold == (-m.min_delta if m.greater_is_better else m.min_delta)
        assert measures[(m.metric, "baseline")].threshold is None
        assert measures[(m.metric, "diff")].statistic == m.difference
    flagged = any(m.breached for m in report.measures())
    if report.artifact is None:
        assert flagged == (not report.passed)


@pytest.mark.parametrize(
    ("candidate", "floor", "min_delta"),
    [
        (_proba(1.0, 1), None, 0.0),  # as good
        (_proba(0.2, 2), None, 0.0),  # much worse: every metric fails
        (_proba(1.0, 3), {"roc_auc": 0.99}, 0.0),  # a floor that breaks
        (_proba(0.8, 4), {"log_loss": 5.0, "accuracy": 0.5}, 0.02),  # floors and tolerance
    ],
)
def test_measures_agree_with_the_verdicts(
    candidate: np.ndarray, floor: object, min_delta: float
) -> None:
    report = check_gate(
        candidate,
        _proba(1.0, 0),
        None,
        Y,
        metrics=["accuracy", "roc_auc", "log_loss"],
        floor=floor,
        min_delta=min_delta,
        n_boot=300,
    )
    _agree(report)
    directions = {m.subject: m.bad_when for m in report.measures() if m.name == "candidate"}
    assert directions == {
        "accuracy": BadWhen.BELOW,
        "roc_auc": BadWhen.BELOW,
        "log_loss": BadWhen.ABOVE,
    }


def test_without_a_baseline_only_the_candidate_is_measured() -> None:
    report = check_gate(_labels(0.7, 1), None, None, Y, floor=0.8)
    assert [(m.subject, m.name) for m in report.measures()] == [("accuracy", "candidate")]
    assert report.measures()[0].breached and not report.passed
    _agree(report)


def test_measures_are_recorded_and_survive_the_round_trip() -> None:
    report = check_gate(_labels(0.8, 1), _labels(0.9, 2), None, Y, n_boot=200)
    entry = CheckEntry.from_report("gate", report, nodeid="t::x")
    assert entry.measures == report.measures()
    back = report_from_dict(report.to_dict())
    assert back.measures() == report.measures()
    assert _by(report)[("accuracy", "diff_ucb")].breached


def test_numpy_scalars_are_accepted_like_python_numbers() -> None:
    cand, base = _labels(0.85, 1), _labels(0.85, 2)
    plain = check_gate(cand, base, None, Y, n_boot=1000, seed=4, alpha=0.05, min_delta=0.01)
    numpy = check_gate(
        cand,
        base,
        None,
        Y,
        n_boot=np.int64(1000),
        seed=np.int32(4),
        alpha=np.float32(0.05),
        min_delta=np.float64(0.01),
        floor=np.float64(0.5),
        sample_rows=np.int64(5),
        max_latency_ms=np.float64(100.0),
    )
    assert numpy.n_boot == 1000 and type(numpy.n_boot) is int and type(numpy.seed) is int
    assert numpy.metric("accuracy").ci_high == plain.metric("accuracy").ci_high
    assert numpy.alpha == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"n_boot": np.float64(1000)},
            r"n_boot must be an integer >= 100; got n_boot=np.float64\(1000\.0\)",
        ),
        ({"n_boot": np.bool_(True)}, "n_boot must be an integer"),
        ({"alpha": np.float64(0.7)}, r"alpha must be a finite number in \(0, 0.5\)"),
        ({"seed": np.int64(-1)}, "seed must be an integer >= 0"),
    ],
)
def test_numpy_scalars_out_of_range_name_the_argument(
    kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(MlauditInputError, match=match):
        check_gate(Y, Y, None, Y, **kwargs)  # type: ignore[arg-type]
