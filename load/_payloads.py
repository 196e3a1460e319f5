"""Request bodies for the example's locust scenarios (a helper, not a locustfile).

Locust skips files whose names start with ``_`` when given a directory, so this module
only runs when a scenario imports it.

* Rows come from the file named by ``MLAUDIT_PAYLOADS`` (JSON lines, written by
  ``run_load(..., payloads=...)`` from a DataFrame of real production rows), or, without
  it, from the example's seeded synthetic production slice.
* Each simulated user draws rows with its own ``random.Random`` seeded from
  ``MLAUDIT_SEED``, the worker index (``MLAUDIT_WORKER``) and the user's number, so a
  user's sequence of payloads is the same from run to run.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "credit_risk"
_counter = itertools.count()


@lru_cache(maxsize=1)
def payloads() -> list[dict[str, Any]]:
    """All candidate request bodies (one applicant each), loaded once per process."""
    path = os.environ.get("MLAUDIT_PAYLOADS")
    if path:
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    else:
        if str(_EXAMPLE) not in sys.path:
            sys.path.insert(0, str(_EXAMPLE))
        from data import FEATURES, make_production_slice

        seed = int(os.environ.get("MLAUDIT_SEED", "0"))
        frame = make_production_slice(2_000, seed=1_000 + seed)
        rows = json.loads(frame[FEATURES].to_json(orient="records"))
    if not rows:
        raise RuntimeError(f"no payloads in {path!r}")
    return rows


def user_rng() -> random.Random:
    """A new user's random generator (deterministic per seed, worker and user number)."""
    seed = os.environ.get("MLAUDIT_SEED", "0")
    worker = os.environ.get("MLAUDIT_WORKER", "0")
    return random.Random(f"{seed}/{worker}/{next(_counter)}")
