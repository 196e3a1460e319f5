"""A 20-feature offline/online pipeline pair that agree, and a corpus of realistic bugs.

``offline(df)`` is the batch transform (pandas, vectorised); ``online(record)`` the
serving transform (plain Python, one dict at a time). They agree on every raw record,
including the edge cases (None/NaN, zero, negative and huge values, unseen and oddly
cased categories, DST and UTC-midnight instants).

``BUGS`` lists online (or offline) variants with one realistic seeded bug each, and the
feature(s) a parity check must name. Used by the corpus tests and the benchmark.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pytest_mlaudit.strategies import Field, from_schema

BERLIN = ZoneInfo("Europe/Berlin")
INCOME_MEDIAN = 42_000.0
REGION_CODES = {"north": 1, "south": 2, "east": 3, "west": 4}
AGE_BINS = [-math.inf, 25, 40, 60, math.inf]
AGE_LABELS = ["<=25", "26-40", "41-60", "60+"]

SCHEMA = {
    "income": Field("float", min=0.0, max=250_000.0, decimals=2, typical=INCOME_MEDIAN),
    "age": Field("int", min=18, max=90, typical=41),
    "region": Field("category", categories=("north", "south", "east", "west")),
    "signup_at": Field(
        "datetime",
        start=dt.datetime(2021, 1, 1, tzinfo=BERLIN),
        end=dt.datetime(2024, 12, 31, tzinfo=BERLIN),
        tz="Europe/Berlin",
    ),
    "amounts": Field("sequence", min=0.0, max=5000.0, decimals=2, max_size=20),
    "clicks": Field("int", min=0, max=500, typical=12),
    "impressions": Field("int", min=0, max=10_000, typical=800),
    "score": Field("float", min=0.0, max=1.0, typical=0.5),
    "distance_km": Field("float", min=0.0, max=500.0, decimals=1, typical=12.5),
}

FEATURES = [
    "income_log",
    "income_filled",
    "signup_dow_utc",
    "signup_hour_local",
    "mean_last_7",
    "ctr_per_mille",
    "distance_rounded",
    "region_code",
    "region_clean",
    "score_logit",
    "age_clipped",
    "distance_miles",
    "score_filled",
    "is_north",
    "income_per_age",
    "distance_sqrt",
    "age_bucket",
    "clicks_log1p",
    "impressions_log1p",
    "n_amounts",
]


def records_strategy() -> Any:
    return from_schema(SCHEMA)


def make_raw(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Real-looking raw rows (with some nulls), one per applicant."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "income": np.round(rng.lognormal(10.6, 0.5, n), 2),
            "age": rng.integers(18, 91, n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "signup_at": (
                start + pd.to_timedelta(rng.integers(0, 4 * 365 * 86400, n), unit="s")
            ).tz_convert("Europe/Berlin"),
            "amounts": [
                [float(x) for x in np.round(rng.uniform(0, 5000, rng.integers(0, 15)), 2)]
                for _ in range(n)
            ],
            "clicks": rng.integers(0, 500, n),
            "impressions": rng.integers(0, 10_000, n),
            "score": rng.uniform(0, 1, n),
            "distance_km": np.round(rng.uniform(0, 500, n), 1),
        }
    )
    frame.loc[rng.uniform(size=n) < 0.05, "income"] = np.nan
    frame.loc[rng.uniform(size=n) < 0.05, "region"] = None
    frame.loc[rng.uniform(size=n) < 0.05, "score"] = np.nan
    return frame


# --------------------------------------------------------------------------- offline


def _mean_last_7(amounts: pd.Series) -> pd.Series:
    exploded = pd.to_numeric(amounts.explode(), errors="coerce")
    last = exploded.groupby(level=0).tail(7)
    return last.groupby(level=0).mean().reindex(amounts.index)


def _norm_region(region: pd.Series) -> pd.Series:
    return region.astype("str").str.strip().str.lower().where(region.notna())


def offline(df: pd.DataFrame) -> pd.DataFrame:
    income = df["income"].astype("float64")
    age = df["age"].astype("float64")
    clicks = df["clicks"].astype("float64")
    imp = df["impressions"].astype("float64")
    score = df["score"].astype("float64")
    dist = df["distance_km"].astype("float64")
    region = _norm_region(df["region"])
    signup = df["signup_at"]
    clipped = score.clip(1e-6, 1 - 1e-6)
    out = pd.DataFrame(index=df.index)
    out["income_log"] = np.log1p(income.where(income >= 0))
    out["income_filled"] = income.fillna(INCOME_MEDIAN)
    out["signup_dow_utc"] = signup.dt.tz_convert("UTC").dt.day_of_week
    out["signup_hour_local"] = signup.dt.tz_convert("Europe/Berlin").dt.hour
    out["mean_last_7"] = _mean_last_7(df["amounts"])
    out["ctr_per_mille"] = clicks * 1000 / imp.where(imp > 0)
    out["distance_rounded"] = dist.round()
    out["region_code"] = df["region"].map(REGION_CODES).astype("float64").fillna(-1).astype(int)
    out["region_clean"] = region
    out["score_logit"] = np.log(clipped / (1 - clipped))
    out["age_clipped"] = age.clip(18, 80)
    out["distance_miles"] = dist * 0.621371
    out["score_filled"] = score.fillna(0.5)
    out["is_north"] = (region == "north").astype(int)
    out["income_per_age"] = income / age.where(age > 0)
    out["distance_sqrt"] = np.sqrt(dist.where(dist >= 0))
    out["age_bucket"] = pd.cut(age, AGE_BINS, labels=AGE_LABELS)
    out["clicks_log1p"] = np.log1p(clicks.where(clicks >= 0))
    out["impressions_log1p"] = np.log1p(imp.where(imp >= 0))
    out["n_amounts"] = df["amounts"].map(lambda xs: len(xs) if isinstance(xs, list) else 0)
    return out


# --------------------------------------------------------------------------- online

NAN = math.nan


def _num(v: Any) -> float:
    """A raw numeric field as a float; None and NaN become NaN."""
    return NAN if v is None else float(v)


def _ok(x: float) -> bool:
    return not math.isnan(x)


def _clean(r: Any) -> str | None:
    return r.strip().lower() if isinstance(r, str) else None


def online(record: dict[str, Any]) -> dict[str, Any]:
    income = _num(record.get("income"))
    age = _num(record.get("age"))
    clicks = _num(record.get("clicks"))
    imp = _num(record.get("impressions"))
    score = _num(record.get("score"))
    dist = _num(record.get("distance_km"))
    region = _clean(record.get("region"))
    ts = record.get("signup_at")
    amounts = record.get("amounts")
    sc = min(max(score, 1e-6), 1 - 1e-6) if _ok(score) else NAN
    last = [x for x in (amounts or [])[-7:] if x == x]
    return {
        "income_log": math.log1p(income) if _ok(income) and income >= 0 else NAN,
        "income_filled": income if _ok(income) else INCOME_MEDIAN,
        "signup_dow_utc": ts.astimezone(dt.UTC).weekday() if ts is not None else NAN,
        # via UTC: astimezone() to the zone a datetime already has returns it unchanged,
        # even when its wall time does not exist (the spring-forward gap)
        "signup_hour_local": ts.astimezone(dt.UTC).astimezone(BERLIN).hour
        if ts is not None
        else NAN,
        "mean_last_7": sum(last) / len(last) if last else NAN,
        "ctr_per_mille": clicks * 1000 / imp if _ok(imp) and imp > 0 else NAN,
        "distance_rounded": float(round(dist)) if _ok(dist) else NAN,
        "region_code": REGION_CODES.get(record.get("region"), -1),  # type: ignore[arg-type]
        "region_clean": region,
        "score_logit": math.log(sc / (1 - sc)) if _ok(sc) else NAN,
        "age_clipped": min(max(age, 18), 80) if _ok(age) else NAN,
        "distance_miles": dist * 0.621371,
        "score_filled": score if _ok(score) else 0.5,
        "is_north": int(region == "north"),
        "income_per_age": income / age if _ok(age) and age > 0 else NAN,
        "distance_sqrt": math.sqrt(dist) if _ok(dist) and dist >= 0 else NAN,
        "age_bucket": _age_bucket(age),
        "clicks_log1p": math.log1p(clicks) if _ok(clicks) and clicks >= 0 else NAN,
        "impressions_log1p": math.log1p(imp) if _ok(imp) and imp >= 0 else NAN,
        "n_amounts": len(amounts) if isinstance(amounts, list) else 0,
    }


def _age_bucket(age: float) -> str | None:
    if not _ok(age):
        return None
    for upper, label in zip(AGE_BINS[1:], AGE_LABELS, strict=True):
        if age <= upper:
            return label
    return None  # pragma: no cover


def online_batch(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A micro-batch online pipeline (correct): the same code per record."""
    return [online(r) for r in records]


