"""OCR for pages without a text layer: which pages need it, and their words for the
text-layer path (PageReader).

A scanned page is turned into what pdfplumber gives for a native one: word dicts in
PDF points and, for every ruled table, the boxes of its cells. The grid, column and
row code of the text-layer path then runs unchanged on them. The image analysis
(OpenCV, Tesseract) is ocr_image.py, imported only when a page needs it.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass, field

from .grid import BBox, Grid, grid_from_cell_boxes
from .limits import Budget

LANGUAGE = "ita"
TESSERACT = "tesseract"
INSTALL_HINT = "OCR needs tesseract-ocr + tesseract-ocr-ita"


class OcrUnavailable(Exception):
    """Tesseract or its Italian model is not installed."""


@dataclass
class ScannedPage:
    """A page read from its image: words and ruled tables in PDF points."""

    words: list[dict]
    tables: list[list[BBox]]
    skew: float
    seconds: float

    def grids(self) -> list[Grid]:
        return [g for g in map(grid_from_cell_boxes, self.tables) if g is not None]


@dataclass
class PageReader:
    """The words of each page of a report: its text layer, or OCR when it is a scan."""

    budget: Budget
    missing: list[int] = field(default_factory=list)  # scanned pages left unread
    problem: str = ""  # why they were left unread
    ocr_pages: int = 0
    ocr_seconds: float = 0.0

    def read(self, page) -> tuple[list[dict], ScannedPage | None]:
        """Words of a page and, for a scan, what OCR found (else None)."""
        self.budget.next_page(page.page_number)
        words = page.extract_words(extra_attrs=["size", "fontname"])
        if words or not needs_ocr(page):
            return words, None
        from .ocr_image import ocr_page  # OpenCV loads only for scans

        try:
            scanned = ocr_page(page, timeout=max(self.budget.remaining(), 1.0))
        except subprocess.TimeoutExpired:
            raise self.budget.timeout() from None
        except OcrUnavailable as exc:
            self.missing.append(page.page_number)
            self.problem = str(exc)
            return words, None
        self.ocr_pages += 1
        self.ocr_seconds += scanned.seconds
        return scanned.words, scanned

    @property
    def warnings(self) -> list[str]:
        if not self.missing:
            return []
        pages = ", ".join(map(str, self.missing))
        which = f"page {pages} has" if len(self.missing) == 1 else f"pages {pages} have"
        return [f"{which} no text layer; {self.problem}"]


def needs_ocr(page) -> bool:
    """A page with pictures and no character at all is a scan."""
    return not page.chars and bool(page.images)


@functools.cache
def missing_tesseract() -> str | None:
    """Why OCR cannot run here, or None when it can."""
    if shutil.which(TESSERACT) is None:
        return f"{INSTALL_HINT}, not installed"
    try:
        listed = subprocess.run(
            [TESSERACT, "--list-langs"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{INSTALL_HINT}; tesseract does not run ({exc})"
    if LANGUAGE not in listed.stdout.split():
        return f"{INSTALL_HINT}; the '{LANGUAGE}' model is not installed"
    return None


def row_confidence(grid: Grid, row: int) -> float | None:
    """Mean OCR confidence (0..1) of the words in the cells of one grid row."""
    cells = {id(c): c for c in grid.positions[row] if c is not None}.values()
    scores = [w["confidence"] for c in cells for w in c.words if "confidence" in w]
    return round(sum(scores) / len(scores), 4) if scores else None
