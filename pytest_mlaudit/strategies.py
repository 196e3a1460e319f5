"""Hypothesis strategies of raw records for parity checks.

>>> import pandas as pd
>>> from pytest_mlaudit.strategies import rows_like
>>> records = rows_like(pd.DataFrame({"age": [30, 41], "region": ["north", "south"]}))

* :func:`rows_like` infers a schema from a sample DataFrame (types, ranges, decimals,
  null rates, categories, string formats, datetimes with their time zone, and
  timestamps, dates or numbers held as strings) and draws realistic records plus the
  edge cases that cause training/serving skew.
* :func:`from_schema` does the same from a schema you write (:class:`Field` per field,
  a kind name, a list of categories, or any strategy).
* :func:`schema_of` returns the inferred schema, to inspect or edit;
  ``schema_of(sample)["applied_at"].describe()`` says what was inferred for a field.

Pass the strategy as ``inputs=`` to :func:`pytest_mlaudit.check_parity` (alone or with
real rows): ``inputs=[raw_sample, rows_like(raw_sample)]``.
"""

from __future__ import annotations

from pytest_mlaudit.checks.parity.fields import (
    DST_ZONES,
    UNSEEN,
    Field,
    FieldKind,
    NullPolicy,
    Schema,
)
from pytest_mlaudit.checks.parity.infer import infer_pattern, schema_of
from pytest_mlaudit.checks.parity.strategies import field_strategy, from_schema, rows_like

__all__ = [
    "DST_ZONES",
    "UNSEEN",
    "Field",
    "FieldKind",
    "NullPolicy",
    "Schema",
    "field_strategy",
    "from_schema",
    "infer_pattern",
    "rows_like",
    "schema_of",
]
