"""The review loop's estimates cover the truth: 100 seeded simulated reviews.

Each trial flips labels at random (the flips are known), audits them, writes the audit
sample, has reviewers answer truthfully, reads the file back and checks that the flag
precision's interval and the noise rate's intervals (overall and per class) hold the true
values of the whole data set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pytest_mlaudit import review_labels
from tests.checks.labels.label_review_fixtures import review_truthfully, simulate

TRIALS = 100
MIN_COVERAGE = 0.90


def _covers(low: float, value: float, high: float) -> bool:
    return low <= value <= high


@pytest.mark.slow
@pytest.mark.parametrize(
    "setting",
    [
        {"noise": 0.08, "signal": 2.5, "per_class": 40},
        {"noise": 0.15, "signal": 1.5, "per_class": 20},  # a weaker model: many false flags
    ],
    ids=["clear", "hard"],
)
def test_simulated_reviews_cover_the_truth(setting: dict[str, float], tmp_path: Path) -> None:
    hits: dict[str, list[bool]] = {"precision": [], "noise": [], "class": []}
    for seed in range(TRIALS):
        sim = simulate(seed, **setting)  # type: ignore[arg-type]
        path = review_truthfully(sim, tmp_path / f"reviewed-{seed}.csv")
        review = review_labels(sim.report, path)
        true_precision = sim.flipped[sim.report.issue_mask].mean()
        hits["precision"].append(
            _covers(review.precision_low, true_precision, review.precision_high)
        )
        hits["noise"].append(_covers(review.noise_low, sim.flipped.mean(), review.noise_high))
        for c in review.per_class:
            truth = sim.flipped[sim.y == c.label].mean()
            hits["class"].append(_covers(c.noise_low, truth, c.noise_high))
    coverage = {name: float(np.mean(h)) for name, h in hits.items()}
    assert min(coverage.values()) >= MIN_COVERAGE, coverage
