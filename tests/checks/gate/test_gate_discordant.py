"""Few discordant rows: the exact test on the discordant pairs decides accuracy.

When two classifiers disagree on only a handful of rows, the paired bootstrap of their
accuracy difference is discrete and anti-conservative (with 4 discordant rows, all the
baseline's, it fails at every seed while McNemar's exact p-value is 1/16). With at most
``EXACT_MAX_DISCORDANT`` discordant rows the exact (Clopper-Pearson / McNemar) bound
decides; these tests show it holds the false-fail rate at alpha for 1..50 discordant rows
and in the simulated regime where the bootstrap alone failed 7.7% of equally good models.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from pytest_mlaudit.checks.gate import check_gate
from pytest_mlaudit.checks.gate.boot import EXACT_MAX_DISCORDANT, exact_accuracy_bound
from pytest_mlaudit.result import report_from_dict

ALPHA = 0.025


def pair(
    n: int, candidate_only: int, baseline_only: int, both_wrong: int = 5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate and baseline predictions and the labels, with the given discordant rows."""
    y = np.arange(n) % 2
    cand, base = y.copy(), y.copy()
    b, c = baseline_only, candidate_only
    cand[:b] = 1 - y[:b]  # the baseline is right, the candidate wrong
    base[b : b + c] = 1 - y[b : b + c]  # the candidate is right, the baseline wrong
    wrong = slice(b + c, b + c + both_wrong)
    cand[wrong] = base[wrong] = 1 - y[wrong]
    return cand, base, y


def test_four_discordant_rows_all_the_baselines_do_not_fail_the_gate() -> None:
    cand, base, y = pair(500, candidate_only=0, baseline_only=4)
    bootstrap_fails = 0
    for seed in range(10):
        report = check_gate(cand, base, None, y, seed=seed)
        m = report.metric("accuracy")
        assert m.mcnemar is not None and m.mcnemar.pvalue_worse == pytest.approx(1 / 16)
        assert m.decided_by == "exact" and m.bound == m.exact_bound
        assert m.exact_bound is not None and m.exact_bound > 0
        assert report.passed, report.summary()
        assert "the exact test decides" in report.summary()
        bootstrap_fails += m.ci_high is not None and m.ci_high < 0
    assert bootstrap_fails >= 8  # the bootstrap alone fails it at nearly every seed


def test_six_discordant_rows_all_the_baselines_fail_it_and_say_why() -> None:
    cand, base, y = pair(500, candidate_only=0, baseline_only=6)  # p = 1/64
    report = check_gate(cand, base, None, y)
    assert not report.passed
    m = report.metric("accuracy")
    assert m.decided_by == "exact" and m.significantly_worse
    assert (
        "the exact upper bound of candidate - baseline, from the 6 discordant rows, is"
        in (report.failures[0])
    )
    assert "exact bound -0.0" in report.brief() and "from 6 discordant rows" in report.brief()


def test_many_discordant_rows_keep_the_bootstrap() -> None:
    cand, base, y = pair(2000, candidate_only=60, baseline_only=EXACT_MAX_DISCORDANT)
    m = check_gate(cand, base, None, y).metric("accuracy")
    assert m.exact_bound is None and m.decided_by == "bootstrap" and m.bound == m.ci_high
    # at the boundary the exact bound still decides
    cand, base, y = pair(2000, candidate_only=40, baseline_only=EXACT_MAX_DISCORDANT - 40)
    assert check_gate(cand, base, None, y).metric("accuracy").decided_by == "exact"


@pytest.mark.parametrize("m", [1, 2, 5, 9, 20, 57, 100])
def test_the_exact_bound_agrees_with_the_exact_binomial_test(m: int) -> None:
    """Below 0 exactly when scipy's one-sided binomial test rejects equal accuracy."""
    for b in range(m + 1):
        p = binomtest(b, m, 0.5, alternative="greater").pvalue
        assert (exact_accuracy_bound(m - b, b, 1000, ALPHA) < 0) == (p < ALPHA), (m, b, p)


