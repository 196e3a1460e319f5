"""Benchmark: check_labels vs cross_val_predict + cleanlab called by hand, and the cache.

Data: ``make_classification`` with 5 well-separated classes (20 features, 10 informative,
``flip_y=0``), then exactly 10% of the labels moved to another class at seeded random
rows. Model: ``LogisticRegression(max_iter=1000)``, 5 stratified seeded folds.

Contenders, interleaved and repeated (medians of ``--repeat`` runs, after a warm-up run
that pays the imports):

* by hand: ``cross_val_predict(..., method="predict_proba")`` with the same
  ``StratifiedKFold``, then ``cleanlab.filter.find_label_issues`` and
  ``cleanlab.rank.get_label_quality_scores`` (``n_jobs=1``, as the audit uses);
* the audit: ``check_labels(X, y, model=...)`` with no cache;
* cold cache: the same with an empty cache directory (hash X/y/model, fit, write);
* warm cache: the same again (hash, read, cleanlab; nothing is fitted).

The audit's cross-validation *is* the same ``cross_val_predict`` call, so on a shared,
noisy machine the difference of two total times mostly measures the noise of five model
fits. The overhead is therefore measured directly: each run clocks its own
``cross_val_predict`` call, and "wrapper ms" is the audit's time outside it minus the
hand-written code's time outside it (cleanlab), i.e. validation, hashing and writing the
cache, and building the report. "overhead" is that over the by-hand total.

It also checks that the audit loses nothing: the cached out-of-fold probabilities equal
the hand-made ones bit for bit, and the flagged rows equal cleanlab's; and it prints the
precision and recall of the flagged rows against the flipped ones.

    .venv/bin/python benchmarks/bench_labels.py [--rows 20000 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

N_CLASSES = 5
NOISE = 0.10
CV = 5
SEED = 0


def make_noisy(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, noisy labels and the positions of the flipped labels."""
    from sklearn.datasets import make_classification

    X, y_true = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=10,
        n_redundant=0,
        n_classes=N_CLASSES,
        n_clusters_per_class=1,
        class_sep=2.0,
        flip_y=0.0,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    flipped = np.sort(rng.choice(n, size=round(NOISE * n), replace=False))
    y = y_true.copy()
    y[flipped] = (y_true[flipped] + rng.integers(1, N_CLASSES, size=flipped.size)) % N_CLASSES
    return X, y, flipped


