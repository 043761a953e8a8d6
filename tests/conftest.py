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
