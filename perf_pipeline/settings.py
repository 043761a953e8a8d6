"""Paths, from the environment with project-relative defaults (run from the repo root)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

DATABASE_ENV = "PERF_PIPELINE_DB"
RAW_DIR_ENV = "PERF_PIPELINE_RAW_DIR"
DEFAULT_DATABASE = "data/perf.duckdb"
DEFAULT_RAW_DIR = "raw"
DEFAULT_DAGSTER_HOME = "dagster_home"
# Per-report limits (a report over them fails on its own) and passwords of encrypted PDFs.
MAX_PAGES_ENV = "PERF_PIPELINE_MAX_PAGES"
MAX_SECONDS_ENV = "PERF_PIPELINE_MAX_SECONDS"
PASSWORDS_ENV = "PERF_PIPELINE_PASSWORDS"
PASSWORDS_FILE = "passwords.toml"
# Processes that extract reports side by side (one DuckDB writer loads them all).
WORKERS_ENV = "PERF_PIPELINE_WORKERS"
# A Dask scheduler (tcp://host:port): reports are then parsed on its cluster
# (warehouse/cluster.py); with the shared-staging switch the workers stage the rows.
DASK_SCHEDULER_ENV = "PERF_PIPELINE_DASK_SCHEDULER"
DASK_SHARED_STAGING_ENV = "PERF_PIPELINE_DASK_SHARED_STAGING"
# How runs launched by the UI, the sensor and the schedule execute their steps.
EXECUTOR_ENV = "PERF_PIPELINE_EXECUTOR"
DEFAULT_EXECUTOR = "in_process"


def database_path() -> str:
    return os.environ.get(DATABASE_ENV, DEFAULT_DATABASE)


def raw_dir() -> str:
    return os.environ.get(RAW_DIR_ENV, DEFAULT_RAW_DIR)


def ensure_dagster_home() -> Path:
    """Use the project's persistent instance unless the user points elsewhere."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(DEFAULT_DAGSTER_HOME).resolve())))
    home.mkdir(parents=True, exist_ok=True)
    return home


def max_pages() -> int | None:
    """Page limit per report from the environment, None for the extractor's default."""
    return _number(MAX_PAGES_ENV, int)


def max_seconds() -> float | None:
    """Time limit per report (seconds) from the environment, None for the default."""
    return _number(MAX_SECONDS_ENV, float)


def workers() -> int:
    """Extraction processes: the environment, else one per core."""
    return _number(WORKERS_ENV, int) or os.cpu_count() or 1


def free_workers() -> int:
    """Processes for one report's pages (`extract`): the environment, else one per core
    that is free now (cores minus the last minute's load), at least one. Reading pages
    in ranges costs a little more work in all, which pays only on otherwise idle cores."""
    if (chosen := _number(WORKERS_ENV, int)) is not None:
        return chosen
    cores = os.cpu_count() or 1
    return max(1, min(cores, round(cores - os.getloadavg()[0])))


def dask_scheduler() -> str | None:
    """The Dask scheduler's address to extract on, None for local processes."""
    return os.environ.get(DASK_SCHEDULER_ENV, "").strip() or None


def dask_shared_staging() -> bool:
    """Workers write the staged rows themselves (the staging directory is shared)."""
    return os.environ.get(DASK_SHARED_STAGING_ENV, "").strip().lower() in ("1", "true", "yes")


def executor() -> str:
    """The executor's name (definitions.EXECUTORS): in process unless set otherwise."""
    return os.environ.get(EXECUTOR_ENV, "").strip() or DEFAULT_EXECUTOR


def _number(name: str, kind: type):
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"{name} must be a {kind.__name__} number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, not {value!r}")
    return number


def passwords_file(folder: str | Path) -> Path:
    """The passwords of encrypted reports: $PERF_PIPELINE_PASSWORDS, else passwords.toml
    in the folder of the reports."""
    return Path(os.environ.get(PASSWORDS_ENV) or Path(folder) / PASSWORDS_FILE)


def load_passwords(path: Path) -> dict[str, str]:
    """``"file name.pdf" = "password"`` lines of a TOML file; {} when there is none.

    Raises ValueError, naming the file, when it cannot be read as such a table.
    """
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the passwords file ({exc})") from None
    wrong = [name for name, value in table.items() if not isinstance(value, str)]
    if wrong:
        raise ValueError(f"{path}: passwords must be strings (see {', '.join(wrong)})")
    return table


def extract_options(directory: str | Path, report: str, passwords_path: str | None = None,
                    max_pages_limit: int | None = None,
                    max_seconds_limit: float | None = None) -> dict:
    """Password and limits for extract_report of one report in ``directory``: the given
    values, else the environment. Raises ReportError('config') for a broken passwords
    file or limit setting."""
    from .extract.errors import ReportError

    try:
        passwords = load_passwords(Path(passwords_path) if passwords_path
                                   else passwords_file(directory))
        limits = {"max_pages": max_pages_limit or max_pages(),
                  "max_seconds": max_seconds_limit or max_seconds()}
    except ValueError as exc:
        raise ReportError("config", str(exc)) from None
    return {"password": passwords.get(report),
            **{k: v for k, v in limits.items() if v is not None}}
