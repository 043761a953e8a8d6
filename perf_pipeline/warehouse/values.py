"""Value parsing from Python: runs the SQL macros of sql/01_macros.sql in memory.

The macros are the one definition of how an Italian cell value is read; this
lets the pandera checks ask the same question before anything is loaded.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd

from .sql import create_quality_checks, read_sql

# An in-memory DuckDB with the macros, per thread (a connection is not shared across
# threads): creating one costs more than parsing a report's values.
_local = threading.local()


def _macros() -> duckdb.DuckDBPyConnection:
    if getattr(_local, "con", None) is None:
        _local.con = duckdb.connect(":memory:")
        create_quality_checks(_local.con)
        _local.con.execute(read_sql("01_macros.sql"))
    return _local.con


def parse_values(values: pd.Series | list[str]) -> pd.DataFrame:
    """One row per value: the raw string and the fields of parse_value()."""
    frame = pd.DataFrame({"raw": pd.Series(values, dtype="object").fillna("").astype(str)})
    con = _macros()
    con.register("raw_values", frame)
    try:
        return con.execute(
            "SELECT raw, v.kind, v.comparator, v.number, v.unit, v.date, v.flag "
            "FROM (SELECT raw, parse_value(raw) AS v FROM raw_values)"
        ).df()
    finally:
        con.unregister("raw_values")
