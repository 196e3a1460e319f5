"""Label-noise audits with cleanlab (failure mode 5: the labels a model learns from are wrong).

:func:`check_labels` takes features and given labels plus either a scikit-learn model
(out-of-fold probabilities are computed with stratified, seeded cross-validation, and
optionally cached on disk) or out-of-sample ``pred_probs``, runs cleanlab's confident
learning (``filter.find_label_issues``, ``rank.get_label_quality_scores``,
``count.compute_confident_joint``) and returns a :class:`LabelReport`: the overall and
per-class issue rates against their limits, the (given -> suggested) confusion counts,
the top-N most suspicious rows and a seeded per-class audit sample for manual review.

The record keeps aggregates and a bounded number of rows (``top_n`` suspicious rows,
``audit_per_class`` rows per class), never the full n-row arrays, so it stays small;
every flagged row is on the live report only (:attr:`LabelReport.flagged_rows`,
``issues_frame()``, ``issue_mask``), a field the record does not serialise. Rows are
known by their pandas index label when X or y is pandas (else by position), and every
class label is shown as the user's label, not cleanlab's code.

This module imports only the standard library at import time: numpy, pandas,
scikit-learn and cleanlab are imported when a check runs, so reading an audit record
back stays cheap.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_mlaudit._validation import check_bool, check_fraction, check_int, check_option
from pytest_mlaudit.checks.labels.report import (
    MAX_CONFUSION_CELLS,
    AuditSample,
    ClassCount,
    ClassIssues,
    ConfusionCell,
    FlaggedRows,
    Label,
    LabelReport,
    LabelRow,
)
from pytest_mlaudit.errors import MlauditInputError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np

    from pytest_mlaudit.checks.labels._validate import Encoded

__all__ = ["check_labels"]


def check_labels(
    X: Any,
    y: Any,
    *,
    model: Any = None,
    pred_probs: Any = None,
    classes: Any = None,
    cv: int = 5,
    max_issue_rate: float = 0.05,
    per_class_max_rate: float | Mapping[Any, float] | None = None,
    filter_by: str = "prune_by_noise_rate",
    rank_by: str = "self_confidence",
    rare_classes: str = "error",
    top_n: int = 50,
    audit_per_class: int = 10,
    include_features: bool = False,
    seed: int = 0,
    cache: bool | str | os.PathLike[str] | None = None,
    n_jobs: int | None = None,
) -> LabelReport:
    """Audit the given class labels for noise with cleanlab's confident learning.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features), DataFrame, sparse matrix or None
        The features. Needed with ``model``; with ``pred_probs`` it may be None (it is
        then only used for row ids and, with ``include_features``, feature values).
    y : array-like of shape (n_rows,)
        The given labels: ints, strings or booleans, one class per row. Regression
        targets, multi-label or multi-output targets and missing labels are refused.
    model : scikit-learn classifier, optional
        Anything with ``fit``, ``predict_proba`` and ``get_params``. Out-of-fold
        probabilities are computed with ``StratifiedKFold(cv, shuffle=True,
        random_state=seed)`` and ``cross_val_predict``. Give ``model`` or ``pred_probs``.
    pred_probs : array-like of shape (n_rows, n_classes), optional
        Out-of-sample predicted probabilities, used as given: finite, in [0, 1], rows
        summing to 1 (within 1e-3), columns in the order of ``classes``.
    classes : sequence, optional
        With ``pred_probs`` only: the class of each column (e.g. ``model.classes_``).
        Default: the sorted distinct labels of ``y``. May name classes no row has.
    cv : int, default 5
        Cross-validation folds (with ``model``).
    max_issue_rate : float, default 0.05
        The check fails when more than this fraction of rows is flagged.
    per_class_max_rate : float or {label: float}, optional
        A limit on the flagged fraction within each class (a float applies to every
        class; a mapping to the classes it names).
    filter_by : str, default "prune_by_noise_rate"
        cleanlab's rule for flagging rows (``filter.find_label_issues``): one of
        "prune_by_noise_rate", "prune_by_class", "both", "confident_learning",
        "predicted_neq_given", "low_normalized_margin", "low_self_confidence".
    rank_by : str, default "self_confidence"
        cleanlab's label-quality score used to rank rows
        (``rank.get_label_quality_scores``): "self_confidence", "normalized_margin"
        or "confidence_weighted_entropy".
    rare_classes : {"error", "skip"}, default "error"
        With ``model``: what to do when a class has fewer rows than ``cv`` (it cannot
        be in every fold). "error" raises; "skip" leaves those rows out of the audit
        and lists them in :attr:`LabelReport.skipped`.
    top_n : int, default 50
        How many of the most suspicious flagged rows the report (and record) keeps.
    audit_per_class : int, default 10
        Rows per class in the audit sample (see :class:`AuditSample`).
    include_features : bool, default False
        Keep the feature values of the kept rows in the report (and record).
    seed : int, default 0
        Seeds the folds and the audit sample.
    cache : None, True or path, default None
        Cache the out-of-fold probabilities on disk. None: no cache. True:
        ``.mlaudit/cache/`` under the working directory, or ``$MLAUDIT_CACHE_DIR``.
        A path: that directory. Files are named ``labels-oof-<hash>.npy``; no other
        file is ever written or replaced.
    n_jobs : int, optional
        Parallel folds, passed to ``cross_val_predict``.

    Returns
    -------
    LabelReport

    Raises
    ------
    MlauditInputError
        When the inputs cannot be audited as given; the message says why and what to do.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(600, n_classes=3, n_informative=4, class_sep=2.0,
    ...                            random_state=0)
    >>> y_noisy = y.copy()
    >>> y_noisy[:30] = (y[:30] + 1) % 3          # flip 5% of the labels
    >>> report = check_labels(X, y_noisy, model=LogisticRegression(), max_issue_rate=0.1)
    >>> report.passed, report.rows
    (True, 600)
    >>> flagged = {row.position for row in report.suspicious}
    >>> len(flagged & set(range(30))) >= 20      # most flips are among the top rows
    True
    """
    import numpy as np

    from pytest_mlaudit.checks.labels import _validate as iv
    from pytest_mlaudit.checks.labels import probs as probs_mod

    max_issue_rate = check_fraction("max_issue_rate", max_issue_rate)
    filter_by = check_option("filter_by", filter_by, iv.FILTER_BY)
    rank_by = check_option("rank_by", rank_by, iv.RANK_BY)
    top_n = check_int("top_n", top_n, minimum=0)
    audit_per_class = check_int("audit_per_class", audit_per_class, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    folds = check_int("cv", cv, minimum=2)
    rare_classes = check_option("rare_classes", rare_classes, iv.RARE_CLASSES)
    if n_jobs is not None and (n_jobs := check_int("n_jobs", n_jobs, minimum=-1)) == 0:
        raise MlauditInputError("n_jobs must be None, -1 (all cores) or a positive integer; got 0.")
    include_features = check_bool("include_features", include_features)
    if (model is None) == (pred_probs is None):
        raise MlauditInputError(
            "pass exactly one of model= (a scikit-learn classifier; out-of-fold "
            "probabilities are computed by cross-validation) or pred_probs= (out-of-sample "
            f"probabilities); got {'both' if model is not None else 'neither'}."
        )
    if classes is not None and model is not None:
        raise MlauditInputError(
            "classes= names the columns of pred_probs; with model= the classes are the "
            "labels in y. Drop classes= or pass pred_probs instead of model."
        )
    cache_dir = probs_mod.cache_dir(cache)

    enc = iv.encode_labels(y, classes=classes)
    n = len(enc.codes)
    if X is not None:
        n_x = iv.n_rows_of(X)
        if n_x != n:
            raise MlauditInputError(f"X has {n_x} rows but y has {n}; pass one label per row of X.")
    elif model is not None:
        raise MlauditInputError("X is None; with model= the features are needed to fit it.")
    ids = iv.row_ids(X, y, n)
    if include_features and X is not None:
        iv.feature_values(X, 0)  # feature names are distinct: refused now, not after the fit
    limits = iv.per_class_limits(per_class_max_rate, enc.classes, enc.labels)

    if pred_probs is not None:
        probs = iv.validate_pred_probs(pred_probs, n_rows=n, labels=enc.labels)
        audited = _Audited(enc.codes, enc.labels, limits, np.arange(n), probs, "pred_probs")
    else:
        audited = _from_model(
            X,
            enc,
            limits,
            model=model,
            cv=folds,
            seed=seed,
            rare_classes=rare_classes,
            n_jobs=n_jobs,
            cache=cache_dir,
        )
    codes, labels, positions, probs = (
        audited.codes,
        audited.labels,
        audited.positions,
        audited.probs,
    )
    notes = list(audited.notes)
    flagged, quality, joint, cl_notes = _run_cleanlab(codes, probs, filter_by, rank_by)
    notes += cl_notes
    suggested = probs.argmax(axis=1)

    def row(i: int) -> LabelRow:
        pos = int(positions[i])
        return LabelRow(
            position=pos,
            index=pos if ids is None else iv.jsonable_id(ids[pos]),
            given=labels[codes[i]],
            suggested=labels[suggested[i]],
            quality=float(quality[i]),
            flagged=bool(flagged[i]),
            features=iv.feature_values(X, pos) if include_features and X is not None else None,
        )

    k = len(labels)
    rows_per_class = np.bincount(codes, minlength=k)
    issues_per_class = np.bincount(codes[flagged], minlength=k)
    per_class = tuple(
        ClassIssues(labels[c], int(rows_per_class[c]), int(issues_per_class[c]), audited.limits[c])
        for c in range(k)
    )
    flagged_idx = np.flatnonzero(flagged)
    every = flagged_idx[np.argsort(quality[flagged_idx], kind="stable")]
    ranked = every[:top_n]
    every_pos = positions[every].astype(np.int64)
    all_flagged = FlaggedRows(
        input_rows=n,
        positions=every_pos,
        index=tuple(int(p) if ids is None else iv.jsonable_id(ids[int(p)]) for p in every_pos),
        given=codes[every],
        suggested=suggested[every],
        quality=quality[every],
        classes=labels,
    )
    sample = _audit_sample(codes, flagged, k, per_class=audit_per_class, seed=seed)
    return LabelReport(
        rows=len(codes),
        issues=int(flagged_idx.size),
        max_issue_rate=max_issue_rate,
        classes=labels,
        per_class=per_class,
        confusion=_confusion(codes, suggested, flagged, joint, labels),
        suspicious=tuple(row(int(i)) for i in ranked),
        audit_sample=AuditSample(
            rows=tuple(row(int(i)) for i in sample), per_class=audit_per_class, seed=seed
        ),
        probabilities=audited.source,
        model=None if model is None else _short_repr(model),
        cv=None if pred_probs is not None else folds,
        seed=seed,
        filter_by=filter_by,
        rank_by=rank_by,
        top_n=top_n,
        skipped=audited.skipped,
        notes=tuple(notes),
        flagged_rows=all_flagged,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Audited:
    """The rows and classes that go to cleanlab, with their probabilities."""

    codes: np.ndarray  #: class codes 0..K-1 of the audited rows
    labels: tuple[Label, ...]  #: the K classes, as shown
    limits: tuple[float | None, ...]  #: per-class limits
    positions: np.ndarray  #: each audited row's position in the input
    probs: np.ndarray  #: out-of-sample probabilities, (rows, K)
    source: str  #: "pred_probs", "cross_validation" or "cache"
    skipped: tuple[ClassCount, ...] = ()
    notes: tuple[str, ...] = ()


def _from_model(
    X: Any,
    enc: Encoded,
    limits: tuple[float | None, ...],
    *,
    model: Any,
    cv: int,
    seed: int,
    rare_classes: str,
    n_jobs: int | None,
    cache: Path | None,
) -> _Audited:
    """Out-of-fold probabilities of ``model``, after handling classes rarer than ``cv``."""
    import numpy as np

    from pytest_mlaudit.checks.labels import probs as probs_mod

    probs_mod.check_model(model)
    codes, labels = enc.codes, enc.labels
    positions = np.arange(len(codes))
    X_fit, y_fit = X, enc.values
    skipped: tuple[ClassCount, ...] = ()
    notes: list[str] = []
    counts = np.bincount(codes, minlength=len(labels))
    rare = np.flatnonzero(counts < cv)
    if rare.size:
        listed = ", ".join(f"{labels[k]!r} ({counts[k]} rows)" for k in rare)
        if rare_classes == "error":
            raise MlauditInputError(
                f"classes with fewer rows than cv={cv} folds cannot be in every fold: "
                f"{listed}. Fix those labels, lower cv, or pass rare_classes='skip' to "
                "audit the other classes without them."
            )
        kept = np.flatnonzero(counts >= cv)
        if kept.size < 2:
            raise MlauditInputError(
                f"after skipping the rare classes {listed}, fewer than two classes have at "
                f"least cv={cv} rows; nothing left to audit."
            )
        skipped = tuple(ClassCount(labels[k], int(counts[k])) for k in rare)
        notes.append(f"skipped {len(skipped)} rare classes (< {cv} rows): {listed}")
        keep = np.isin(codes, kept)
        positions = np.flatnonzero(keep)
        remap = np.full(len(labels), -1, dtype=np.int64)
        remap[kept] = np.arange(kept.size)
        codes = remap[codes[keep]]
        labels = tuple(labels[k] for k in kept)
        limits = tuple(limits[k] for k in kept)
        X_fit, y_fit = _take_rows(X, positions), enc.values[keep]
    probs, source, cache_notes = probs_mod.out_of_fold(
        X_fit, y_fit, model, n_classes=len(labels), cv=cv, seed=seed, n_jobs=n_jobs, cache=cache
    )
    return _Audited(
        codes, labels, limits, positions, probs, source, skipped, (*notes, *cache_notes)
    )


def _short_repr(obj: Any, limit: int = 200) -> str:
    text = " ".join(repr(obj).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _take_rows(X: Any, positions: np.ndarray) -> Any:
    if hasattr(X, "iloc"):
        return X.iloc[positions]
    if hasattr(X, "shape"):
        return X[positions]
    return [X[int(i)] for i in positions]


def _run_cleanlab(
    codes: np.ndarray, probs: np.ndarray, filter_by: str, rank_by: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """cleanlab's flags, quality scores and confident joint, and its warnings as notes.

    The confident joint is computed once and handed to ``find_label_issues`` for the
    filters that use it; cleanlab would compute the same matrix itself (same defaults),
    so the flags equal those of a direct ``find_label_issues(labels, pred_probs)`` call.
    """
    import numpy as np
    from cleanlab.count import compute_confident_joint
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        joint = np.asarray(compute_confident_joint(codes, probs))
        extra: dict[str, Any] = {}
        if filter_by in ("prune_by_noise_rate", "prune_by_class", "both"):
            extra["confident_joint"] = joint
        flagged = find_label_issues(codes, probs, filter_by=filter_by, n_jobs=1, **extra)
        quality = get_label_quality_scores(codes, probs, method=rank_by)
    notes: list[str] = []
    for w in caught:
        text = f"cleanlab: {' '.join(str(w.message).split())}"
        if text not in notes:
            notes.append(text)
    return np.asarray(flagged, dtype=bool), np.asarray(quality, dtype=float), joint, notes


def _confusion(
    codes: np.ndarray,
    suggested: np.ndarray,
    flagged: np.ndarray,
    joint: np.ndarray,
    labels: tuple[Label, ...],
) -> tuple[ConfusionCell, ...]:
    """Cells with flagged rows, or off-diagonal confident-joint counts; most flagged first."""
    import numpy as np

    k = len(labels)
    counts = np.bincount(codes[flagged] * k + suggested[flagged], minlength=k * k).reshape(k, k)
    off_diagonal = ~np.eye(k, dtype=bool)
    keep = (counts > 0) | ((joint > 0) & off_diagonal)
    given, sugg = np.nonzero(keep)
    order = np.lexsort((sugg, given, -joint[given, sugg], -counts[given, sugg]))
    return tuple(
        ConfusionCell(labels[int(g)], labels[int(s)], int(counts[g, s]), int(joint[g, s]))
        for g, s in zip(given[order], sugg[order], strict=True)
    )[:MAX_CONFUSION_CELLS]


def _audit_sample(
    codes: np.ndarray, flagged: np.ndarray, n_classes: int, *, per_class: int, seed: int
) -> list[int]:
    """Row numbers of the audit sample: per class, half flagged and half not if possible."""
    import numpy as np

    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for c in range(n_classes):
        members = np.flatnonzero(codes == c)
        bad, good = members[flagged[members]], members[~flagged[members]]
        take = min(per_class, members.size)
        n_bad = min(bad.size, (take + 1) // 2)
        n_good = min(good.size, take - n_bad)
        n_bad = take - n_good
        picked = np.concatenate(
            [rng.choice(bad, n_bad, replace=False), rng.choice(good, n_good, replace=False)]
        )
        chosen.extend(int(i) for i in rng.permutation(picked))
    return chosen
