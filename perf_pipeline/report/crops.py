"""Provenance crops: a PNG of each KPI row's table, cut from its PDF page, the row framed.

A reader of the scorecard follows a number to the picture of the row it was read from
without opening the PDF. Each table is rendered once with PDFium (pypdfium2) at
SCALE × 72 dpi; each row's picture is the table's column headers above a window of the
table around the row, the row itself highlighted. The pictures are written under the
names the `kpi_facts` view gives them (`source_image`: `sources/<sha256 of the
PDF>/p<page>-r<row>.png`, relative to the warehouse's folder: the macro in
sql/00_names.sql), so a content that was rendered once is never rendered again, whatever
run or file name brings it back. The extraction workers draw them right after a report
is parsed (`write_extraction_crops`, the same names from the same macro), beside the run
that loads it; the scoring step draws whatever is still missing.

Row geometry is pdfplumber's (PDF points from the top left of the page's media box, the
OCR rows too); PDFium renders the crop box, so the offset between the two is applied.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SCALE = 2.0  # 144 dpi: table text of 7-9 pt is read comfortably
MARGIN = 6.0  # points of page around the table
HEADER_ROOM = 40.0  # points above the first row: the column headers
CONTEXT = 40.0  # points of the table shown above and below the row
SEPARATOR_PX = 4
SEPARATOR_GREY = (160, 160, 160)
FRAME_PX = 3
HIGHLIGHT_FILL = (255, 214, 0, 70)  # RGB and opacity over the row
HIGHLIGHT_EDGE = (214, 40, 40, 255)
PNG_COMPRESS_LEVEL = 1  # palette images: small at any level, fastest at 1
MIN_REPORTS_PER_POOL = 4
GEOMETRY_COLUMNS = ["page", "table_index", "row_index", "x0", "top", "x1", "bottom",
                    "source_image"]


def missing_crops(rows: pd.DataFrame, root: Path) -> pd.DataFrame:
    """The rows whose picture is not under ``root`` yet."""
    if rows.empty:
        return rows
    return rows[[not (root / name).is_file() for name in rows["source_image"]]]


def source_image_names(rows: pd.DataFrame, sha256: str) -> list[str]:
    """`source_image` of each row (page, row_index) of a report with this content, by
    the warehouse's own macro, without a warehouse."""
    import duckdb

    from ..warehouse.sql import read_sql

    with duckdb.connect(":memory:") as con:
        con.execute(read_sql("00_names.sql"))
        con.register("geometry", rows[["page", "row_index"]])
        return [name for (name,) in con.execute(
            "SELECT source_image_name($sha256, page, row_index) FROM geometry",
            {"sha256": sha256}).fetchall()]


def write_extraction_crops(pdf_path: str | Path, records: list[dict], sha256: str,
                           root: str | Path, password: str | None = None) -> int:
    """The pictures of a report's rows straight from its extraction (the rows the
    warehouse will hold, with the same geometry and names)."""
    rows = pd.DataFrame.from_records(records, columns=GEOMETRY_COLUMNS[:-1])
    rows["source_image"] = source_image_names(rows, sha256)
    return write_crops(pdf_path, rows, root, password)


def write_crops(pdf_path: str | Path, rows: pd.DataFrame, root: str | Path,
                password: str | None = None) -> int:
    """Write the picture of each row of ``rows`` (GEOMETRY_COLUMNS, every row of the
    report: a table's extent comes from all its rows) that is not under ``root`` yet;
    returns how many were written."""
    import pypdfium2 as pdfium

    root = Path(root)
    todo = missing_crops(rows, root)
    if todo.empty:
        return 0
    written = 0
    pdf = pdfium.PdfDocument(str(pdf_path), password=password)
    try:
        for (page_number, table_index), wanted in todo.groupby(["page", "table_index"]):
            table = rows[(rows["page"] == page_number) & (rows["table_index"] == table_index)]
            page = pdf[int(page_number) - 1]
            try:
                picture, origin = _render_table(page, table)
            finally:
                page.close()
            pixels, palette = _palette_table(picture)
            for row in wanted.itertuples(index=False):
                _save(_row_picture(pixels, palette, origin, table, row),
                      root / row.source_image)
                written += 1
    finally:
        pdf.close()
    return written


@dataclass
class CropJob:
    """The pictures one report still needs: its PDF, every row's geometry, the root."""

    report: str
    pdf_path: Path
    rows: pd.DataFrame
    root: Path
    password: str | None = None