def test_the_exact_bound_with_a_tolerance_and_the_bonferroni_alpha() -> None:
    # 20 discordant rows of 400, 17 of them the baseline's: a 3.5-point drop
    cand, base, y = pair(400, candidate_only=3, baseline_only=17)
    assert not check_gate(cand, base, None, y).passed
    # the bound can never be below -m/n = -5%: a 5-point tolerance cannot fail
    assert check_gate(cand, base, None, y, min_delta=0.05).passed
    two = check_gate(cand, base, None, y, metrics=["accuracy", "f1"])
    assert two.metric("accuracy").exact_bound == pytest.approx(
        exact_accuracy_bound(3, 17, 400, ALPHA / 2)
    )


def test_the_record_keeps_the_exact_bound() -> None:
    cand, base, y = pair(300, candidate_only=1, baseline_only=5)
    report = check_gate(cand, base, None, y)
    data = report.to_dict()
    back = report_from_dict(data)
    assert back == report and back.metric("accuracy").decided_by == "exact"
    row = data["metrics"][0]  # what the report section and the notebook read
    assert row["decided_by"] == "exact" and row["bound"] == row["exact_bound"]
    ucb = {m.name: m for m in report.measures()}["diff_ucb"]
    assert ucb.statistic == report.metric("accuracy").exact_bound
    assert ucb.breached == report.metric("accuracy").significantly_worse


@pytest.mark.slow
def test_false_fail_rate_holds_for_1_to_50_discordant_rows() -> None:
    """Equally good models with exactly m discordant rows: each favours either model with
    probability 1/2. The false-fail rate given m is summed exactly over the binomial law of
    the baseline's share (no Monte-Carlo error): at most alpha for every m, where the
    bootstrap alone exceeds it (6.25% at m=4)."""
    rates, boot_rates = {}, {}
    for m in range(1, 51):
        rate = boot = 0.0
        for b in range(m + 1):
            cand, base, y = pair(m + 20, candidate_only=m - b, baseline_only=b)
            report = check_gate(cand, base, None, y, n_boot=400, seed=m)
            acc = report.metric("accuracy")
            assert acc.decided_by == "exact"
            if not report.passed:
                rate += binom.pmf(b, m, 0.5)
            if acc.ci_high is not None and acc.ci_high < 0:
                boot += binom.pmf(b, m, 0.5)
        rates[m], boot_rates[m] = rate, boot
    print("\nfalse-fail rate by discordant rows (gate / bootstrap alone):")
    print(", ".join(f"{m}: {rates[m]:.3f}/{boot_rates[m]:.3f}" for m in rates))
    assert max(rates.values()) <= ALPHA + 1e-12
    assert max(boot_rates.values()) > ALPHA  # the bootstrap alone does not hold it


@pytest.mark.slow
def test_false_fail_rate_of_models_that_rarely_disagree_400_trials() -> None:
    """The issue's simulation: two equally good models (90%) that disagree on 4 of 500
    rows, 400 seeded trials. The gate holds alpha plus three binomial standard errors
    (Monte-Carlo slack); the bootstrap alone fails more often."""
    rng = np.random.default_rng(2026)
    trials, n = 400, 500
    fails = boot_fails = 0
    discordant = []
    for _ in range(trials):
        y = rng.integers(0, 2, n)
        right_b = rng.random(n) < 0.9
        right_c = right_b.copy()
        flip = np.zeros(n, dtype=bool)  # the 4 rows where the two models disagree ...
        flip[rng.choice(n, size=4, replace=False)] = True
        side = rng.random(n) < 0.5  # ... each in either one's favour
        right_c[flip], right_b[flip] = side[flip], ~side[flip]
        cand, base = np.where(right_c, y, 1 - y), np.where(right_b, y, 1 - y)
        report = check_gate(cand, base, None, y, seed=int(rng.integers(0, 2**31)))
        acc = report.metric("accuracy")
        discordant.append(int(flip.sum()))
        fails += not report.passed
        boot_fails += acc.ci_high is not None and acc.ci_high < 0
    rate, boot_rate = fails / trials, boot_fails / trials
    print(
        f"\n{trials} trials, {np.mean(discordant):.2f} discordant rows each: the gate "
        f"fails {rate:.2%}, the bootstrap alone {boot_rate:.2%}"
    )
    assert rate <= ALPHA + 3 * np.sqrt(ALPHA * (1 - ALPHA) / trials)
    assert boot_rate > rate
