"""Extract every KPI row of one report PDF (pure function: no Dagster, no DuckDB)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1

from ..quality.columns import EXTRACTED_COLUMNS, EXTRACTED_ROW_COLUMNS
from .columns import ColumnMap, map_columns, remap_columns
from .errors import ReportError, check_pdf_file
from .fills import filled_tables
from .finders import FoundTable, PageTables, Span, edges_align, rivers_of, text_size
from .grid import Grid, grid_from_pdfplumber_table
from .headings import (
    HeadingBlock,
    HeadingState,
    blocks_from_lines,
    document_titles,
    is_running,
    over,
    running_lines,
    split_columns,
)
from .identity import ReportIdentity, identify_report
from .limits import DEFAULT_MAX_PAGES, DEFAULT_MAX_SECONDS, Budget
from .missed import header_labels
from .ocr import PageReader, ScannedPage, row_confidence
from .pdfium_pages import iter_pages
from .rows import TableRow, build_rows, continue_rows
from .text import Line, fill_cell_texts, group_lines
from .unruled import closed_by_rule, unruled_tables
from .unruled import continuation as unruled_continuation

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# Column order comes from one list (quality/columns.py); the CSV of `perf-pipeline extract`
# starts with these, in this order, then the provenance columns.
ROW_COLUMNS = EXTRACTED_COLUMNS
CORE_COLUMNS = [
    "report", "page", "section", "area", "objective", "kpi", "target", "achieved",
    "score_reported",
]
assert ROW_COLUMNS[: len(CORE_COLUMNS)] == CORE_COLUMNS, "schema must start with the CSV contract"
# Who reads page objects for pdfplumber (see pdfium_pages.py).
ENGINES = ("pdfium", "pdfminer")
DEFAULT_ENGINE = "pdfium"
EXTRACTED_DTYPES = EXTRACTED_ROW_COLUMNS
# What makes two printed rows the same KPI row (a table printed twice).
DUPLICATE_KEY = ["section", "area", "objective", "kpi", "target", "achieved", "score_reported"]
# A page number line ("12", "Pagina 3", "pag. 3 di 9") between a table and its continuation.
PAGE_NUMBER = re.compile(r"\W*(pag(ina|\.)?\s*)?\d+(\s*(di|/)\s*\d+)?\W*", re.IGNORECASE)


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
    mapping: ColumnMap
    size: float  # body text size, to tell its rows from headings
    rivers: list[list[Span]]  # where its column boundaries may lie
    headerless: bool = False  # rows on top of a page, kept only if they continue a table
    lines_above: list[str] = field(default_factory=list)
    lines_below: list[str] | None = None  # set on the last table of its page
    blocks_below: list[HeadingBlock] = field(default_factory=list)
    ocr: bool = False  # read from a scanned image
    unruled: bool = False  # its continuation may be found from text alone (FoundTable)


@dataclass
class Extraction:
    report: str
    path: Path
    identity: ReportIdentity
    records: list[dict]  # one dict per KPI row, keys in ROW_COLUMNS order
    pages: int
    kpi_tables: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    ocr_seconds: float = 0.0

    @cached_property
    def rows(self) -> pd.DataFrame:
        """The records as a frame with the schema's dtypes (pandas loads only here: the
        `extract` command writes its CSV from the records)."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records, columns=ROW_COLUMNS).astype(
            EXTRACTED_DTYPES)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "rows"}  # staged: records only


