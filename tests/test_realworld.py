"""Third-party PDFs with tables (../shared/realworld): never a crash, never a KPI row.

None of them holds a KPI table; they hold ruled, partly ruled and headerless
multi-page tables, two-column prose, charts with grid lines and an image-only scan,
which are all things a table finder can mistake for KPI tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perf_pipeline.extract import extract_report

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
PDFS = sorted(REALWORLD.glob("*.pdf")) if REALWORLD.is_dir() else []

pytestmark = [
    pytest.mark.realworld,
    pytest.mark.skipif(not PDFS, reason=f"no third-party PDFs in {REALWORLD}"),
]


@pytest.mark.parametrize("pdf", PDFS, ids=[p.name for p in PDFS])
def test_no_crash_and_no_kpi_rows(pdf):
    extraction = extract_report(pdf)  # all are valid PDFs: a ReportError is a failure
    assert extraction.rows.empty, extraction.rows[["page", "kpi"]].head().to_string()
    assert extraction.kpi_tables == 0
    assert extraction.pages >= 1
