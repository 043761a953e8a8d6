"""The project's SQL lives in sql/ at the repository root (the package runs from a checkout)."""

from __future__ import annotations

from pathlib import Path


def sql_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "sql"


def read_sql(name: str) -> str:
    return (sql_dir() / name).read_text(encoding="utf-8")