def extract_report(
    path: str | Path,
    password: str | None = None,
    engine: str = DEFAULT_ENGINE,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    workers: int = 1,
) -> Extraction:
    """Open a report PDF and return its KPI rows with provenance.

    ``engine`` picks who reads each page's objects for pdfplumber: "pdfium" (fast, the
    default) or "pdfminer" (pdfplumber's own). Both give the same rows. Pages without
    a text layer are read by OCR. A report over ``max_pages`` or ``max_seconds`` fails.
    ``workers`` > 1 reads a long report's pages on that many processes (page_workers.py),
    with the same rows. Raises ReportError with a specific ``kind`` for input that
    cannot be read.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    path = Path(path)
    check_pdf_file(path)
    started = time.perf_counter()
    reader = PageReader(Budget(path.name, max_pages, max_seconds))
    with ExitStack() as workers_stack:
        pool = None
        if workers > 1:
            from . import page_workers

            # Forked now: before the watchdog's thread, and while nothing is open.
            pool = workers_stack.enter_context(page_workers.page_pool(workers))
        with reader.budget.enforced():
            pdf = _open(path, password)
            # Closing a broken file can raise again (pdfplumber re-reads it): inside the try.
            try:
                with pdf, ExitStack() as stack:
                    declared = _page_count(pdf)
                    if declared == 0:
                        raise ReportError("no_pages", f"{path.name}: the PDF has no pages")
                    reader.budget.check_pages(declared)
                    title = str(pdf.metadata.get("Title") or "")
                    n_pages = len(pdf.pages)
                    split = page_workers.worker_count(workers, n_pages) if pool else 1
                    if split > 1:
                        scans = page_workers.scan_in_ranges(
                            pool, split, path, password, engine, n_pages, reader,
                            lambda a, b: _pages(pdf, path, password, engine, stack, a, b))
                    else:
                        scans = _scan_pages(_pages(pdf, path, password, engine, stack), reader)
            except ReportError:
                raise
            except Exception as exc:
                raise ReportError(
                    "corrupt", f"{path.name}: cannot parse PDF ({_describe(exc)})") from None
    page_lines = [scan.lines for scan in scans]
    running = running_lines(page_lines)
    tables = _link_continuations([t for scan in scans for t in scan.tables], running)
    _check_has_text(path, n_pages, page_lines, reader)
    first_text = next((scan.text for scan in scans if scan.number == 1), "")
    identity = identify_report(path, title, first_text, [t.year for t in tables if t.year])
    records = _assemble_rows(path.name, tables, running, title)
    warnings = [f"{path.name}: {w}" for w in reader.warnings]
    read = {t.page for t in tables}
    warnings += [
        f"{path.name}: possible missed table on page {scan.number}: its text names KPI "
        f"columns ({', '.join(scan.labels)}) but no KPI table was read"
        for scan in scans if scan.labels and scan.number not in read
    ]
    if not records:
        warnings.append(f"{path.name}: no KPI table found in {n_pages} pages")
    return Extraction(
        report=path.name,
        path=path,
        identity=identity,
        records=records,
        pages=n_pages,
        kpi_tables=len(tables),
        seconds=time.perf_counter() - started,
        warnings=warnings,
        ocr_pages=reader.ocr_pages,
        ocr_seconds=reader.ocr_seconds,
    )


def screen_report(path: str | Path, password: str | None = None,
                  max_pages: int = DEFAULT_MAX_PAGES, **_options) -> None:
    """The checks of extract_report that need no page parsed (milliseconds): the bytes
    are a whole PDF, it opens (with its password), it has pages, not too many. Raises
    the same ReportError extract_report would; a file that passes may still fail later.
    The sensor keeps a file that fails here out of batches of good ones."""
    path = Path(path)
    check_pdf_file(path)
    pdf = _open(path, password)
    try:
        with pdf:
            declared = _page_count(pdf)
    except Exception as exc:  # noqa: BLE001 - a broken page tree or a close that raises
        raise ReportError("corrupt", f"{path.name}: cannot parse PDF ({_describe(exc)})"
                          ) from None
    if declared == 0:
        raise ReportError("no_pages", f"{path.name}: the PDF has no pages")
    Budget(path.name, max_pages, DEFAULT_MAX_SECONDS).check_pages(declared)


def _check_has_text(path: Path, n_pages: int, page_lines: list[list[str]],
                    reader: PageReader) -> None:
    """A document with no page, or no text on any page (nor any OCR could read), cannot
    say what report it is: a clear failure, not a report named after PDF syntax."""
    if n_pages == 0:  # declared some, but none could be found
        raise ReportError("no_pages", f"{path.name}: the PDF has no pages")
    if any(line.strip() for lines in page_lines for line in lines):
        return
    why = (f"; {reader.problem}" if reader.missing
           else " (its pages are blank, or pictures without readable text)")
    raise ReportError("no_text", f"{path.name}: no text on any of its {n_pages} pages{why}")


def _open(path: Path, password: str | None):
    try:
        return pdfplumber.open(path, password=password or "")
    except Exception as exc:
        # pdfplumber wraps pdfminer's errors; the wrapped one says what went wrong.
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if not isinstance(cause, PDFPasswordIncorrect):
            raise ReportError(
                "corrupt", f"{path.name}: cannot open PDF ({_describe(cause)})") from None
        if password:
            message = "wrong password: the PDF is encrypted and this password does not open it"
        else:
            message = ("password required: the PDF is encrypted (pass --password, or list it in "
                       "passwords.toml)")
        raise ReportError("encrypted", f"{path.name}: {message}") from None


def _page_count(pdf) -> int:
    """Pages as the document declares them: cheap, before any page is parsed."""
    try:
        return int(resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"]))
    except Exception:  # a broken page tree: count what pdfplumber can find
        return len(pdf.pages)


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _pages(pdf, path: Path, password: str | None, engine: str, stack: ExitStack,
           start: int = 0, stop: int | None = None) -> Iterator:
    """Pages start..stop-1 (0-based) of the document, read by the engine."""
    if engine == "pdfminer":
        return iter(pdf.pages[start:stop])
    document = pdfium.PdfDocument(str(path), password=password or None)
    stack.callback(document.close)
    return iter_pages(pdf, document, start, stop)


@dataclass
class PageScan:
    """What one page gave: its KPI tables and the text the document-wide rules need."""

    number: int
    tables: list[PageTable]
    lines: list[str]  # its line texts (whole lines and their column parts)
    text: str  # its text, line by line
    labels: list[str]  # KPI column labels on a page where no table was read

    @property
    def carry(self) -> PageTable | None:
        """The table a table at the top of the next page may continue."""
        return self.tables[-1] if self.tables else None


def _scan_pages(pages: Iterator, reader: PageReader,
                carry: PageTable | None = None) -> list[PageScan]:
    """Parse each page once, in order (a page's tables may continue the previous one's)."""
    scans = []
    for page in pages:
        scans.append(_scan_page(page, reader, carry))
        carry = scans[-1].carry
        page.close()
    return scans


def _scan_page(page, reader: PageReader, carry: PageTable | None) -> PageScan:
    """A page's KPI tables, heading blocks and line texts, and the KPI column labels of
    a page where no table header was read (a table may be missed)."""
    words, scanned = reader.read(page)
    lines = group_lines(words)
    parts = split_columns(lines)
    on_page: list[PageTable] = []
    for i, found in enumerate(_find_tables(page, words, carry, scanned, lines)):
        grid = found.grid
        x0, x1 = grid.bbox[0], grid.bbox[2]
        # Headings over this table: below the last table above it in its columns.
        above = max((t.grid.bbox[3] for t in on_page
                     if t.grid.bbox[0] < x1 and t.grid.bbox[2] > x0), default=0.0)
        before = [ln for ln in over(parts, x0, x1)
                  if ln.bottom <= grid.bbox[1] + 1 and ln.top >= above - 1]
        on_page.append(PageTable(
            page=page.page_number,
            index=i + 1,
            grid=grid,
            rows=build_rows(grid, found.mapping),
            blocks=blocks_from_lines(before),
            first_on_page=i == 0,
            page_height=float(page.height),
            year=found.mapping.year,
            mapping=found.mapping,
            size=found.size,
            rivers=found.rivers,
            headerless=found.mapping.header_rows == 0,
            lines_above=[ln.text for ln in before],
            unruled=found.unruled,
            ocr=scanned is not None and scanned.covers(grid.bbox),
        ))
    if on_page:
        above = max(t.grid.bbox[3] for t in on_page)
        on_page[-1].lines_below = [ln.text for ln in lines if ln.top >= above - 1]
        on_page[-1].blocks_below = blocks_from_lines(
            [ln for ln in parts if ln.top >= above - 1])
    return PageScan(
        number=page.page_number,
        tables=on_page,
        # Whole lines and their parts: a running header may be cut by a wide gap.
        lines=list(dict.fromkeys([ln.text for ln in lines] + [part.text for part in parts])),
        text="\n".join(ln.text for ln in lines),
        labels=[] if any(t.rows for t in on_page) else header_labels(lines),
    )


def _find_tables(page, words: list[dict], carry: PageTable | None,
                 scanned: ScannedPage | None = None,
                 lines: list[Line] | None = None) -> list[FoundTable]:
    """KPI tables on a page, top-down: ruled ones (pdfplumber), ones drawn as filled
    cells with gaps, then ones found from their header and horizontal rules, then ones
    with no rules at all (unruled.py), then rows continuing the previous page's table.
    A text page with pictures OCR'd (scanned with regions) has both: the pictures' ruled
    tables and the text layer's."""
    found: list[FoundTable] = []
    others: list[Grid] = []
    whole_scan = scanned is not None and not scanned.regions
    if whole_scan:
        page_grids = scanned.grids()
    else:
        page_grids = [g for g in map(grid_from_pdfplumber_table, page.find_tables())
                      if g is not None and not (scanned and scanned.covers(g.bbox))]
        if scanned is not None:
            page_grids += scanned.grids()
    for grid in page_grids:
        if grid is None:
            continue
        fill_cell_texts(grid, words)
        mapping = map_columns(grid)
        if mapping is None:
            others.append(grid)
        else:
            found.append(FoundTable(grid, mapping, text_size(grid), rivers_of(grid)))
    if not whole_scan:
        # Cells drawn as fills with white gaps: the rectangles are the cells, and the
        # ruling-line finder's reading of their edges (sliver columns) gives way.
        filled = filled_tables(page, words, continuing=carry is not None)
        boxes = [t.grid.bbox for t in filled.tables]
        found = [t for t in found if not any(_overlap(t.grid.bbox, b) for b in boxes)]
        found += filled.tables
        others = [g for g in others if not any(_overlap(g.bbox, b) for b in boxes)]
        others += filled.others
    finder = PageTables(page, words)
    for table in finder.kpi_tables([t.grid.bbox for t in found]):
        ruled = [t for t in found if _overlap(t.grid.bbox, table.grid.bbox)]
        # A header wider than a ruled table under it: the ruling may have missed columns.
        if all(_columns(table.mapping) > _columns(t.mapping) for t in ruled):
            found = [t for t in found if t not in ruled] + [table]
    if not whole_scan:
        # A header on a filled band with no row rule under it gives one row above: the
        # same header read as a table without rules gives them all. Such a row, or a
        # header alone, may go on next page without rules.
        one_row = [t for t in found if t.grid.n_rows == t.mapping.header_rows or (
            t.grid.n_rows - t.mapping.header_rows == 1
            and not closed_by_rule(finder, t.grid.bbox, [b.grid.bbox for b in found]))]
        taken = [t.grid.bbox for t in found if t not in one_row]
        for table in unruled_tables(finder, taken, lines):
            read = [t for t in one_row if _overlap(t.grid.bbox, table.grid.bbox)]
            if not read or table.grid.n_rows > max(t.grid.n_rows for t in read):
                found = [t for t in found if t not in read] + [table]
        for table in one_row:
            table.unruled = True
    found.sort(key=lambda t: (t.grid.bbox[1], t.grid.bbox[0]))
    if carry is not None:
        bottom = found[0].grid.bbox[1] if found else float(page.height)
        edges = carry.grid.col_edges
        ruled = next(
            (g for g in sorted(others, key=lambda g: g.bbox[1])
             if g.bbox[3] <= bottom + 1 and edges_align(g.col_edges, edges)),
            None,
        )
        rows = None
        if ruled is None or len(ruled.col_edges) < len(edges):
            # A ruled grid with fewer columns than the table it continues read fills as
            # cells (a row stripe over several columns): the table's own columns first.
            rows = finder.continuation(edges[0], edges[-1], carry.rivers, carry.size, bottom)
        if rows is None and ruled is not None:
            rows = ruled, rivers_of(ruled)
        if rows is None and carry.unruled:
            rows = unruled_continuation(finder, edges[0], edges[-1], carry.rivers, carry.size,
                                        bottom, carry.mapping, edges)
        if rows is not None:
            grid, rivers = rows
            mapping = remap_columns(carry.mapping, edges, grid.col_edges)
            found.insert(0, FoundTable(grid, mapping, carry.size, rivers,
                                       unruled=carry.unruled and ruled is None))
    return found


