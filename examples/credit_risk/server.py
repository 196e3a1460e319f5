"""The example model server: FastAPI serving the credit-risk model.

Endpoints
---------
``POST /predict``
    One applicant (a JSON object) -> ``{"probability": p, "default": bool, ...}``;
    a JSON list of applicants (a batch, at most ``MAX_BATCH``) ->
    ``{"predictions": [...], ...}``.
``GET /health``
    ``{"status": "ok", "model_version": ...}`` once the model is loaded.

The model is trained at startup on the seeded synthetic data of ``data.py`` (so the
server needs no artefact). Scoring one row through the scikit-learn pipeline costs
several milliseconds of pandas/validation overhead, so the server scores with a
*compiled* copy of the fitted pipeline (the scaler's means and scales, the one-hot
categories and the logistic coefficients, in plain Python) and refuses to start unless
that copy agrees with ``pipeline.predict_proba`` to 1e-9 on 500 rows. Set
``CREDIT_RISK_SCORER=pipeline`` to serve through the pipeline itself (in the thread pool,
so that it does not block the event loop). The compiled scorer runs on the event loop:
it takes microseconds, less than a hand-off to a thread, and avoids the GIL convoy that
thread-pool endpoints suffer under load (each hand-off can wait out the interpreter's
5 ms switch interval).

Run it::

    python -m uvicorn server:app --app-dir examples/credit_risk --host 127.0.0.1 --port 8000

Environment: ``CREDIT_RISK_TRAIN_ROWS`` (default 5000), ``CREDIT_RISK_SEED`` (7),
``CREDIT_RISK_THRESHOLD`` (0.5), ``CREDIT_RISK_SCORER`` (``compiled``/``pipeline``),
``CREDIT_RISK_LEAK_KB`` (0): a seeded leak for the soak test's failing example: each
prediction keeps that many KiB (a random-sized block, seeded by ``CREDIT_RISK_SEED``,
averaging ``CREDIT_RISK_LEAK_KB``) in a cache that is never emptied, as a per-request
cache without a bound would.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from data import (  # noqa: E402
    CATEGORICAL,
    FEATURES,
    NUMERIC,
    make_production_slice,
    make_training_set,
    train_model,
)

MAX_BATCH = 1000


class Applicant(BaseModel):
    """One loan applicant: the model's features."""

    model_config = ConfigDict(extra="forbid")

    age: int = Field(ge=18, le=120)
    income: float = Field(gt=0)
    debt_ratio: float = Field(ge=0, le=10)
    credit_score: float = Field(ge=300, le=850)
    open_accounts: int = Field(ge=0)
    loan_amount: float = Field(ge=0)
    employment: str
    region: str
    home_ownership: str


class Prediction(BaseModel):
    probability: float  #: predicted probability of default
    default: bool  #: probability >= the decision threshold
    model_version: str


class BatchPrediction(BaseModel):
    predictions: list[Prediction]
    model_version: str


class CompiledScorer:
    """The fitted pipeline (scaler -> one-hot -> logistic regression) in plain Python."""

    def __init__(self, pipeline: Any) -> None:
        pre = pipeline[0]
        clf = pipeline[-1]
        scaler = pre.named_transformers_["num"]
        onehot = pre.named_transformers_["cat"]
        coef = [float(c) for c in clf.coef_[0]]
        self.intercept = float(clf.intercept_[0])
        n_num = len(NUMERIC)
        self.numeric = [
            (name, float(mean), float(scale), coef[i])
            for i, (name, mean, scale) in enumerate(
                zip(NUMERIC, scaler.mean_, scaler.scale_, strict=True)
            )
        ]
        self.categorical: list[tuple[str, dict[str, float]]] = []
        k = n_num
        for name, cats in zip(CATEGORICAL, onehot.categories_, strict=True):
            weights = {}
            for cat in cats:
                weights[str(cat)] = coef[k]
                k += 1
            self.categorical.append((name, weights))  # unseen categories add 0 (ignore)

    def __call__(self, row: dict[str, Any]) -> float:
        z = self.intercept
        for name, mean, scale, w in self.numeric:
            z += w * (float(row[name]) - mean) / scale
        for name, weights in self.categorical:
            z += weights.get(str(row[name]), 0.0)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


