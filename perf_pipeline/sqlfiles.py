"""Where the project's SQL lives: sql/ in the source tree, or its copy in a wheel."""

from __future__ import annotations

from pathlib import Path


def sql_dir() -> Path:
    bundled = Path(__file__).parent / "_sql"
    return bundled if bundled.is_dir() else Path(__file__).resolve().parents[1] / "sql"


def read_sql(name: str) -> str:
    return (sql_dir() / name).read_text(encoding="utf-8")
