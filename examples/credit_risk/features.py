"""Feature pipelines of the example credit-risk model: one offline, one online.

* :func:`build_features_batch` is the *offline* pipeline the training job runs: a pandas
  DataFrame of raw applications -> a DataFrame of model features, vectorised.
* :func:`build_features_row` is the *online* pipeline the scoring service runs on each
  request: one raw application (a dict, as parsed from the request's JSON) -> a dict of
  the same features, in plain Python.
* :func:`build_features_micro_batch` is the service's batch endpoint: a list of requests
  scored at once, vectorised with pandas.

They must agree on every input, including the awkward ones a live service receives:
missing fields (``None``), NaN, zero and negative amounts, out-of-range values, unseen or
oddly spelled categories, and timestamps near midnight or a daylight-saving change.
``tests/test_skew.py`` proves it with ``mlaudit.parity(...)``.

:func:`build_features_row_buggy` is a deliberately broken online pipeline with two
realistic bugs, to show what a failing parity check reports.

The constants (medians, known categories) were fitted once on the training set.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

__all__ = [
    "MODEL_FEATURES",
    "RAW_FIELDS",
    "add_request_fields",
    "build_features_batch",
    "build_features_micro_batch",
    "build_features_row",
    "build_features_row_buggy",
]

#: The raw fields of an application (the request body).
RAW_FIELDS = [
    "applicant_id",
    "applied_at",
    "age",
    "income",
    "debt_ratio",
    "credit_score",
    "open_accounts",
    "loan_amount",
    "employment",
    "region",
    "home_ownership",
]
#: The features the model reads, in order.
MODEL_FEATURES = [
    "log_income",
    "debt_ratio",
    "credit_score_scaled",
    "loan_to_income",
    "age_band",
    "log_open_accounts",
    "employment",
    "region",
    "is_owner",
    "applied_local_hour",
]

# fitted on the training set (make_training_set(20_000, seed=7))
INCOME_MEDIAN = 40_000.0
DEBT_RATIO_MEDIAN = 0.27
MAX_LOAN_TO_INCOME = 10.0
AGE_EDGES = [25, 35, 50, 65]  # bands [..., 25), [25, 35), [35, 50), [50, 65), [65, ...)
AGE_BANDS = ["<25", "25-34", "35-49", "50-64", "65+"]
EMPLOYMENT = ["salaried", "self-employed", "contractor", "unemployed", "retired"]
REGIONS = ["north", "south", "east", "west", "central", "coast", "highlands", "islands"]
LOCAL_TZ = "Europe/London"
_LOCAL = ZoneInfo(LOCAL_TZ)


def add_request_fields(frame: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """Raw applications as the service receives them: an id and a UTC request time."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    out.insert(0, "applicant_id", [f"APP-{i:07d}" for i in range(len(out))])
    start = pd.Timestamp("2024-01-01", tz="UTC")
    seconds = rng.integers(0, 366 * 86_400, len(out))
    out.insert(1, "applied_at", start + pd.to_timedelta(seconds, unit="s"))
    return out


# --------------------------------------------------------------------------- offline


def _category(values: pd.Series, known: Sequence[str]) -> pd.Series:
    """Strip and lower-case; unseen values -> "other", missing -> "unknown"."""
    present = values.notna()
    text = values.astype(object).where(present, "").astype(str).str.strip().str.lower()
    out = text.where(text.isin(known), "other")
    return out.where(present & (text != ""), "unknown").astype(object)


