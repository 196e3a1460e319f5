"""The feature definitions of the example credit-risk model (a Feast repository).

The model's nine input features are defined here once and read from here twice: the
training job reads them from the offline store, point in time, with
``get_historical_features`` (``../store.py``, ``training_frame``); the scoring service
reads the latest values from the online store with ``get_online_features``.
``tests/test_feature_store.py`` checks that both paths give the same values
(``mlaudit.store_parity``).

* ``application``: what the applicant filled in, one row per application, stamped with
  the time it was made (``applied_at``).
* ``credit_bureau``: the bureau's reports on the applicant (debt ratio, credit score, open
  accounts), stamped with the time they were reported. A report can arrive after the
  application; training must read the one that was known when the application was made.
* ``loan_ratios``: an on-demand view, loan amount over income, computed from
  ``application`` at request time online and from the offline rows in training.
* ``credit_risk_model``: the feature service of the model (its nine features).

The sources are Parquet files that ``../store.py`` writes from the seeded data of
``../data.py`` into ``../out/feature_repo`` (git ignores it); paths are relative to this
folder, so a copy of the repository elsewhere reads its own copy of them.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float64, Int64, String

#: Where the sources are written, relative to this folder (the repository's root).
SOURCES = "../out/feature_repo"

applicant = Entity(
    name="applicant",
    join_keys=["applicant_id"],
    value_type=ValueType.STRING,
    description="A loan applicant ('APP-0000042').",
)

applications = FileSource(
    name="applications",
    path=f"{SOURCES}/applications.parquet",
    timestamp_field="applied_at",
    description="The application forms, one row per application.",
)

bureau_reports = FileSource(
    name="bureau_reports",
    path=f"{SOURCES}/bureau_reports.parquet",
    timestamp_field="reported_at",
    description="The credit bureau's reports: one before each application, some refreshed after.",
)

application = FeatureView(
    name="application",
    entities=[applicant],
    ttl=timedelta(days=730),
    schema=[
        Field(name="age", dtype=Int64),
        Field(name="income", dtype=Float64),
        Field(name="loan_amount", dtype=Float64),
        Field(name="employment", dtype=String),
        Field(name="region", dtype=String),
        Field(name="home_ownership", dtype=String),
    ],
    source=applications,
    online=True,
)

credit_bureau = FeatureView(
    name="credit_bureau",
    entities=[applicant],
    ttl=timedelta(days=730),
    schema=[
        Field(name="debt_ratio", dtype=Float64),
        Field(name="credit_score", dtype=Float64),
        Field(name="open_accounts", dtype=Int64),
    ],
    source=bureau_reports,
    online=True,
)


@on_demand_feature_view(
    sources=[application],
    schema=[Field(name="loan_to_income", dtype=Float64)],
    mode="pandas",
)
def loan_ratios(inputs: pd.DataFrame) -> pd.DataFrame:
    """The loan amount over the applicant's income."""
    out = pd.DataFrame()
    out["loan_to_income"] = inputs["loan_amount"] / inputs["income"]
    return out


credit_risk_model = FeatureService(
    name="credit_risk_model",
    features=[application, credit_bureau],
    description="The nine input features of the credit-risk model.",
)
