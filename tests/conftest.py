"""Shared paths and fixtures for the test suite."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_PDF = REPO / "raw" / "milano_performance_2020.pdf"
GROUND_TRUTH_CSV = REPO / "tests" / "milano_2020_kpis.csv"
CELL_COLUMNS = ["section", "area", "objective", "kpi", "target", "achieved", "score_reported"]

# tests/ helpers (pdfgen, layouts, ...) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))


def fold(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


@pytest.fixture(scope="session")
def ground_truth() -> pd.DataFrame:
    return pd.read_csv(GROUND_TRUTH_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def fixture_extraction():
    from perf_pipeline.extract import extract_report

    return extract_report(FIXTURE_PDF)


def project_with_fixture(root: Path) -> tuple[Path, Path, Path, dict[str, str]]:
    """raw/ holding the fixture, a Dagster instance with the project's config, and the
    environment of a command run on them: (raw, db, dagster_home, env)."""
    import os

    raw, home = root / "raw", root / "dagster_home"
    raw.mkdir()
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster_home" / "dagster.yaml").read_text())
    (raw / FIXTURE_PDF.name).write_bytes(FIXTURE_PDF.read_bytes())
    db = root / "data" / "perf.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(home), "PERF_PIPELINE_DB": str(db),
           "PERF_PIPELINE_RAW_DIR": str(raw)}
    return raw, db, home, env
