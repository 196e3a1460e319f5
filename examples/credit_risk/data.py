"""Seeded synthetic credit data for the example model repo.

``make_applicants(n, seed=...)`` draws loan applicants; ``make_training_set`` adds the
``default`` label from a known logistic model; ``make_production_slice(..., drifted=True)``
draws the same population with real drift in a few features (lower incomes, higher debt
ratios, a new region the model never saw, more contractors), as a recession and a new
sales channel would cause.

``make_underwriting_reviews`` is the labelled data set of the label audit: applicants
with the ``decision`` underwriters gave them (approve / refer / decline) by the lending
policy, with a reviewer's judgement near the policy's lines. Unlike ``default`` (an
*outcome*, random given the features) a decision is an *annotation* of the features, the
kind of label confident learning audits: a wrong decision is a labelling error.

Everything is deterministic in its ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORICAL",
    "DECISION",
    "DECISIONS",
    "FEATURES",
    "NUMERIC",
    "TARGET",
    "make_applicants",
    "make_production_slice",
    "make_training_set",
    "make_underwriting_reviews",
    "review_model",
    "train_model",
]

NUMERIC = ["age", "income", "debt_ratio", "credit_score", "open_accounts", "loan_amount"]
CATEGORICAL = ["employment", "region", "home_ownership"]
FEATURES = NUMERIC + CATEGORICAL
TARGET = "default"
#: The label of the underwriting reviews (the label audit's data set) and its classes.
DECISION = "decision"
DECISIONS = ("approve", "refer", "decline")

_EMPLOYMENT = ["salaried", "self-employed", "contractor", "unemployed", "retired"]
_EMPLOYMENT_P = [0.62, 0.14, 0.12, 0.05, 0.07]
_REGIONS = ["north", "south", "east", "west", "central", "coast", "highlands", "islands"]
_REGIONS_P = [0.18, 0.17, 0.15, 0.15, 0.14, 0.10, 0.07, 0.04]
_HOME = ["rent", "mortgage", "own"]
_HOME_P = [0.45, 0.40, 0.15]


def make_applicants(n: int, *, seed: int, drifted: bool = False) -> pd.DataFrame:
    """Draw ``n`` applicants; ``drifted=True`` moves income, debt, region and employment."""
    rng = np.random.default_rng(seed)
    employment_p = np.array(_EMPLOYMENT_P)
    regions = list(_REGIONS)
    regions_p = np.array(_REGIONS_P)
    income_shift = 0.0
    debt_shift = 0.0
    if drifted:
        # a downturn: incomes fall ~18%, debt ratios rise, contractors replace salaried staff,
        # and a new online channel brings applicants from a region never seen in training.
        income_shift = -0.2
        debt_shift = 0.08
        employment_p = np.array([0.50, 0.14, 0.24, 0.05, 0.07])
        regions = [*regions, "online"]
        regions_p = np.append(regions_p * 0.85, 0.15)
    age = rng.integers(21, 76, size=n)
    income = np.round(rng.lognormal(mean=10.6 + income_shift, sigma=0.45, size=n), 2)
    debt_ratio = np.clip(rng.beta(2.0, 5.0, size=n) + debt_shift, 0.0, 1.5)
    credit_score = np.clip(np.round(rng.normal(680, 60, size=n)), 300, 850)
    open_accounts = rng.poisson(4.0, size=n)
    loan_amount = np.round(income * rng.uniform(0.1, 0.8, size=n), -2)
    frame = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "debt_ratio": debt_ratio,
            "credit_score": credit_score,
            "open_accounts": open_accounts,
            "loan_amount": loan_amount,
            "employment": rng.choice(_EMPLOYMENT, size=n, p=employment_p / employment_p.sum()),
            "region": rng.choice(regions, size=n, p=regions_p / regions_p.sum()),
            "home_ownership": rng.choice(_HOME, size=n, p=_HOME_P),
        }
    )
    return frame


def _default_probability(frame: pd.DataFrame) -> np.ndarray:
    z = (
        -1.2
        + 3.0 * (frame["debt_ratio"].to_numpy() - 0.3)
        - 0.012 * (frame["credit_score"].to_numpy() - 680)
        - 0.8 * (np.log(frame["income"].to_numpy()) - 10.6)
        + 0.15 * (frame["open_accounts"].to_numpy() - 4)
        + 0.6 * (frame["employment"] == "unemployed").to_numpy()
        + 0.3 * (frame["employment"] == "contractor").to_numpy()
        - 0.2 * (frame["home_ownership"] == "own").to_numpy()
    )
    return 1.0 / (1.0 + np.exp(-z))


def make_training_set(n: int = 20_000, *, seed: int = 7) -> pd.DataFrame:
    """Applicants with the ``default`` label (0/1) drawn from a known logistic model."""
    frame = make_applicants(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    frame[TARGET] = (rng.uniform(size=n) < _default_probability(frame)).astype(int)
    return frame


def make_production_slice(n: int = 5_000, *, seed: int = 11, drifted: bool = False) -> pd.DataFrame:
    """A day of production traffic (no labels); ``drifted=True`` has real drift."""
    return make_applicants(n, seed=seed, drifted=drifted)


def train_model(frame: pd.DataFrame, *, seed: int = 0):  # type: ignore[no-untyped-def]
    """Fit the example model: one-hot categoricals + scaled numerics -> logistic regression."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    model = make_pipeline(pre, LogisticRegression(max_iter=1000, random_state=seed))
    model.fit(frame[FEATURES], frame[TARGET])
    return model


def _policy_score(frame: pd.DataFrame) -> np.ndarray:
    """The lending policy's score: credit history, debt, income, employment."""
    return (
        (frame["credit_score"].to_numpy() - 680) / 60
        - 4.0 * (frame["debt_ratio"].to_numpy() - 0.3)
        + (frame["income"].to_numpy() - 45_000) / 25_000
        - 1.0 * (frame["employment"] == "unemployed").to_numpy()
    )


def make_underwriting_reviews(n: int = 5_000, *, seed: int = 21) -> pd.DataFrame:
    """Applicants with the underwriters' ``decision``: decline below -0.8 on the policy
    score, approve above 0.6, refer between; a reviewer's judgement moves a case by about
    0.2 (a normal draw) near those lines. Seeded."""
    frame = make_applicants(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    score = _policy_score(frame) + rng.normal(0.0, 0.2, size=n)
    frame[DECISION] = np.where(score < -0.8, "decline", np.where(score < 0.6, "refer", "approve"))
    return frame


def review_model(*, seed: int = 0):  # type: ignore[no-untyped-def]
    """The (unfitted) classifier of the label audit: the example pipeline, for 3 classes."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return make_pipeline(pre, LogisticRegression(max_iter=2000, C=10.0, random_state=seed))
