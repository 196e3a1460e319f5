"""Generated pairs of frames with odd dtypes and odd column names, for property tests of
the checks that take DataFrames (``check_skew``, ``check_parity``)."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

__all__ = ["odd_frames"]

NAMES = st.one_of(
    st.integers(-2, 2),
    st.text(alphabet="01ab_'( ", max_size=3),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=False, width=16),
    st.tuples(st.integers(0, 1), st.text(alphabet="ab", max_size=1)),
)
SCALARS = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.text(alphabet="ab1. ", max_size=3),
    st.booleans(),
    st.decimals(places=2, allow_nan=False, allow_infinity=False, min_value=-9, max_value=9),
)
DTYPES = st.sampled_from(["float", "int", "object", "bool", "str", "category", "datetime"])


@st.composite
def odd_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = draw(st.lists(NAMES, min_size=1, max_size=4))
    cols = []
    for i, _name in enumerate(names):
        dtype = draw(DTYPES)
        elements: st.SearchStrategy[object] | None = {
            "float": st.floats(allow_nan=True, allow_infinity=True, width=32),
            "int": st.integers(-(2**40), 2**40),
            "object": SCALARS,
            "bool": st.booleans(),
            "str": st.text(alphabet="abc", max_size=2),
            "category": st.sampled_from(["a", "b", "c"]),
            "datetime": None,
        }[dtype]
        pandas_dtype = {"str": object, "category": object, "datetime": "datetime64[ns]"}.get(
            dtype, dtype
        )
        cols.append(hpd.column(name=f"c{i}", dtype=pandas_dtype, elements=elements))
    index = hpd.range_indexes(min_size=draw(st.sampled_from([0, 2, 2, 2])), max_size=10)
    train = draw(hpd.data_frames(cols, index=index))
    serve = draw(hpd.data_frames(cols, index=index))
    # the odd names go on afterwards: hypothesis names a column None by its position, and
    # tuples may make a MultiIndex (both are inputs a user can have)
    labels = pd.Index(names, dtype=object, tupleize_cols=draw(st.booleans()))
    train.columns = labels
    serve.columns = labels
    return train, serve
