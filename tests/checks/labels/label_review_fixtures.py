"""A small simulated label audit and its review, with the true flips known (seeded).

Used by the label-review tests and by tests/report/test_display.py (a report per kind).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pytest_mlaudit.checks.label_review import LabelReviewReport, review_labels
from pytest_mlaudit.checks.labels import LabelReport, check_labels


@dataclasses.dataclass(frozen=True)
class Simulated:
    y_true: np.ndarray
    y: np.ndarray  #: y_true with the ``flipped`` rows moved to another class
    flipped: np.ndarray  #: boolean, per row
    probs: np.ndarray  #: the out-of-sample probabilities the audit used
    report: LabelReport


def simulate(
    seed: int,
    *,
    n: int = 2_000,
    n_classes: int = 3,
    noise: float = 0.08,
    signal: float = 2.5,
    per_class: int = 40,
) -> Simulated:
    """Labels with ``noise`` of them flipped at random, and out-of-sample probabilities of
    a model that knows the true class (its logit raised by ``signal``) but errs too: the
    audit then flags most flips, some correct rows, and misses some flips."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, n)
    flipped = rng.random(n) < noise
    y = y_true.copy()
    y[flipped] = (y_true[flipped] + rng.integers(1, n_classes, flipped.sum())) % n_classes
    logits = rng.normal(0.0, 1.0, (n, n_classes))
    logits[np.arange(n), y_true] += signal
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    report = check_labels(None, y, pred_probs=probs, audit_per_class=per_class, seed=seed)
    return Simulated(y_true, y, flipped, probs, report)


def review_truthfully(sim: Simulated, path: Path, *, blind: bool = False) -> Path:
    """Write the audit sample to ``path`` and fill it in as honest reviewers would."""
    sim.report.audit_sample.to_csv(path, blind=blind, overwrite=True)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    pos = frame["position"].astype(int).to_numpy()
    wrong = sim.y[pos] != sim.y_true[pos]
    frame["reviewer_verdict"] = np.where(wrong, "wrong", "correct")
    frame["reviewer_label"] = np.where(wrong, sim.y_true[pos].astype(str), "")
    frame.to_csv(path, index=False)
    return path


def make_label_review_report(seed: int = 0) -> LabelReviewReport:
    """A small label review (300 rows, 10% flipped, 10 rows per class reviewed)."""
    sim = simulate(seed, n=300, noise=0.1, per_class=10)
    with tempfile.TemporaryDirectory() as tmp:
        path = review_truthfully(sim, Path(tmp) / "reviewed.csv")
        return review_labels(sim.report, path, max_noise_rate=0.05)
