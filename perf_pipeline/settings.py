"""Paths, from the environment with project-relative defaults (run from the repo root)."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_ENV = "PERF_PIPELINE_DB"
RAW_DIR_ENV = "PERF_PIPELINE_RAW_DIR"
DEFAULT_DATABASE = "data/perf.duckdb"
DEFAULT_RAW_DIR = "raw"
DEFAULT_DAGSTER_HOME = "dagster_home"


def database_path() -> str:
    return os.environ.get(DATABASE_ENV, DEFAULT_DATABASE)


def raw_dir() -> str:
    return os.environ.get(RAW_DIR_ENV, DEFAULT_RAW_DIR)


def ensure_dagster_home() -> Path:
    """Use the project's persistent instance unless the user points elsewhere."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(DEFAULT_DAGSTER_HOME).resolve())))
    home.mkdir(parents=True, exist_ok=True)
    return home
