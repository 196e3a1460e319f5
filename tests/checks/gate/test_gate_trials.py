"""Seeded trials of the gate against the point-estimate gate (``candidate >= baseline``).

Each trial is a fresh test set on which two classifiers with known true accuracies make
independent errors; the gate runs with its defaults (``alpha=0.025``, ``min_delta=0``,
``n_boot=2000``, ``seed=0``). The numbers are printed (``pytest -s`` shows them):

* equal quality (90% vs 90%), n = 1,000: the gate must pass >= 95% of 200 trials;
* the candidate truly 2 points worse (88% vs 90%), n = 5,000: it must fail >= 80%.

Power depends on the accuracy level, because the noise of a paired accuracy difference
is ``sqrt(P(only one model right) / n)``; ``benchmarks/bench_gate.py`` prints the same
trials at 80% and 85% accuracy, where 5,000 rows are not enough for 80% power.
"""

from __future__ import annotations

import numpy as np
import pytest

from pytest_mlaudit.checks.gate import check_gate
from tests.checks.gate.gate_trials import correctness, run_trials

N_TRIALS = 200


@pytest.mark.slow
def test_equal_candidates_pass_at_least_95_percent_of_200_trials() -> None:
    result = run_trials(trials=N_TRIALS, n=1000, p_candidate=0.90, p_baseline=0.90, data_seed=0)
    print("\n" + result.line("equal quality"))
    assert 1 - result.gate_fails.mean() >= 0.95
    # the point-estimate gate fails an equally good candidate about half the time
    assert result.point_fails.mean() > 0.35


@pytest.mark.slow
def test_a_candidate_two_points_worse_fails_at_least_80_percent_of_200_trials() -> None:
    result = run_trials(trials=N_TRIALS, n=5000, p_candidate=0.88, p_baseline=0.90, data_seed=0)
    print("\n" + result.line("2 points worse"))
    assert result.gate_fails.mean() >= 0.80


@pytest.mark.slow
def test_models_of_one_recipe_share_errors_and_the_gate_stays_calibrated() -> None:
    """Models trained the same way agree on most rows; the pairing then narrows the
    interval, so the gate keeps its false-fail rate and gains power."""
    equal = run_trials(
        trials=N_TRIALS, n=1000, p_candidate=0.85, p_baseline=0.85, shared=0.8, data_seed=1
    )
    worse = run_trials(
        trials=N_TRIALS, n=5000, p_candidate=0.83, p_baseline=0.85, shared=0.8, data_seed=1
    )
    print("\n" + equal.line("equal, shared errors") + "\n" + worse.line("2 points worse, shared"))
    assert 1 - equal.gate_fails.mean() >= 0.95
    assert worse.gate_fails.mean() >= 0.99


@pytest.mark.slow
def test_the_false_fail_rate_is_alpha_over_2000_trials() -> None:
    """Not seed luck: over 2,000 trials the gate fails an equally good candidate at most
    alpha = 2.5% of the time (plus three binomial standard errors)."""
    result = run_trials(
        trials=2000, n=1000, p_candidate=0.85, p_baseline=0.85, data_seed=2, n_boot=1000
    )
    rate = result.gate_fails.mean()
    print(f"\nfalse-fail rate over 2000 trials at 85% accuracy, n=1000: {rate:.2%}")
    assert rate <= 0.025 + 3 * np.sqrt(0.025 * 0.975 / 2000)


@pytest.mark.parametrize("trial", [0, 1, 2])
def test_vectorised_trials_match_check_gate(trial: int) -> None:
    """The trials above reproduce check_gate's own verdict on each trial's data."""
    n = 1000
    cand_ok, base_ok = correctness(3, n, 0.8, 0.8, seed=11)
    rng = np.random.default_rng(trial)
    y = rng.integers(0, 2, n)
    cand = np.where(cand_ok[trial], y, 1 - y)
    base = np.where(base_ok[trial], y, 1 - y)
    report = check_gate(cand, base, None, y)
    vectorised = run_trials(trials=3, n=n, p_candidate=0.8, p_baseline=0.8, data_seed=11)
    m = report.metric("accuracy")
    assert m.difference == pytest.approx(vectorised.diff[trial], abs=1e-12)
    assert m.ci_high == pytest.approx(vectorised.ucb[trial], abs=1e-12)
    assert report.passed == (not vectorised.gate_fails[trial])
