"""Section and area titles: the heading text printed above each KPI table.

Rules (what makes a line a heading, and which heading is the section or the area):

* Only lines printed above a table, between it and the previous table that shares its
  columns of the page, count, and only the parts of them that lie over the table's width:
  a line is cut where its words leave a wide gap, so two side-by-side tables each get
  the subtitle printed over them (and a heading spanning both applies to both).
* Never a heading: running headers and footers (a line repeated, digits aside, on most
  pages), page-number lines, prose (ends like a sentence, or too long), OCR debris (no
  word of three letters, or text starting with a lowercase fragment), and the document
  title: page 1's text equal to the PDF's Title, or, above page 1's first table, a
  largest heading whose size and font never return on a later page.
* Numbered headings say their level: ``3`` / ``3.`` is a section, ``3.2`` an area (a new
  section clears the area). Without numbering the level comes from the style (size,
  font): a section heading followed by an area heading teaches both styles, and a lone
  heading later is an area or a section by the style it matches (``HeadingState``).
* Headings left at the bottom of a page with no table under them apply to the first
  table of the next page, ahead of any heading printed above that table.
* A table with no heading above it continues the section and area in force.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .text import Line

# A heading is short and does not read like a sentence of prose.
MAX_HEADING_LINES = 5
MAX_HEADING_WORDS = 40
PROSE_ENDINGS = (".", ";", ":", ",")
# Fraction of the page height where a page title sits.
TITLE_BAND = 0.15
# A gap between words wider than this many font sizes splits a line (side-by-side titles).
COLUMN_GAP = 2.0
# "3 Servizi", "3. Servizi", "3.2 Area ..." (one or two digits a level: not a year).
NUMBERING = re.compile(r"(\d{1,2}(?:\.\d{1,2})*)\.?\s+\S")
# A heading has a real word; OCR debris ("E", "ra Obiettivi") has none or starts mid-word.
REAL_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass
class HeadingBlock:
    text: str
    size: float
    top: float
    font: str = ""

    def has_style(self, style: tuple[float, str] | None) -> bool:
        return style is not None and abs(self.size - style[0]) < 0.5 and self.font == style[1]

    @property
    def style(self) -> tuple[float, str]:
        return (round(self.size, 1), self.font)

    @property
    def level(self) -> int | None:
        """1 for a numbered section (``3``), 2 or more for an area (``3.2``); None unnumbered."""
        match = NUMBERING.match(self.text)
        return match.group(1).count(".") + 1 if match else None


def split_columns(lines: list[Line]) -> list[Line]:
    """Cut each line where its words leave a gap wider than COLUMN_GAP font sizes."""
    parts = []
    for line in lines:
        current = [line.words[0]]
        for prev, word in zip(line.words, line.words[1:], strict=False):
            if word["x0"] - prev["x1"] > COLUMN_GAP * line.size:
                parts.append(Line(current))
                current = []
            current.append(word)
        parts.append(Line(current))
    return parts


def over(lines: list[Line], x0: float, x1: float) -> list[Line]:
    """The lines (parts of lines) that lie over the horizontal span [x0, x1]."""
    return [ln for ln in lines if ln.x0 < x1 - 1 and ln.x1 > x0 + 1]


def is_debris(text: str) -> bool:
    return not REAL_WORD.search(text) or text[0].islower()


def blocks_from_lines(lines: list[Line]) -> list[HeadingBlock]:
    """Group consecutive lines of the same style into blocks; keep heading-like ones."""
    groups: list[list[Line]] = []
    for line in lines:
        if groups:
            prev = groups[-1][-1]
            gap = line.top - prev.bottom
            same_style = abs(line.size - prev.size) < 1.0 and line.font == prev.font
            # Parts of one printed line side by side are separate blocks.
            if same_style and -0.3 * prev.size < gap < 0.8 * prev.size:
                groups[-1].append(line)
                continue
        groups.append([line])
    blocks = []
    for group in groups:
        text = " ".join(ln.text for ln in group).strip()
        if not text or len(group) > MAX_HEADING_LINES or len(text.split()) > MAX_HEADING_WORDS:
            continue
        if text.endswith(PROSE_ENDINGS) or is_debris(text):
            continue
        blocks.append(HeadingBlock(text=text, size=max(ln.size for ln in group),
                                   top=group[0].top, font=group[0].font))
    return blocks


def running_lines(page_line_texts: list[list[str]], min_pages: int = 3) -> set[str]:
    """Lines repeated on most pages (running headers): never a section title."""
    if len(page_line_texts) < min_pages:
        return set()
    counts = Counter(
        key for texts in page_line_texts for key in {_digitless(t) for t in texts}
    )
    threshold = max(min_pages, int(0.6 * len(page_line_texts)))
    return {key for key, n in counts.items() if n >= threshold}


def _digitless(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip())


def is_running(text: str, running: set[str]) -> bool:
    return _digitless(text) in running


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def document_titles(first_page: list[HeadingBlock], later: list[HeadingBlock],
                    metadata_title: str) -> set[str]:
    """Texts above page 1's first table that are the document's title, not a heading."""
    titles = {b.text for b in first_page if metadata_title and _same_text(b.text, metadata_title)}
    rest = [b for b in first_page if b.text not in titles]
    if len(rest) >= 3:  # title, section, area: the title is the largest, never seen again
        largest = max(rest, key=lambda b: b.size)
        unique = all(b.size < largest.size - 0.5 for b in rest if b is not largest)
        if unique and all(b.style != largest.style for b in later):
            titles.add(largest.text)
    return titles


@dataclass
class HeadingState:
    """Section/area in force, carried from table to table through the document.

    A section heading followed by an area heading teaches their styles (size, font);
    a lone heading later is an area or a section by the style it matches.
    """

    section: str = ""
    area: str = ""
    section_style: tuple[float, str] | None = None
    area_style: tuple[float, str] | None = None

    def update(self, blocks: list[HeadingBlock], first_on_page: bool, page_height: float) -> None:
        numbered = [b for b in blocks if b.level is not None]
        if numbered:
            self._numbered(numbered)
        elif len(blocks) >= 2:
            self.section, self.area = blocks[-2].text, blocks[-1].text
            self.section_style = (blocks[-2].size, blocks[-2].font)
            self.area_style = (blocks[-1].size, blocks[-1].font)
        elif len(blocks) == 1:
            block = blocks[0]
            if self._is_area(block, first_on_page, page_height):
                self.area, self.area_style = block.text, (block.size, block.font)
            else:
                self.section, self.area = block.text, ""
                self.section_style = (block.size, block.font)
        # No heading at all: a continuation, keep what is in force.

    def _numbered(self, blocks: list[HeadingBlock]) -> None:
        for block in blocks:
            if block.level == 1:
                self.section, self.area = block.text, ""
                self.section_style = (block.size, block.font)
            else:
                self.area, self.area_style = block.text, (block.size, block.font)

    def is_heading_style(self, block: HeadingBlock) -> bool:
        return (block.level is not None or block.has_style(self.section_style)
                or block.has_style(self.area_style))

    def _is_area(self, block: HeadingBlock, first_on_page: bool, page_height: float) -> bool:
        if block.has_style(self.area_style) and not block.has_style(self.section_style):
            return True
        if block.has_style(self.section_style):
            return False
        # A lone heading opening the page is its title, unless it is a smaller
        # sub-heading printed lower down (portrait documents with plain-text titles).
        subheading = (
            self.section_style is not None
            and block.size < self.section_style[0] - 1.0
            and block.top > TITLE_BAND * page_height
        )
        return not first_on_page or subheading
