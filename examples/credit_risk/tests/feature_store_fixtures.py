"""The ``stale_feature_store`` fixture: the example's feature store with an online store
that a materialization job left behind (the good store is ``feature_store``, in
``../conftest.py``, since the training data is read from it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from store import FEAST_NEEDED, build_store

#: The last materialization of the stale store ran up to here; the sources go on to
#: ``store.AS_OF`` (December's applications, the reports refreshed since).
STALE_UNTIL = datetime(2024, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def stale_feature_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The same repository and sources, materialized only up to :data:`STALE_UNTIL`."""
    pytest.importorskip("feast", reason=FEAST_NEEDED)
    root = tmp_path_factory.mktemp("stale_feature_store")
    return build_store(root, materialize_until=STALE_UNTIL)
