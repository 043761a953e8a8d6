"""The DuckDB warehouse: apply the SQL in sql/, load a report, score it, summarise.

All SQL lives in sql/; this module only runs it, in transactions, so a report is
replaced atomically and a failure leaves every other report as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from .sqlfiles import read_sql, sql_dir

if TYPE_CHECKING:
    from .extract import Extraction


SCHEMA_FILES = ["00_schema.sql", "01_macros.sql", "02_views.sql"]
SUMMARY_TABLES = ["summary_by_report", "summary_by_area", "summary_by_objective",
                  "summary_by_status"]


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables, macros and views (idempotent) and reload the seed tables."""
    for name in SCHEMA_FILES:
        con.execute(read_sql(name))
    con.execute(
        "CREATE OR REPLACE TABLE direction_overrides AS "
        "SELECT * FROM read_csv($path, header = true, all_varchar = true)",
        {"path": str(sql_dir() / "seeds" / "direction_overrides.csv")},
    )


@contextmanager
def connect(database: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; a writer also makes sure the schema is in place."""
    database = str(database)
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(database, read_only=read_only)
    try:
        if not read_only:
            apply_schema(con)
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _delete_report(con: duckdb.DuckDBPyConnection, report: str) -> None:
    for table in ("kpi_scores", "kpi_rows", "reports"):
        con.execute(f"DELETE FROM {table} WHERE report = $report", {"report": report})


def load_report(con: duckdb.DuckDBPyConnection, extraction: Extraction, rows: pd.DataFrame) -> int:
    """Replace one report's metadata and KPI rows in a single transaction."""
    identity = extraction.identity
    con.register("incoming_rows", rows)
    try:
        with transaction(con):
            _delete_report(con, extraction.report)
            con.execute(
                "INSERT INTO reports BY NAME SELECT * FROM (VALUES ($report, $entity, $year, $title, "
                "$entity_source, $year_source, $pages, $kpi_tables, $sha256, $loaded_at)) "
                "AS t(report, entity, year, title, entity_source, year_source, pages, kpi_tables, "
                "sha256, loaded_at)",
                {
                    "report": extraction.report,
                    "entity": identity.entity,
                    "year": identity.year,
                    "title": identity.title,
                    "entity_source": identity.entity_source,
                    "year_source": identity.year_source,
                    "pages": extraction.pages,
                    "kpi_tables": extraction.kpi_tables,
                    "sha256": file_sha256(extraction.path),
                    "loaded_at": datetime.now(UTC).replace(tzinfo=None),
                },
            )
            con.execute("INSERT INTO kpi_rows BY NAME SELECT * FROM incoming_rows")
    finally:
        con.unregister("incoming_rows")
    return len(rows)


def score_report(con: duckdb.DuckDBPyConnection, report: str) -> pd.DataFrame:
    """Recompute one report's scores (replacing earlier ones) and return its KPIs."""
    with transaction(con):
        con.execute("DELETE FROM kpi_scores WHERE report = $report", {"report": report})
        con.execute(read_sql("03_score_kpis.sql"), {"report": report})
    return report_kpis(con, report)


def report_kpis(con: duckdb.DuckDBPyConnection, report: str) -> pd.DataFrame:
    return con.execute(
        "SELECT * FROM kpis WHERE report = $report ORDER BY page, row_index", {"report": report}
    ).df()


def refresh_summaries(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Rebuild every summary table from the scored KPIs, atomically."""
    with transaction(con):
        con.execute(read_sql("04_summaries.sql"))
    return {name: con.execute(f"SELECT * FROM {name}").df() for name in SUMMARY_TABLES}


def delete_report(con: duckdb.DuckDBPyConnection, report: str) -> None:
    with transaction(con):
        _delete_report(con, report)