def build_features_batch(raw: pd.DataFrame) -> pd.DataFrame:
    """The offline feature pipeline: raw applications -> model features (one row each).

    >>> import pandas as pd
    >>> raw = pd.DataFrame({"income": [52000.0], "loan_amount": [10000.0]})
    >>> build_features_batch(raw)["loan_to_income"].round(4).tolist()
    [0.1923]
    """

    def numeric(name: str) -> pd.Series:
        if name not in raw:
            return pd.Series(np.nan, index=raw.index, dtype="float64")
        return pd.to_numeric(raw[name], errors="coerce").astype("float64")

    def text(name: str) -> pd.Series:
        return raw[name] if name in raw else pd.Series(None, index=raw.index, dtype=object)

    income = numeric("income")
    income = income.where(income >= 0).fillna(INCOME_MEDIAN)
    debt = numeric("debt_ratio").clip(0.0, 1.0).fillna(DEBT_RATIO_MEDIAN)
    score = numeric("credit_score").clip(300, 850)
    loan = numeric("loan_amount").clip(lower=0).fillna(0.0)
    age = numeric("age")
    accounts = numeric("open_accounts").clip(lower=0).fillna(0.0)
    when = pd.to_datetime(text("applied_at"), utc=True)

    out = pd.DataFrame(index=raw.index)
    out["log_income"] = np.log1p(income)
    out["debt_ratio"] = debt
    out["credit_score_scaled"] = ((score - 300) / 550).fillna(0.5)
    ratio = loan / income.where(income > 0)
    out["loan_to_income"] = ratio.clip(upper=MAX_LOAN_TO_INCOME).fillna(MAX_LOAN_TO_INCOME)
    band = pd.cut(age, [-np.inf, *AGE_EDGES, np.inf], right=False, labels=AGE_BANDS)
    out["age_band"] = band.astype(object).where(age.notna(), "unknown")
    out["log_open_accounts"] = np.log1p(accounts)
    out["employment"] = _category(text("employment"), EMPLOYMENT)
    out["region"] = _category(text("region"), REGIONS)
    out["is_owner"] = (
        _category(text("home_ownership"), ["rent", "mortgage", "own"]) == "own"
    ).astype(int)
    out["applied_local_hour"] = when.dt.tz_convert(LOCAL_TZ).dt.hour.fillna(-1).astype(int)
    return out


def build_features_micro_batch(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The service's batch endpoint: many requests at once, through the offline code."""
    raw = pd.DataFrame.from_records(list(records), columns=RAW_FIELDS)
    return build_features_batch(raw).reset_index(drop=True)


# --------------------------------------------------------------------------- online


def _number(record: Mapping[str, Any], name: str) -> float:
    value = record.get(name)
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _label(value: Any, known: Sequence[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        return "unknown"
    text = value.strip().lower()
    return text if text in known else "other"


def _age_band(age: float) -> str:
    if math.isnan(age):
        return "unknown"
    for edge, band in zip(AGE_EDGES, AGE_BANDS, strict=False):
        if age < edge:
            return band
    return AGE_BANDS[-1]


def _local_hour(value: Any) -> int:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return -1
    if value.tzinfo is None:  # naive request times are UTC by contract
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).astimezone(_LOCAL).hour


def build_features_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """The online feature pipeline: one raw application -> its model features.

    >>> build_features_row({"income": 52000.0, "loan_amount": 10000.0})["loan_to_income"]
    0.19230769230769232
    """
    income = _number(record, "income")
    income = INCOME_MEDIAN if math.isnan(income) or income < 0 else income
    debt = _number(record, "debt_ratio")
    debt = DEBT_RATIO_MEDIAN if math.isnan(debt) else min(max(debt, 0.0), 1.0)
    score = _number(record, "credit_score")
    loan = _number(record, "loan_amount")
    loan = 0.0 if math.isnan(loan) else max(loan, 0.0)
    accounts = _number(record, "open_accounts")
    accounts = 0.0 if math.isnan(accounts) else max(accounts, 0.0)
    ratio = loan / income if income > 0 else math.nan
    return {
        "log_income": math.log1p(income),
        "debt_ratio": debt,
        "credit_score_scaled": 0.5
        if math.isnan(score)
        else (min(max(score, 300.0), 850.0) - 300) / 550,
        "loan_to_income": MAX_LOAN_TO_INCOME
        if math.isnan(ratio)
        else min(ratio, MAX_LOAN_TO_INCOME),
        "age_band": _age_band(_number(record, "age")),
        "log_open_accounts": math.log1p(accounts),
        "employment": _label(record.get("employment"), EMPLOYMENT),
        "region": _label(record.get("region"), REGIONS),
        "is_owner": int(_label(record.get("home_ownership"), ["rent", "mortgage", "own"]) == "own"),
        "applied_local_hour": _local_hour(record.get("applied_at")),
    }


def build_features_row_buggy(record: Mapping[str, Any]) -> dict[str, Any]:
    """A broken online pipeline, to see what a failing parity check reports.

    Two bugs a real service has shipped: a missing income falls back to 0 instead of the
    training median, and the local hour uses a fixed UTC+0 offset (it ignores British
    Summer Time).
    """
    out = build_features_row(record)
    if record.get("income") is None:
        out["log_income"] = 0.0
    when = record.get("applied_at")
    if isinstance(when, dt.datetime):
        out["applied_local_hour"] = when.astimezone(dt.UTC).hour
    return out