def _columns(mapping: ColumnMap) -> int:
    return len(mapping.fields) + len(mapping.extras)


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _link_continuations(tables: list[PageTable], running: set[str]) -> list[PageTable]:
    """Join tables split over a page break; drop headerless rows that continue nothing.

    A table continues the previous one when nothing but running headers/footers lies
    between them (end of one page, top of the next) and their columns line up. An
    objective cell left empty at its top then carries the previous page's objective.
    A header with no rows under it is kept only if the next page continues it (it
    still carries the headings printed above it).
    """
    linked: list[PageTable] = []
    continued: set[int] = set()
    last_row: TableRow | None = None  # last row of the table being continued
    for table in tables:
        prev = linked[-1] if linked else None
        if prev is not None and _continues(prev, table, running):
            continued.add(id(prev))
            if last_row is not None:
                table.rows = continue_rows(table.rows, table.grid, table.mapping, last_row)
        elif table.headerless:
            continue
        else:
            last_row = None
        last_row = table.rows[-1] if table.rows else last_row
        linked.append(table)
    return [t for t in linked if t.rows or id(t) in continued]


def _continues(prev: PageTable, table: PageTable, running: set[str]) -> bool:
    if not (table.first_on_page and prev.page == table.page - 1 and prev.lines_below is not None):
        return False
    between = prev.lines_below + table.lines_above
    if not all(is_running(t, running) or PAGE_NUMBER.fullmatch(t) for t in between):
        return False
    same_fields = set(prev.mapping.fields) == set(table.mapping.fields)
    return same_fields and edges_align(
        [table.grid.bbox[0], table.grid.bbox[2]], [prev.grid.bbox[0], prev.grid.bbox[2]]
    )