def model() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def by_hand(X: np.ndarray, y: np.ndarray) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """What a user writes without the plugin; returns (seconds in cross_val_predict, out)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=CV, shuffle=True, random_state=SEED)
    start = time.perf_counter()
    probs = cross_val_predict(model(), X, y, cv=folds, method="predict_proba")
    fit_s = time.perf_counter() - start
    issues = find_label_issues(y, probs, n_jobs=1)
    get_label_quality_scores(y, probs)
    return fit_s, (probs, issues)


def audit(X: np.ndarray, y: np.ndarray, cache: Path | None = None) -> tuple[float, Any]:
    """check_labels; returns (seconds in its cross_val_predict, report)."""
    from pytest_mlaudit import check_labels
    from pytest_mlaudit.checks.labels import probs as _labels_probs

    fit_s = 0.0
    original = _labels_probs._cross_val_probs

    def clocked(*args: Any, **kwargs: Any) -> np.ndarray:
        nonlocal fit_s
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            fit_s = time.perf_counter() - start

    _labels_probs._cross_val_probs = clocked
    try:
        report = check_labels(
            X, y, model=model(), cv=CV, seed=SEED, cache=cache, max_issue_rate=0.2
        )
    finally:
        _labels_probs._cross_val_probs = original
    return fit_s, report


@dataclasses.dataclass
class Timing:
    total: list[float] = dataclasses.field(default_factory=list)  #: wall seconds per run
    fit: list[float] = dataclasses.field(default_factory=list)  #: of which cross_val_predict

    def add(self, fn: Callable[..., tuple[float, Any]], *args: Any) -> Any:
        start = time.perf_counter()
        fit_s, out = fn(*args)
        self.total.append(time.perf_counter() - start)
        self.fit.append(fit_s)
        return out

    def rest(self) -> list[float]:
        """Per run: the time outside cross_val_predict."""
        return [t - f for t, f in zip(self.total, self.fit, strict=True)]


def run(n: int, repeat: int) -> dict[str, Any]:
    from pytest_mlaudit import check_labels

    X, y, flipped = make_noisy(n)
    hand, plain, cold, warm = Timing(), Timing(), Timing(), Timing()
    same_probs = True
    for i in range(repeat):
        if i % 2:  # alternate the order: whoever runs first may pay for the other's garbage
            report = plain.add(audit, X, y)
        probs, issues = hand.add(by_hand, X, y)
        if not i % 2:
            report = plain.add(audit, X, y)
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp)
            first = cold.add(audit, X, y, cache)
            again = warm.add(audit, X, y, cache)
            assert (first.probabilities, again.probabilities) == ("cross_validation", "cache")
            (cached,) = cache.glob("labels-oof-*.npy")
            same_probs = same_probs and bool(np.array_equal(np.load(cached), probs))
    # every flagged row, from the same probabilities (no refit): the flags must be cleanlab's
    full = check_labels(None, y, pred_probs=probs, top_n=n, max_issue_rate=1.0)
    flagged = {row.position for row in full.suspicious}
    same_flags = flagged == set(np.flatnonzero(issues).tolist()) and report.issues == len(flagged)
    hits = len(flagged & set(flipped.tolist()))
    hand_rest = statistics.median(hand.rest())
    return {
        "rows": n,
        "flipped": int(flipped.size),
        "flagged": len(flagged),
        "precision": hits / len(flagged),
        "recall": hits / flipped.size,
        "same_probs": same_probs,
        "same_flags": same_flags,
        "hand_s": statistics.median(hand.total),
        "hand_fit_s": statistics.median(hand.fit),
        # the wrapper's own time: outside the (identical) cross_val_predict call, minus
        # what the hand-written code also spends there (cleanlab)
        "audit_s": statistics.median(plain.total),
        "audit_extra_s": statistics.median(plain.rest()) - hand_rest,
        "cold_s": statistics.median(cold.total),
        "cold_extra_s": statistics.median(cold.rest()) - hand_rest,
        "warm_s": statistics.median(warm.total),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS/OpenMP threads (default 1: steadier timings on a shared machine; "
        "0 leaves the library default)",
    )
    args = parser.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.blas_threads)

    from pytest_mlaudit.result import format_table

    X, y, _ = make_noisy(500)  # warm-up: imports and first-call costs
    by_hand(X, y)
    audit(X, y)

    results = [run(n, args.repeat) for n in args.rows]
    print(
        f"\nlabel audit, {N_CLASSES} classes, {NOISE:.0%} flipped, LogisticRegression, "
        f"{CV}-fold; median of {args.repeat} runs; BLAS threads: {args.blas_threads or 'default'}\n"
    )
    print(
        format_table(
            ["rows", "flipped", "flagged", "precision", "recall", "flags==cleanlab", "probs==hand"],
            [
                [
                    f"{r['rows']:,}",
                    f"{r['flipped']:,}",
                    f"{r['flagged']:,}",
                    f"{r['precision']:.3f}",
                    f"{r['recall']:.3f}",
                    str(r["same_flags"]),
                    str(r["same_probs"]),
                ]
                for r in results
            ],
        )
    )
    print()
    print(
        format_table(
            [
                "rows",
                "by hand s",
                "(of which CV)",
                "audit s",
                "wrapper ms",
                "overhead",
                "cold cache s",
                "wrapper ms",
                "overhead",
                "warm cache s",
                "warm/cold",
            ],
            [
                [
                    f"{r['rows']:,}",
                    f"{r['hand_s']:.2f}",
                    f"{r['hand_fit_s']:.2f}",
                    f"{r['audit_s']:.2f}",
                    f"{1000 * r['audit_extra_s']:+.0f}",
                    f"{r['audit_extra_s'] / r['hand_s']:+.2%}",
                    f"{r['cold_s']:.2f}",
                    f"{1000 * r['cold_extra_s']:+.0f}",
                    f"{r['cold_extra_s'] / r['hand_s']:+.2%}",
                    f"{r['warm_s']:.3f}",
                    f"{r['warm_s'] / r['cold_s']:.1%}",
                ]
                for r in results
            ],
        )
    )
    print("\ntargets: overhead <= +5%, warm/cold <= 10%")


if __name__ == "__main__":
    main()