def _run(job: CropJob) -> tuple[str, int, str | None]:
    import pypdfium2 as pdfium

    try:
        return job.report, write_crops(job.pdf_path, job.rows, job.root, job.password), None
    except (pdfium.PdfiumError, OSError) as exc:
        return job.report, 0, str(exc) or type(exc).__name__


def write_all(jobs: list[CropJob], workers: int) -> Iterator[tuple[str, int, str | None]]:
    """Write the pictures of several reports, on ``workers`` processes when there are
    enough reports to pay for starting them (a process costs about as much as one
    report's pictures); yields (report, pictures written, error or None)."""
    if workers <= 1 or len(jobs) < MIN_REPORTS_PER_POOL:
        yield from map(_run, jobs)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                             mp_context=get_context("forkserver")) as pool:
        yield from pool.map(_run, jobs)


def _render_table(page, table: pd.DataFrame):
    """The table's region of the page as a PIL image, and the region's top-left corner
    in row coordinates (points)."""
    width, height = page.get_size()
    dx = dy = 0.0
    if not page.get_rotation():
        media, crop = page.get_mediabox(), page.get_cropbox()
        dx, dy = media[0] - crop[0], crop[3] - media[3]
    left = max(table["x0"].min() + dx - MARGIN, 0.0)
    right = min(table["x1"].max() + dx + MARGIN, width)
    top = max(table["top"].min() + dy - HEADER_ROOM, 0.0)
    bottom = min(table["bottom"].max() + dy + MARGIN, height)
    bitmap = page.render(scale=SCALE, crop=(left, height - bottom, width - right, top))
    return bitmap.to_pil().convert("RGB"), (left - dx, top - dy)


def _palette_table(picture):
    """The table's picture with at most 127 colours (PNG in palette mode writes in a
    fraction of the time of RGB, and looks the same for printed tables), and its palette
    of 256: the colours, the same colours under the highlight (index + 128), a grey for
    the separator (127) and the frame's colour (255). A row is highlighted by adding 128
    to its pixels: no blending, no second quantisation per row."""
    import numpy as np
    from PIL import Image

    quantised = picture.quantize(colors=127, method=Image.Quantize.FASTOCTREE)
    colours = np.zeros((128, 3), dtype=float)
    used = np.array(quantised.getpalette()[: 127 * 3], dtype=float).reshape(-1, 3)
    colours[: len(used)] = used
    colours[127] = SEPARATOR_GREY
    alpha = HIGHLIGHT_FILL[3] / 255
    lit = colours * (1 - alpha) + np.array(HIGHLIGHT_FILL[:3]) * alpha
    lit[127] = HIGHLIGHT_EDGE[:3]
    palette = np.vstack([colours, lit]).round().astype(np.uint8)
    return np.asarray(quantised).copy(), palette.flatten().tolist()


def _row_picture(table_pixels, palette, origin: tuple[float, float], table: pd.DataFrame,
                 row):
    import numpy as np
    from PIL import Image

    height, width = table_pixels.shape

    def px(y: float) -> int:
        return max(0, min(height, round((y - origin[1]) * SCALE)))

    header_end = px(table["top"].min())
    start, end = px(row.top - CONTEXT), px(row.bottom + CONTEXT)
    if end <= start:  # a row outside the rendered page: show the table as it is
        start, end = 0, height
    window = table_pixels[start:end].copy()
    left = max(0, round((row.x0 - origin[0]) * SCALE) - 2)
    right = min(width, round((row.x1 - origin[0]) * SCALE) + 2)
    top = max(0, px(row.top) - start - 2)
    bottom = min(len(window), px(row.bottom) - start + 2)
    window[top:bottom, left:right] |= 128  # the same colours, highlighted
    edge = FRAME_PX
    for frame in (window[top:top + edge, left:right], window[bottom - edge:bottom, left:right],
                  window[top:bottom, left:left + edge], window[top:bottom, right - edge:right]):
        frame[...] = 255
    if start > header_end:  # the column headers above the window, a grey line between
        window = np.vstack([table_pixels[:header_end],
                            np.full((SEPARATOR_PX, width), 127, dtype=np.uint8), window])
    image = Image.fromarray(window, mode="P")
    image.putpalette(palette)
    return image


def _save(image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    image.save(partial, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    os.replace(partial, path)  # a reader sees no picture or the whole one