class Model:
    """The served model: training, a version string and scoring of rows."""

    def __init__(self) -> None:
        rows = int(os.environ.get("CREDIT_RISK_TRAIN_ROWS", "5000"))
        seed = int(os.environ.get("CREDIT_RISK_SEED", "7"))
        self.threshold = float(os.environ.get("CREDIT_RISK_THRESHOLD", "0.5"))
        self.pipeline = train_model(make_training_set(rows, seed=seed), seed=0)
        self.version = f"logreg-{rows}rows-seed{seed}"
        self.compiled = CompiledScorer(self.pipeline)
        self._check_compiled(seed)
        self.use_pipeline = os.environ.get("CREDIT_RISK_SCORER", "compiled") == "pipeline"

    def _check_compiled(self, seed: int) -> None:
        sample = make_production_slice(500, seed=seed + 1000)
        expected = self.pipeline.predict_proba(sample[FEATURES])[:, 1]
        got = [self.compiled(r) for r in sample[FEATURES].to_dict("records")]
        worst = max(abs(a - b) for a, b in zip(expected, got, strict=True))
        if worst > 1e-9:
            raise RuntimeError(f"the compiled scorer disagrees with the pipeline by {worst:g}")

    def score(self, rows: Sequence[dict[str, Any]]) -> list[float]:
        if self.use_pipeline:
            import pandas as pd

            frame = pd.DataFrame(list(rows), columns=FEATURES)
            return [float(p) for p in self.pipeline.predict_proba(frame)[:, 1]]
        return [self.compiled(r) for r in rows]


_model: Model | None = None


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    global _model
    _model = Model()
    yield


app = FastAPI(title="credit-risk model", lifespan=_lifespan)

#: the seeded leak (CREDIT_RISK_LEAK_KB; 0: none): blocks kept for good, one per prediction
_LEAK_KB = int(os.environ.get("CREDIT_RISK_LEAK_KB", "0"))
_leak_rng = random.Random(int(os.environ.get("CREDIT_RISK_SEED", "7")))
_leaked: list[bytearray] = []


def _leak() -> None:
    if _LEAK_KB > 0:
        block = bytearray(int(_leak_rng.uniform(0.5, 1.5) * _LEAK_KB * 1024))
        block[::4096] = b"x" * len(block[::4096])  # resident, not just reserved
        _leaked.append(block)


def _served() -> Model:
    if _model is None:  # pragma: no cover - the lifespan loads it before serving
        raise HTTPException(status_code=503, detail="model not loaded")
    return _model


@app.get("/health")
async def health() -> dict[str, str]:
    model = _served()
    return {"status": "ok", "model_version": model.version}


@app.post("/predict", response_model=Prediction | BatchPrediction)
async def predict(body: Applicant | list[Applicant]) -> Prediction | BatchPrediction:
    model = _served()
    rows = [a.model_dump() for a in body] if isinstance(body, list) else [body.model_dump()]
    if isinstance(body, list) and not 1 <= len(body) <= MAX_BATCH:
        raise HTTPException(
            status_code=422, detail=f"a batch holds 1 to {MAX_BATCH} applicants; got {len(body)}"
        )
    if model.use_pipeline:  # milliseconds of pandas work per call: keep it off the event loop
        probs = await run_in_threadpool(model.score, rows)
    else:  # microseconds: a thread hand-off would cost more than the scoring
        probs = model.score(rows)
    _leak()
    preds = [
        Prediction(probability=p, default=p >= model.threshold, model_version=model.version)
        for p in probs
    ]
    if isinstance(body, list):
        return BatchPrediction(predictions=preds, model_version=model.version)
    return preds[0]
