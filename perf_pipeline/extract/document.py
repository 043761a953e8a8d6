"""Extract every KPI row of one report PDF (pure function: no Dagster, no DuckDB)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect

from ..schemas import EXTRACTED_COLUMNS
from .columns import map_columns
from .errors import ReportError, check_pdf_header
from .grid import Grid, grid_from_pdfplumber_table
from .headings import (
    HeadingBlock,
    HeadingState,
    blocks_from_lines,
    is_running,
    running_lines,
)
from .identity import ReportIdentity, identify_report
from .rows import TableRow, build_rows
from .text import fill_cell_texts, group_lines

log = logging.getLogger(__name__)

# Column order comes from the pandera model; the CSV of `perf-pipeline extract`
# starts with these, in this order, then the provenance columns.
ROW_COLUMNS = EXTRACTED_COLUMNS
CORE_COLUMNS = [
    "report", "page", "section", "area", "objective", "kpi", "target", "achieved",
    "score_reported",
]
assert ROW_COLUMNS[: len(CORE_COLUMNS)] == CORE_COLUMNS, "schema must start with the CSV contract"
# What makes two printed rows the same KPI row (a table printed twice).
DUPLICATE_KEY = ["section", "area", "objective", "kpi", "target", "achieved", "score_reported"]


@dataclass
class PageTable:
    page: int
    index: int
    grid: Grid
    rows: list[TableRow]
    blocks: list[HeadingBlock]
    first_on_page: bool
    page_height: float
    year: int | None


@dataclass
class Extraction:
    report: str
    path: Path
    identity: ReportIdentity
    rows: pd.DataFrame
    pages: int
    kpi_tables: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def extract_report(path: str | Path, password: str | None = None) -> Extraction:
    """Open a report PDF and return its KPI rows with provenance.

    Raises ReportError with a specific ``kind`` for input that cannot be read.
    """
    path = Path(path)
    check_pdf_header(path)
    started = time.perf_counter()
    try:
        pdf = pdfplumber.open(path, password=password or "")
    except PDFPasswordIncorrect:
        raise ReportError(
            "encrypted",
            f"{path.name}: password required (the PDF is encrypted"
            + (" and the given password is wrong)" if password else "; pass --password)"),
        ) from None
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise ReportError("corrupt", f"{path.name}: cannot open PDF ({_describe(exc)})") from None
    with pdf:
        try:
            title = str(pdf.metadata.get("Title") or "")
            tables, page_lines, first_text = _scan_pages(pdf)
        except ReportError:
            raise
        except Exception as exc:
            raise ReportError("corrupt", f"{path.name}: cannot parse PDF ({_describe(exc)})") from None
        n_pages = len(pdf.pages)
    identity = identify_report(path, title, first_text, [t.year for t in tables if t.year])
    rows = _assemble_rows(path.name, tables, running_lines(page_lines))
    warnings = []
    if rows.empty:
        warnings.append(f"{path.name}: no KPI table found in {n_pages} pages")
    return Extraction(
        report=path.name,
        path=path,
        identity=identity,
        rows=rows,
        pages=n_pages,
        kpi_tables=len(tables),
        seconds=time.perf_counter() - started,
        warnings=warnings,
    )


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _scan_pages(pdf) -> tuple[list[PageTable], list[list[str]], str]:
    """Parse each page once: its KPI tables, heading blocks and line texts."""
    tables: list[PageTable] = []
    page_lines: list[list[str]] = []
    first_text = ""
    for page in pdf.pages:
        words = page.extract_words(extra_attrs=["size", "fontname"])
        lines = group_lines(words)
        page_lines.append([ln.text for ln in lines])
        if page.page_number == 1:
            first_text = "\n".join(ln.text for ln in lines)
        kpi_grids = []
        for table in page.find_tables():
            grid = grid_from_pdfplumber_table(table)
            if grid is None:
                continue
            fill_cell_texts(grid, words)
            mapping = map_columns(grid)
            if mapping is not None:
                kpi_grids.append((grid, mapping))
        kpi_grids.sort(key=lambda gm: (gm[0].bbox[1], gm[0].bbox[0]))
        above = 0.0
        for i, (grid, mapping) in enumerate(kpi_grids):
            heading_lines = [
                ln for ln in lines if ln.bottom <= grid.bbox[1] + 1 and ln.top >= above - 1
            ]
            tables.append(PageTable(
                page=page.page_number,
                index=i + 1,
                grid=grid,
                rows=build_rows(grid, mapping),
                blocks=blocks_from_lines(heading_lines),
                first_on_page=i == 0,
                page_height=float(page.height),
                year=mapping.year,
            ))
            above = grid.bbox[3]
        page.close()
    return tables, page_lines, first_text


def _assemble_rows(report: str, tables: list[PageTable], running: set[str]) -> pd.DataFrame:
    state = HeadingState()
    records = []
    for table in tables:
        blocks = [b for b in table.blocks if not is_running(b.text, running)]
        state.update(blocks, table.first_on_page, table.page_height)
        for row in table.rows:
            records.append({
                "report": report,
                "page": table.page,
                "section": state.section,
                "area": state.area,
                "objective": row.values.get("objective", ""),
                "kpi": row.values.get("kpi", ""),
                "target": row.values.get("target", ""),
                "achieved": row.values.get("achieved", ""),
                "score_reported": row.values.get("score_reported", ""),
                "table_index": table.index,
                "x0": round(row.bbox[0], 2),
                "top": round(row.bbox[1], 2),
                "x1": round(row.bbox[2], 2),
                "bottom": round(row.bbox[3], 2),
                "extra": json.dumps(row.extras, ensure_ascii=False) if row.extras else "",
                "ocr": False,
                "ocr_confidence": None,
            })
    frame = pd.DataFrame.from_records(records, columns=[c for c in ROW_COLUMNS])
    if frame.empty:
        return frame.astype({"page": "int64", "table_index": "int64", "row_index": "int64"})
    frame["row_index"] = frame.groupby("page").cumcount() + 1
    _mark_duplicates(frame)
    frame["ocr_confidence"] = frame["ocr_confidence"].astype("float64")
    return frame[ROW_COLUMNS]


def _mark_duplicates(frame: pd.DataFrame) -> None:
    """A row printed again later (same table shown twice) points at its first copy."""
    first_seen: dict[tuple, str] = {}
    flags, refs = [], []
    for rec in frame.itertuples(index=False):
        key = tuple(getattr(rec, k) for k in DUPLICATE_KEY)
        ref = f"p{rec.page}r{rec.row_index}"
        if key in first_seen:
            flags.append(True)
            refs.append(first_seen[key])
        else:
            first_seen[key] = ref
            flags.append(False)
            refs.append("")
    frame["is_duplicate"] = flags
    frame["duplicate_of"] = refs
