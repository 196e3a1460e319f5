"""Feature-store parity (failure mode 1, with a feature store): does the online store serve
what training reads from the offline store?

Files: ``report.py`` the result types (no Feast), ``check.py`` :func:`check_store_parity`,
``_validate.py``, ``_feast.py`` (every call into Feast, imported lazily) and ``causes.py``
(the likely cause of one mismatch).
"""

from __future__ import annotations

from pytest_mlaudit.checks.store_parity.check import check_store_parity
from pytest_mlaudit.checks.store_parity.report import (
    CAUSES,
    FeatureStoreParity,
    StoreMismatch,
    StoreParityReport,
)

__all__ = [
    "CAUSES",
    "FeatureStoreParity",
    "StoreMismatch",
    "StoreParityReport",
    "check_store_parity",
]
