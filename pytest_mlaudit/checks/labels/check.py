"""Label-noise audits with cleanlab (failure mode 5: the labels a model learns from are wrong).

:func:`check_labels` takes features and given labels plus either a scikit-learn model
(out-of-fold probabilities are computed with stratified, seeded cross-validation, and
optionally cached on disk) or out-of-sample ``pred_probs``, runs cleanlab's confident
learning (``filter.find_label_issues``, ``rank.get_label_quality_scores``,
``count.compute_confident_joint``) and returns a :class:`LabelReport`: the overall and
per-class issue rates against their limits, the (given -> suggested) confusion counts,
the top-N most suspicious rows and a seeded per-class audit sample for manual review.

The report keeps aggregates and a bounded number of rows (``top_n`` suspicious rows,
``audit_per_class`` rows per class), never the full n-row arrays, so the audit record
stays small. Rows are known by their pandas index label when X or y is pandas (else by
position), and every class label is shown as the user's label, not cleanlab's code.

This module imports only the standard library at import time: numpy, pandas,
scikit-learn and cleanlab are imported when a check runs, so reading an audit record
back stays cheap.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.result import BadWhen, CheckReport, Measure, breaches, fmt_number, format_table

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np
    import pandas as pd

    from pytest_mlaudit.checks.labels._validate import Encoded

__all__ = [
    "AuditSample",
    "ClassCount",
    "ClassIssues",
    "ConfusionCell",
    "LabelReport",
    "LabelRow",
    "check_labels",
]

#: A class label or row id as stored in the report: the user's int or str (else its str()).
Label: TypeAlias = int | str
#: A feature value in a row (only with ``include_features=True``).
FeatureValue: TypeAlias = bool | int | str | float | None

#: At most this many (given, suggested) cells are kept in :attr:`LabelReport.confusion`.
MAX_CONFUSION_CELLS: Final = 500
#: Rows of the summary table that ``assert_ok()`` prints.
_SUMMARY_ROWS: Final = 10
#: Columns of the audit-sample table (features follow).
_ROW_COLUMNS: Final = ("position", "index", "given", "suggested", "quality", "flagged")


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(x: float) -> str:
    return "nan" if math.isnan(x) else f"{100 * x:.2f}%"


@dataclasses.dataclass(frozen=True, slots=True)
class LabelRow:
    """One row of the data as the audit sees it."""

    position: int  #: 0-based position of the row in the input
    index: Label  #: the pandas index label if X or y is pandas, else the position
    given: Label  #: the label in the data
    suggested: Label  #: the most probable class under the out-of-sample probabilities
    quality: float  #: cleanlab label-quality score in [0, 1]; lower is more suspicious
    flagged: bool  #: whether cleanlab flags the given label as an issue
    #: the row's feature values (only with ``include_features=True``; missing -> null)
    features: dict[str, FeatureValue] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row as a flat mapping (features under their column names)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _ROW_COLUMNS}
        for name, value in (self.features or {}).items():
            out[name if name not in out else f"feature_{name}"] = value
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class ClassIssues:
    """Flagged rows among the rows given one class label."""

    label: Label  #: the class
    rows: int  #: rows whose given label is this class
    issues: int  #: of those, rows flagged as label issues
    max_rate: float | None = None  #: the per-class limit, if any

    @property
    def rate(self) -> float:
        """``issues / rows`` (0 for a class with no rows)."""
        return _rate(self.issues, self.rows)

    @property
    def breached(self) -> bool:
        """True when the class has a limit and its rate is above it."""
        return self.max_rate is not None and breaches(self.rate, self.max_rate, BadWhen.ABOVE)


@dataclasses.dataclass(frozen=True, slots=True)
class ConfusionCell:
    """One (given label -> suggested label) cell of the confusion table."""

    given: Label  #: the label in the data
    suggested: Label  #: the class the out-of-sample probabilities favour
    flagged: int  #: flagged rows with this given and suggested label
    confident: int  #: cleanlab's (calibrated) confident-joint count for the pair


@dataclasses.dataclass(frozen=True, slots=True)
class ClassCount:
    """A class and its number of rows (e.g. a rare class left out of the audit)."""

    label: Label
    rows: int


@dataclasses.dataclass(frozen=True, slots=True)
class AuditSample:
    """A seeded per-class sample of rows for people to verify by hand.

    For each class, up to ``per_class`` rows whose given label is that class: half of
    them flagged and half not where the class has enough of each (the rest filled from
    the other group), in random order. Comparing reviewers' verdicts on flagged and
    unflagged rows estimates how precise the audit is on this data.
    """

    rows: tuple[LabelRow, ...]  #: ordered by class, shuffled within a class
    per_class: int  #: rows requested per class
    seed: int  #: the seed that drew them

    def to_frame(self, *, blind: bool = False) -> pd.DataFrame:
        """The sample as a DataFrame, with an empty ``verified_label`` column to fill in.

        ``blind=True`` leaves out ``suggested``, ``quality`` and ``flagged`` so that
        reviewers are not anchored by the model's opinion.
        """
        import pandas as pd

        records = [row.as_dict() for row in self.rows]
        frame = pd.DataFrame.from_records(records, columns=_columns(self.rows))
        if blind:
            frame = frame.drop(columns=["suggested", "quality", "flagged"])
        frame["verified_label"] = ""
        return frame

    def to_csv(
        self, path: str | os.PathLike[str], *, blind: bool = False, overwrite: bool = False
    ) -> Path:
        """Write :meth:`to_frame` to ``path`` as CSV and return the path.

        An existing file is never replaced unless ``overwrite=True``.
        """
        target = Path(path)
        if target.exists() and not overwrite:
            raise MlauditInputError(
                f"{str(target)!r} exists; pass overwrite=True to replace it, or choose "
                "another path."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        self.to_frame(blind=blind).to_csv(target, index=False)
        return target


def _columns(rows: tuple[LabelRow, ...]) -> list[str]:
    columns = list(_ROW_COLUMNS)
    for row in rows:
        for name in row.as_dict():
            if name not in columns:
                columns.append(name)
    return columns


@dataclasses.dataclass(frozen=True, slots=True)
class LabelReport(CheckReport):
    """The result of :func:`check_labels`.

    ``passed`` holds when the overall issue rate is at most ``max_issue_rate`` and no
    class is above its own limit (``per_class_max_rate``).
    """

    kind: ClassVar[str] = "labels"

    rows: int  #: rows audited
    issues: int  #: rows flagged as label issues
    max_issue_rate: float  #: the limit of :attr:`issue_rate`
    classes: tuple[Label, ...]  #: the classes, in the order of the probability columns
    per_class: tuple[ClassIssues, ...]  #: one entry per class, same order
    confusion: tuple[ConfusionCell, ...]  #: (given -> suggested) cells, most flagged first
    suspicious: tuple[LabelRow, ...]  #: the ``top_n`` flagged rows, lowest quality first
    audit_sample: AuditSample  #: rows per class for manual verification
    probabilities: str  #: where the probabilities came from: pred_probs/cross_validation/cache
    model: str | None  #: the model's repr, when a model was given
    cv: int | None  #: folds of the cross-validation (None with pred_probs)
    seed: int  #: the seed of the folds and of the audit sample
    filter_by: str  #: cleanlab ``find_label_issues(filter_by=...)``
    rank_by: str  #: cleanlab ``get_label_quality_scores(method=...)``
    top_n: int  #: how many suspicious rows were asked for
    skipped: tuple[ClassCount, ...] = ()  #: rare classes left out (``rare_classes="skip"``)
    notes: tuple[str, ...] = ()  #: warnings from cleanlab, the cache, skipped classes

    @property
    def issue_rate(self) -> float:
        """Flagged rows over audited rows."""
        return _rate(self.issues, self.rows)

    @property
    def passed(self) -> bool:
        overall = breaches(self.issue_rate, self.max_issue_rate, BadWhen.ABOVE)
        return not overall and not any(c.breached for c in self.per_class)

    def worst_class(self) -> ClassIssues:
        """The class furthest above its limit, else the one with the highest rate."""
        limited = [c for c in self.per_class if c.max_rate is not None]
        if limited:
            worst = max(limited, key=lambda c: c.rate - (c.max_rate or 0.0))
            if worst.breached:
                return worst
        return max(self.per_class, key=lambda c: c.rate)

    def headline(self) -> Measure:
        overall = Measure(
            "issue_rate", self.issue_rate, self.max_issue_rate, bad_when=BadWhen.ABOVE
        )
        if not overall.breached:
            worst = self.worst_class()
            if worst.breached and worst.max_rate is not None:
                return Measure(
                    f"issue_rate[{worst.label}]", worst.rate, worst.max_rate, BadWhen.ABOVE
                )
        return overall

    def sizes(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "classes": len(self.classes),
            "rows_skipped": sum(c.rows for c in self.skipped),
        }

    def key_figures(self) -> dict[str, float | int | str | bool]:
        figures = CheckReport.key_figures(self)
        worst = self.worst_class()
        figures.update(
            {
                "issue_rate": self.issue_rate,
                "issue_rate_threshold": self.max_issue_rate,
                "issues": self.issues,
                "rows": self.rows,
                "worst_class": str(worst.label),
                "worst_class_rate": worst.rate,
            }
        )
        return figures

    def brief(self) -> str:
        worst = self.worst_class()
        return (
            f"{self.issues}/{self.rows} rows flagged; worst class {worst.label!r} "
            f"{_pct(worst.rate)}"
        )

    def suspicious_frame(self) -> pd.DataFrame:
        """The kept suspicious rows (:attr:`suspicious`) as a DataFrame."""
        import pandas as pd

        return pd.DataFrame.from_records(
            [row.as_dict() for row in self.suspicious], columns=_columns(self.suspicious)
        )

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        limit = f"limit {_pct(self.max_issue_rate)}"
        lines = [
            f"labels {verdict}: {self.issues} of {self.rows} rows flagged as label issues "
            f"({_pct(self.issue_rate)}, {limit}); cleanlab filter_by={self.filter_by!r}, "
            f"probabilities from {self.probabilities}"
            + (f" ({self.cv}-fold, seed={self.seed})" if self.cv else ""),
            "",
            format_table(
                ["class", "rows", "flagged", "rate", "limit", "verdict"],
                [
                    [
                        str(c.label),
                        str(c.rows),
                        str(c.issues),
                        _pct(c.rate),
                        "-" if c.max_rate is None else _pct(c.max_rate),
                        "FAIL" if c.breached else ("ok" if c.max_rate is not None else "-"),
                    ]
                    for c in self.per_class
                ],
            ),
        ]
        off = [c for c in self.confusion if c.given != c.suggested and c.flagged]
        if off:
            lines += [
                "",
                "most flagged (given -> suggested):",
                format_table(
                    ["given", "suggested", "flagged", "confident_joint"],
                    [
                        [str(c.given), str(c.suggested), str(c.flagged), str(c.confident)]
                        for c in off[:_SUMMARY_ROWS]
                    ],
                ),
            ]
        if self.suspicious:
            shown = self.suspicious[:_SUMMARY_ROWS]
            lines += [
                "",
                f"most suspicious rows ({len(shown)} of {len(self.suspicious)} kept):",
                format_table(
                    ["index", "given", "suggested", "quality"],
                    [
                        [str(r.index), str(r.given), str(r.suggested), fmt_number(r.quality)]
                        for r in shown
                    ],
                ),
            ]
        if self.skipped:
            skipped = ", ".join(f"{c.label!r} ({c.rows} rows)" for c in self.skipped)
            lines += ["", f"skipped rare classes: {skipped}"]
        if self.notes:
            lines += ["", "notes:", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines)


# -- the check ----------------------------------------------------------------------


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

    max_issue_rate = iv.check_fraction("max_issue_rate", max_issue_rate)
    filter_by = iv.check_option("filter_by", filter_by, iv.FILTER_BY)
    rank_by = iv.check_option("rank_by", rank_by, iv.RANK_BY)
    top_n = iv.check_int("top_n", top_n, minimum=0)
    audit_per_class = iv.check_int("audit_per_class", audit_per_class, minimum=0)
    seed = iv.check_int("seed", seed, minimum=0)
    folds = iv.check_int("cv", cv, minimum=2)
    rare_classes = iv.check_option("rare_classes", rare_classes, iv.RARE_CLASSES)
    if n_jobs is not None and (iv.check_int("n_jobs", n_jobs, minimum=-1) == 0):
        raise MlauditInputError("n_jobs must be None, -1 (all cores) or a positive integer; got 0.")
    if not isinstance(include_features, bool):
        raise MlauditInputError(
            f"include_features must be True or False; got include_features={include_features!r}."
        )
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
    ranked = flagged_idx[np.argsort(quality[flagged_idx], kind="stable")][:top_n]
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