def _assemble_rows(report: str, tables: list[PageTable], running: set[str],
                   metadata_title: str = "") -> list[dict]:
    """Rows with the section and area in force over their table (rules: headings.py)."""
    def headings(blocks: list[HeadingBlock]) -> list[HeadingBlock]:
        return [b for b in blocks if not is_running(b.text, running)
                and not PAGE_NUMBER.fullmatch(b.text)]

    first = next((t for t in tables if t.page == 1 and t.first_on_page), None)
    titles = document_titles(
        headings(first.blocks) if first else [],
        [b for t in tables if t.page > 1 for b in headings(t.blocks)],
        metadata_title,
    )
    state = HeadingState()
    records = []
    orphans: list[HeadingBlock] = []  # headings left at the foot of the previous page
    for table in tables:
        blocks = [b for b in headings(table.blocks) if b.text not in titles]
        if table.first_on_page:
            blocks = orphans + blocks
        state.update(blocks, table.first_on_page, table.page_height)
        orphans = [
            b for b in headings(table.blocks_below)
            if b.text not in titles and state.is_heading_style(b)
        ]
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
                "ocr": table.ocr,
                "ocr_confidence": row_confidence(table.grid, row.grid_row) if table.ocr else None,
            })
    _number_rows(records)
    _mark_duplicates(records)
    return [{column: record[column] for column in ROW_COLUMNS} for record in records]


def _number_rows(records: list[dict]) -> None:
    """row_index: 1-based position of the row among the KPI rows of its page."""
    on_page: dict[int, int] = {}
    for record in records:
        on_page[record["page"]] = record["row_index"] = on_page.get(record["page"], 0) + 1


def _mark_duplicates(records: list[dict]) -> None:
    """A row printed again later (same table shown twice) points at its first copy."""
    first_seen: dict[tuple, str] = {}
    for record in records:
        key = tuple(record[k] for k in DUPLICATE_KEY)
        first = first_seen.setdefault(key, f"p{record['page']}r{record['row_index']}")
        record["is_duplicate"] = first != f"p{record['page']}r{record['row_index']}"
        record["duplicate_of"] = first if record["is_duplicate"] else ""
