"""Turning what users pass (DataFrames, arrays, Series, lists) into named columns."""
