"""Benchmark: the statistical gate against the point-estimate gate, and what it costs.

Part 1 runs seeded trials (fresh test sets, two classifiers with known true accuracies)
at several accuracy levels, with independent errors and with the shared errors of models
of one recipe, and prints how often each gate fails: the statistical gate
(``check_gate`` defaults: alpha=0.025, min_delta=0, n_boot=2000) and the point-estimate
gate ``candidate >= baseline``. Beside the simulated rates it prints the normal
approximation of the gate's power, ``Phi(delta * sqrt(n) / sigma - z_(1-alpha))`` with
``sigma^2 = P(only one model right) - delta^2``.

Part 2 prints, for equally good models that disagree on exactly m rows, the false-fail
rate of the bootstrap alone and of the gate (the exact bound decides up to
``EXACT_MAX_DISCORDANT`` discordant rows), summed exactly over the binomial law of how
the m rows split.

Part 3 times ``check_gate`` on precomputed probabilities for a few sizes and metric sets.

    .venv/bin/python benchmarks/bench_gate.py [--trials 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scipy.stats import binom

from pytest_mlaudit.checks.gate import check_gate
from tests.checks.gate.gate_trials import run_trials


def power(p_cand: float, p_base: float, n: int, alpha: float = 0.025) -> float:
    delta = p_base - p_cand
    only_one = p_cand * (1 - p_base) + p_base * (1 - p_cand)
    sigma = np.sqrt(only_one - delta**2)
    return float(norm.cdf(delta * np.sqrt(n) / sigma - norm.ppf(1 - alpha)))


def trials(n_trials: int) -> None:
    print(
        f"{'scenario':<36} {'n':>6} {'gate fails':>11} {'point fails':>12} {'approx.':>8} "
        f"{'gate fails, 2000 trials':>24}"
    )
    for shared in (0.0, 0.8):
        for p in (0.80, 0.85, 0.90):
            for label, pc, n in (("equal", p, 1000), ("2 points worse", p - 0.02, 5000)):
                r = run_trials(
                    trials=n_trials, n=n, p_candidate=pc, p_baseline=p, shared=shared, data_seed=0
                )
                approx = "-" if shared else f"{power(pc, p, n) if pc < p else 0.025:.1%}"
                long_run = "-"
                if pc == p:  # the false-fail rate, with less Monte Carlo noise than 200 trials
                    many = run_trials(
                        trials=2000,
                        n=n,
                        p_candidate=pc,
                        p_baseline=p,
                        shared=shared,
                        data_seed=1,
                        n_boot=1000,
                    )
                    long_run = f"{many.gate_fails.mean():.1%}"
                name = f"{label} @ {p:.0%}" + (", shared errors" if shared else "")
                print(
                    f"{name:<36} {n:>6} {r.gate_fails.mean():>11.1%} "
                    f"{r.point_fails.mean():>12.1%} {approx:>8} {long_run:>24}"
                )


def discordant(n: int = 500) -> None:
    print(f"\n{'discordant rows':>15} {'bootstrap alone':>16} {'gate':>8}  (alpha 2.5%)")
    y = np.arange(n) % 2
    for m in (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 80, 100, 101, 150, 300):
        boot = gate = 0.0
        for b in range(m + 1):
            cand, base = y.copy(), y.copy()
            cand[:b] = 1 - y[:b]  # the baseline's rows
            base[b:m] = 1 - y[b:m]  # the candidate's rows
            acc = check_gate(cand, base, None, y).metric("accuracy")
            weight = float(binom.pmf(b, m, 0.5))
            boot += weight * bool(acc.ci_high is not None and acc.ci_high < 0)
            gate += weight * acc.significantly_worse
        print(f"{m:>15} {boot:>16.2%} {gate:>8.2%}")


def timings() -> None:
    rng = np.random.default_rng(0)
    print(f"\n{'rows':>7} {'metrics':<28} {'seconds':>8}")
    for n in (1_000, 5_000, 50_000):
        y = rng.integers(0, 2, n)
        a = 1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, n))))
        b = 1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, n))))
        for metrics in (["accuracy"], ["accuracy", "roc_auc", "log_loss"]):
            start = time.perf_counter()
            check_gate(a, b, None, y, metrics=metrics)
            print(f"{n:>7} {','.join(metrics):<28} {time.perf_counter() - start:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    trials(args.trials)
    discordant()
    timings()


if __name__ == "__main__":
    main()
