"""Seeded gate trials, vectorised: many fresh test sets scored at once.

Each trial draws a fresh test set of ``n`` rows and, for every row, whether the candidate
and the baseline classify it correctly (independent Bernoulli draws with the models'
true accuracies, optionally sharing a fraction ``shared`` of rows where both models are
right or wrong together, as models of one recipe do). The gate's bootstrap is applied to
all trials with one matrix product per chunk of resamples: the resamples are those
``check_gate(..., seed=gate_seed)`` draws for ``n`` rows (the same
:func:`bootstrap_counts`), so each trial's verdict is the one ``check_gate`` gives on that
trial's data (``test_vectorised_trials_match_check_gate`` checks it), including the
exact bound that decides instead of the bootstrap when the models disagree on at most
``EXACT_MAX_DISCORDANT`` rows.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pytest_mlaudit.checks.gate.boot import (
    EXACT_MAX_DISCORDANT,
    bootstrap_counts,
    exact_accuracy_bound,
)


@dataclasses.dataclass(frozen=True)
class TrialResult:
    n: int
    trials: int
    p_candidate: float
    p_baseline: float
    shared: float
    alpha: float
    min_delta: float
    diff: np.ndarray  #: (trials,) point-estimate accuracy differences
    ucb: np.ndarray  #: (trials,) upper one-sided bootstrap bounds of candidate - baseline
    bound: np.ndarray  #: (trials,) the bound that decides: exact with few discordant rows

    @property
    def gate_fails(self) -> np.ndarray:
        return self.bound < -self.min_delta

    @property
    def point_fails(self) -> np.ndarray:
        """MLflow-style point-estimate gate ``candidate >= baseline``."""
        return self.diff < 0

    def line(self, label: str) -> str:
        return (
            f"{label}: n={self.n}, {self.trials} trials, accuracy {self.p_candidate:.2f} vs "
            f"{self.p_baseline:.2f}, shared={self.shared:g}: the gate fails "
            f"{self.gate_fails.mean():.1%} (passes {1 - self.gate_fails.mean():.1%}); "
            f"point-estimate gate (cand >= base) fails {self.point_fails.mean():.1%} "
            f"(passes {1 - self.point_fails.mean():.1%})"
        )


def correctness(
    trials: int,
    n: int,
    p_candidate: float,
    p_baseline: float,
    *,
    shared: float = 0.0,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(trials, n) booleans: is the row classified right by the candidate / baseline."""
    rng = np.random.default_rng(seed)
    u_base = rng.random((trials, n))
    u_cand = rng.random((trials, n))
    if shared:
        # on a `shared` fraction of rows both models see the same difficulty draw, so they
        # are right or wrong together (as far as their accuracies allow)
        together = rng.random((trials, n)) < shared
        u_cand = np.where(together, u_base, u_cand)
    base = u_base < p_baseline
    cand = u_cand < p_candidate
    return cand, base


def run_trials(
    *,
    trials: int,
    n: int,
    p_candidate: float,
    p_baseline: float,
    shared: float = 0.0,
    alpha: float = 0.025,
    min_delta: float = 0.0,
    n_boot: int = 2000,
    data_seed: int,
    gate_seed: int = 0,
) -> TrialResult:
    cand, base = correctness(trials, n, p_candidate, p_baseline, shared=shared, seed=data_seed)
    d = cand.astype(np.float64) - base.astype(np.float64)  # (trials, n)
    boot = np.concatenate(
        [(W @ d.T) / n for W in bootstrap_counts(n, n_boot, gate_seed)], axis=0
    )  # (n_boot, trials)
    ucb = np.quantile(boot, 1.0 - alpha, axis=0)
    only_c, only_b = (d > 0).sum(axis=1), (d < 0).sum(axis=1)
    exact = np.array(
        [
            exact_accuracy_bound(int(c), int(b), n, alpha)
            for c, b in zip(only_c, only_b, strict=True)
        ]
    )
    bound = np.where(only_c + only_b <= EXACT_MAX_DISCORDANT, exact, ucb)
    return TrialResult(
        n, trials, p_candidate, p_baseline, shared, alpha, min_delta, d.mean(axis=1), ucb, bound
    )
