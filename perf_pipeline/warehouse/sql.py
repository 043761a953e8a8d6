"""The project's SQL lives in sql/ at the repository root (the package runs from a checkout);
the one table it reads from Python code is `quality_checks` (quality/rules.py)."""

from __future__ import annotations

from pathlib import Path


def sql_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "sql"


def read_sql(name: str) -> str:
    return (sql_dir() / name).read_text(encoding="utf-8")


def create_quality_checks(con) -> None:
    """The table `quality_checks` (check, severity, description, action, threshold) from
    quality/rules.py, which the SQL reads thresholds and severities from: created before
    the SQL files, whose macros and views refer to it."""
    import pandas as pd

    from ..quality.rules import rules_records

    con.register("quality_rules", pd.DataFrame(rules_records()).astype(
        {"threshold": "float64"}))
    try:
        con.execute("CREATE OR REPLACE TABLE quality_checks AS SELECT * FROM quality_rules")
    finally:
        con.unregister("quality_rules")
