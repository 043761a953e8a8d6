"""OCR for pages without a text layer, and for pictures of tables on pages with one:
which pages and pictures need it, and their words for the text-layer path (PageReader).

When OCR runs:

* A page with no character at all and some picture is a scan: all of it is OCR'd.
* On a page with a text layer, a picture is OCR'd (the page's crop to the picture's
  box, see picture_regions) only when it may hold a table (an Excel screenshot pasted
  into a Word report):
  - it is at least MIN_PICTURE (150 x 60 pt) and MIN_PICTURE_SHARE (4 %) of the page;
  - no text-layer character has its centre on the picture's lines, inside it (text
    over a picture is the page's own, already read) or beside it (text flowing
    around a picture is a slide's or a report's illustration; a pasted table is a
    block of the text column, with the text above and below it);
  - a PROBE_DPI rendering of it shows the rules of a grid: at least MIN_RULES[0]
    horizontal and MIN_RULES[1] vertical lines, each a grey step of PROBE_CONTRAST
    along RULE_SPAN (80 %) of the picture's width or height, and no thicker than
    RULE_WIDTH_MAX (as ocr_image's rules). Photos, logos, skylines, floor plans drawn
    with thick walls and charts without gridlines do not pass.
  Only pages with such a picture pay for that test (a few ms of rendering); pages
  without pictures of that size cost nothing extra. The words OCR reads inside the
  picture replace nothing: they join the text-layer words outside it, its ruled
  tables become grids like a scan's, and the page's text-layer tables are still found.
  Rows of a table inside an OCR'd picture are marked ocr=True with a confidence.
  Tables in a picture drawn without rules are not looked for.

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
from typing import TYPE_CHECKING

from .grid import BBox, Grid, grid_from_cell_boxes
from .limits import Budget

if TYPE_CHECKING:
    import numpy as np

LANGUAGE = "ita"
TESSERACT = "tesseract"
INSTALL_HINT = "OCR needs tesseract-ocr + tesseract-ocr-ita"

# A picture on a text page that may hold a table (see the module docstring).
MIN_PICTURE = (150.0, 60.0)  # width, height in points
MIN_PICTURE_SHARE = 0.04  # of the page's area
PROBE_DPI = 144
RULE_WIDTH_MAX = 2.5  # points: thicker strokes (walls of a plan, bars) are not rules
MIN_RULES = (3, 2)  # horizontal, vertical
RULE_SPAN = 0.8  # of the picture: a screenshot of a table is cropped to it
PROBE_CONTRAST = 12  # grey levels, 0..255
RULE_GAP = 2  # pixel rows (columns) of one rule's two edges


class OcrUnavailable(Exception):
    """Tesseract or its Italian model is not installed."""


@dataclass
class ScannedPage:
    """A page read from its image: words and ruled tables in PDF points."""

    words: list[dict]
    tables: list[list[BBox]]
    skew: float
    seconds: float
    # Where OCR read: empty for a whole scanned page, else the pictures of a text page.
    regions: list[BBox] = field(default_factory=list)

    def grids(self) -> list[Grid]:
        return [g for g in map(grid_from_cell_boxes, self.tables) if g is not None]

    def covers(self, bbox: BBox) -> bool:
        """Whether a box (a table read from this page) lies in what OCR read."""
        return not self.regions or any(_center_inside(bbox, r) for r in self.regions)


@dataclass
class PageReader:
    """The words of each page of a report: its text layer, or OCR when it is a scan."""

    budget: Budget
    missing: list[int] = field(default_factory=list)  # scanned pages left unread
    problem: str = ""  # why they were left unread
    pictures: list[int] = field(default_factory=list)  # text pages, table pictures unread
    picture_problem: str = ""
    # OCR seconds by page number: a page read twice (page_workers.py) counts once.
    ocr_by_page: dict[int, float] = field(default_factory=dict)

    @property
    def ocr_pages(self) -> int:
        return len(self.ocr_by_page)

    @property
    def ocr_seconds(self) -> float:
        return sum(self.ocr_by_page.values())

    def merge(self, other: PageReader) -> None:
        """Take in what a reader of other pages of the same report found."""
        self.missing = sorted({*self.missing, *other.missing})
        self.problem = self.problem or other.problem
        self.pictures = sorted({*self.pictures, *other.pictures})
        self.picture_problem = self.picture_problem or other.picture_problem
        self.ocr_by_page.update(other.ocr_by_page)

    def read(self, page) -> tuple[list[dict], ScannedPage | None]:
        """Words of a page and, for a scan or a text page with a picture of a table,
        what OCR found (else None)."""
        self.budget.next_page(page.page_number)
        words = page.extract_words(extra_attrs=["size", "fontname"])
        if words:
            return self._read_pictures(page, words)
        if not needs_ocr(page):
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
        self.ocr_by_page[page.page_number] = scanned.seconds
        return scanned.words, scanned

    def _read_pictures(self, page, words: list[dict]) -> tuple[list[dict], ScannedPage | None]:
        """A text page: its words, plus OCR of the pictures that may hold a table."""
        regions = picture_regions(page)
        if not regions:
            return words, None
        if problem := missing_tesseract():
            self.pictures.append(page.page_number)
            self.picture_problem = problem
            return words, None
        from .ocr_image import ocr_page

        parts = []
        try:
            for region in regions:
                parts.append(ocr_page(page.crop(region),
                                      timeout=max(self.budget.remaining(), 1.0)))
        except subprocess.TimeoutExpired:
            raise self.budget.timeout() from None
        except OcrUnavailable as exc:
            self.pictures.append(page.page_number)
            self.picture_problem = str(exc)
            return words, None
        outside = [w for w in words
                   if not any(_center_inside((w["x0"], w["top"], w["x1"], w["bottom"]), r)
                              for r in regions)]
        scanned = ScannedPage(
            words=outside + [w for part in parts for w in part.words],
            tables=[t for part in parts for t in part.tables],
            skew=0.0,
            seconds=sum(part.seconds for part in parts),
            regions=regions,
        )
        self.ocr_by_page[page.page_number] = scanned.seconds
        return scanned.words, scanned

    @property
    def warnings(self) -> list[str]:
        warnings = []
        if self.missing:
            warnings.append(f"{_pages(self.missing)} no text layer; {self.problem}")
        if self.pictures:
            pictures = "a picture" if len(self.pictures) == 1 else "pictures"
            warnings.append(f"{_pages(self.pictures)} {pictures} that may hold a table; "
                            f"{self.picture_problem}")
        return warnings


def _pages(numbers: list[int]) -> str:
    pages = ", ".join(map(str, numbers))
    return f"page {pages} has" if len(numbers) == 1 else f"pages {pages} have"


def needs_ocr(page) -> bool:
    """A page with pictures and no character at all is a scan."""
    return not page.chars and bool(page.images)


def picture_regions(page) -> list[BBox]:
    """Boxes (PDF points, on the page) of the pictures of a text page that may hold a
    table: large, with no text-layer character inside or beside them, and ruled (see
    the module docstring)."""
    if not page.images:
        return []
    x0, top, x1, bottom = (float(v) for v in page.bbox)
    area = (x1 - x0) * (bottom - top)
    regions: list[BBox] = []
    for image in sorted(page.images, key=lambda i: (i["top"], i["x0"])):
        box = (max(x0, float(image["x0"])), max(top, float(image["top"])),
               min(x1, float(image["x1"])), min(bottom, float(image["bottom"])))
        width, height = box[2] - box[0], box[3] - box[1]
        if width < MIN_PICTURE[0] or height < MIN_PICTURE[1]:
            continue
        if width * height < MIN_PICTURE_SHARE * area:
            continue
        if any(_center_inside(r, box) for r in regions):
            continue  # a picture stacked on one already taken
        if any(box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3] for c in page.chars):
            continue  # text inside it (the page's own), or beside it (an illustration)
        if looks_ruled(_render_gray(page, box, PROBE_DPI)):
            regions.append(box)
    return regions


def looks_ruled(gray: np.ndarray, dpi: int = PROBE_DPI) -> bool:
    """Whether a greyscale picture has the rules of a table: enough horizontal and
    vertical grey steps running across most of it."""
    import numpy as np

    if gray.shape[0] < 3 or gray.shape[1] < 3:
        return False
    pixels = gray.astype(np.int16)
    across = np.abs(np.diff(pixels, axis=0)) > PROBE_CONTRAST  # steps between rows
    down = np.abs(np.diff(pixels, axis=1)) > PROBE_CONTRAST
    widest = round(RULE_WIDTH_MAX * dpi / 72) + 1  # a rule's two edges, in pixels
    rows = _rules(across.mean(axis=1) >= RULE_SPAN, widest)
    columns = _rules(down.mean(axis=0) >= RULE_SPAN, widest)
    return rows >= MIN_RULES[0] and columns >= MIN_RULES[1]


def _rules(flags, widest: int) -> int:
    """Rules among the flagged pixel lines: a run of them (gaps up to RULE_GAP) is one
    rule when it is at most ``widest`` long."""
    count, start, last = 0, None, None
    for i in [*flags.nonzero()[0], None]:
        if i is not None and last is not None and i - last <= RULE_GAP:
            last = i
            continue
        if start is not None and last - start + 1 <= widest:
            count += 1
        start = last = i
    return count


def _render_gray(page, box: BBox, dpi: int) -> np.ndarray:
    """A greyscale rendering of part of a page (PDFium's own page when there is one)."""
    import numpy as np

    pdfium_page = getattr(page, "_pdfium_page", None)
    if pdfium_page is None:
        image = page.crop(box).to_image(resolution=dpi).original.convert("L")
        return np.asarray(image)
    x0, top, x1, bottom = (float(v) for v in page.bbox)
    crop = (box[0] - x0, bottom - box[3], x1 - box[2], box[1] - top)
    bitmap = pdfium_page.render(scale=dpi / 72, crop=crop, grayscale=True)
    pixels = bitmap.to_numpy()
    return pixels[..., 0] if pixels.ndim == 3 else pixels


def _center_inside(box, region) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] <= x <= region[2] and region[1] <= y <= region[3]


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
