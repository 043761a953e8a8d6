"""Build KPI rows by hand and load them into a real DuckDB warehouse (for SQL tests)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perf_pipeline.extract import Extraction
from perf_pipeline.extract.identity import ReportIdentity
from perf_pipeline.quality.columns import EXTRACTED_COLUMNS
from perf_pipeline.warehouse import store


def kpi_frame(report: str, cells: list[dict]) -> pd.DataFrame:
    """Rows with the extractor's columns; each dict gives kpi/target/achieved/... cells."""
    records = []
    for i, cell in enumerate(cells, start=1):
        records.append(
            {
                "report": report,
                "page": cell.get("page", 1),
                "section": cell.get("section", "S"),
                "area": cell.get("area", "A"),
                "objective": cell.get("objective", "O"),
                "kpi": cell.get("kpi", f"KPI {i}"),
                "target": cell.get("target", ""),
                "achieved": cell.get("achieved", ""),
                "score_reported": cell.get("score_reported", ""),
                "table_index": 1,
                "row_index": i,
                "x0": 10.0,
                "top": 10.0 * i,
                "x1": 500.0,
                "bottom": 10.0 * i + 8,
                "is_duplicate": cell.get("is_duplicate", False),
                "duplicate_of": cell.get("duplicate_of", ""),
                "extra": "",
                "ocr": False,
                "ocr_confidence": None,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=EXTRACTED_COLUMNS)
    frame["ocr_confidence"] = frame["ocr_confidence"].astype("float64")
    return frame


def load_rows(
    con, tmp_path: Path, report: str, cells: list[dict], entity="Comune di Test", year=2021
) -> pd.DataFrame:
    """Load hand-made rows as report `report`, score them, return the `kpis` rows."""
    pdf = tmp_path / report
    pdf.write_bytes(b"%PDF-1.4 placeholder for the sha256 of " + report.encode())
    rows = kpi_frame(report, cells)
    extraction = Extraction(
        report=report,
        path=pdf,
        identity=ReportIdentity(
            entity=entity, year=year, title="t", entity_source="document", year_source="document"
        ),
        records=rows.to_dict("records"),
        pages=1,
        kpi_tables=1,
        seconds=0.0,
    )
    store.load_report(con, extraction)
    return store.score_report(con, report)