def online_vector(record: dict[str, Any]) -> list[Any]:
    """Returns the model's input vector in the offline column order (correct)."""
    out = online(record)
    return [out[f] for f in FEATURES]


# --------------------------------------------------------------------------- the bugs


def _patched(**overrides: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    def buggy(record: dict[str, Any]) -> dict[str, Any]:
        out = online(record)
        for name, fn in overrides.items():
            out[name] = fn(record)
        return out

    return buggy


def _log_instead_of_log1p(r: dict[str, Any]) -> float:
    x = _num(r.get("income"))
    return math.log(x) if _ok(x) and x > 0 else NAN


def _swapped(record: dict[str, Any]) -> list[Any]:
    out = online(record)
    names = list(FEATURES)
    i, j = names.index("ctr_per_mille"), names.index("income_per_age")
    names[i], names[j] = names[j], names[i]
    return [out[f] for f in names]


def _batch_median_fill(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fills missing income with the *micro-batch's* mean instead of the training median."""
    outs = [online(r) for r in records]
    incomes = [_num(r.get("income")) for r in records]
    present = [x for x in incomes if _ok(x)]
    fill = sum(present) / len(present) if present else 0.0
    for out, x in zip(outs, incomes, strict=True):
        if not _ok(x):
            out["income_filled"] = fill
    return outs


def _unguarded_division(r: dict[str, Any]) -> float:
    return _num(r.get("income")) / _num(r.get("age"))  # ZeroDivisionError at age 0


@dataclasses.dataclass(frozen=True)
class Bug:
    name: str
    description: str
    expect: tuple[str, ...]  #: features the check must name
    online: Callable[..., Any] = online
    offline: Callable[[pd.DataFrame], pd.DataFrame] = offline
    online_mode: str = "record"
    expect_problem: str | None = None  #: a whole-record counterexample kind, if any
    real_rows_only: bool = False  #: the bug hides from generic generation (pipeline constants)
    may_also: tuple[str, ...] = ()  #: features that may differ too (e.g. negative ages)


def _dropna_offline(df: pd.DataFrame) -> pd.DataFrame:
    return offline(df.dropna(subset=["region"]))


def _sorted_offline(df: pd.DataFrame) -> pd.DataFrame:
    return offline(df).sort_values("income_filled", kind="stable")


BUGS: list[Bug] = [
    Bug(
        "log_vs_log1p",
        "math.log instead of log1p",
        ("income_log",),
        _patched(income_log=_log_instead_of_log1p),
    ),
    Bug(
        "missing_default",
        "missing income defaults to 0, training used the median",
        ("income_filled",),
        _patched(income_filled=lambda r: r.get("income") or 0.0),
    ),
    Bug(
        "naive_day_boundary",
        "weekday of the local (naive) time, training used UTC",
        ("signup_dow_utc",),
        _patched(signup_dow_utc=lambda r: r["signup_at"].weekday() if r.get("signup_at") else NAN),
    ),
    Bug(
        "fixed_utc_offset",
        "local hour with a fixed UTC+1 offset, ignoring DST",
        ("signup_hour_local",),
        _patched(
            signup_hour_local=lambda r: (
                (r["signup_at"].astimezone(dt.UTC) + dt.timedelta(hours=1)).hour
                if r.get("signup_at")
                else NAN
            )
        ),
    ),
    Bug(
        "off_by_one_window",
        "mean of the last 6 amounts, training used 7",
        ("mean_last_7",),
        _patched(
            mean_last_7=lambda r: (lambda xs: sum(xs) / len(xs) if xs else NAN)(
                [x for x in (r.get("amounts") or [])[-6:] if x == x]
            )
        ),
    ),
    Bug(
        "integer_division",
        "clicks * 1000 // impressions",
        ("ctr_per_mille",),
        _patched(
            ctr_per_mille=lambda r: (
                _num(r.get("clicks")) * 1000 // _num(r.get("impressions"))
                if _ok(_num(r.get("impressions"))) and _num(r.get("impressions")) > 0
                else NAN
            )
        ),
    ),
    Bug(
        "round_half_up",
        "floor(x + 0.5), training rounds half to even",
        ("distance_rounded",),
        _patched(
            distance_rounded=lambda r: (
                float(math.floor(_num(r.get("distance_km")) + 0.5))
                if _ok(_num(r.get("distance_km")))
                else NAN
            )
        ),
    ),
    Bug(
        "unseen_category",
        "unseen regions map to 0, training mapped them to -1",
        ("region_code",),
        _patched(region_code=lambda r: REGION_CODES.get(r.get("region"), 0)),
    ),
    Bug(
        "float32_storage",
        "the feature store keeps float32",
        ("score_logit",),
        _patched(score_logit=lambda r: np.float32(online(r)["score_logit"])),
    ),
    Bug(
        "no_strip",
        "lower-cases but does not strip whitespace",
        ("region_clean",),
        _patched(
            region_clean=lambda r: r["region"].lower() if isinstance(r.get("region"), str) else None
        ),
    ),
    Bug(
        "clip_bounds",
        "clips age at 90, training clipped at 80",
        ("age_clipped",),
        _patched(
            age_clipped=lambda r: (
                min(max(_num(r.get("age")), 18), 90) if _ok(_num(r.get("age"))) else NAN
            )
        ),
    ),
    Bug(
        "unit_conversion",
        "km to miles with an approximate factor",
        ("distance_miles",),
        _patched(distance_miles=lambda r: _num(r.get("distance_km")) / 1.6),
    ),
    Bug(
        "swapped_order",
        "the feature vector has two features swapped",
        ("ctr_per_mille", "income_per_age"),
        _swapped,
    ),
    Bug(
        "nan_is_not_none",
        "checks `is None` but the payload carries NaN",
        ("score_filled",),
        _patched(score_filled=lambda r: 0.5 if r.get("score") is None else r["score"]),
    ),
    Bug(
        "case_sensitive",
        "compares the raw region without normalising case",
        ("is_north",),
        _patched(is_north=lambda r: int(r.get("region") == "north")),
    ),
    Bug(
        "abs_before_sqrt",
        "sqrt(|x|) where training gave NaN for negatives",
        ("distance_sqrt",),
        _patched(
            distance_sqrt=lambda r: (
                math.sqrt(abs(_num(r.get("distance_km"))))
                if _ok(_num(r.get("distance_km")))
                else NAN
            )
        ),
    ),
    Bug(
        "bucket_edges",
        "age buckets closed on the left, training closed them on the right",
        ("age_bucket",),
        _patched(
            age_bucket=lambda r: (
                None
                if r.get("age") is None
                else AGE_LABELS[sum(r["age"] >= b for b in AGE_BINS[1:-1])]
            )
        ),
        real_rows_only=True,
    ),
    Bug(
        "batch_statistics",
        "micro-batch fills missing income with the batch mean",
        ("income_filled",),
        online=_batch_median_fill,
        online_mode="records",
    ),
    Bug(
        "unguarded_division",
        "income / age raises ZeroDivisionError at age 0",
        (),
        _patched(income_per_age=_unguarded_division),
        expect_problem="online_raised",
        may_also=("income_per_age",),
    ),
    Bug(
        "offline_dropna",
        "the offline pipeline drops rows without a region",
        (),
        offline=_dropna_offline,
        expect_problem="offline_dropped",
    ),
    Bug(
        "offline_sorted",
        "the offline pipeline returns rows sorted by income",
        (),
        offline=_sorted_offline,
        expect_problem="moved",
        real_rows_only=True,
    ),
]


def online_micro_batch(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A vectorised micro-batch online pipeline (correct): the records become a DataFrame
    with the raw types restored, then go through the same pandas code."""
    raw = pd.DataFrame.from_records(records, columns=list(SCHEMA))
    raw["signup_at"] = pd.to_datetime(raw["signup_at"], utc=True).dt.tz_convert("Europe/Berlin")
    return offline(raw)
