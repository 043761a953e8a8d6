"""Section and area titles: the heading text printed above each KPI table."""

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


@dataclass
class HeadingBlock:
    text: str
    size: float
    top: float
    font: str = ""

    def has_style(self, style: tuple[float, str] | None) -> bool:
        return style is not None and abs(self.size - style[0]) < 0.5 and self.font == style[1]


def blocks_from_lines(lines: list[Line]) -> list[HeadingBlock]:
    """Group consecutive lines of the same style into blocks; keep heading-like ones."""
    groups: list[list[Line]] = []
    for line in lines:
        if groups:
            prev = groups[-1][-1]
            gap = line.top - prev.bottom
            same_style = abs(line.size - prev.size) < 1.0 and line.font == prev.font
            if same_style and gap < 0.8 * prev.size:
                groups[-1].append(line)
                continue
        groups.append([line])
    blocks = []
    for group in groups:
        text = " ".join(ln.text for ln in group).strip()
        if not text or len(group) > MAX_HEADING_LINES or len(text.split()) > MAX_HEADING_WORDS:
            continue
        if text.endswith(PROSE_ENDINGS):
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
        if len(blocks) >= 2:
            self.section, self.area = blocks[0].text, blocks[-1].text
            self.section_style = (blocks[0].size, blocks[0].font)
            self.area_style = (blocks[-1].size, blocks[-1].font)
        elif len(blocks) == 1:
            block = blocks[0]
            if self._is_area(block, first_on_page, page_height):
                self.area, self.area_style = block.text, (block.size, block.font)
            else:
                self.section, self.area = block.text, ""
                self.section_style = (block.size, block.font)
        # No heading at all: a continuation, keep what is in force.

    def is_heading_style(self, block: HeadingBlock) -> bool:
        return block.has_style(self.section_style) or block.has_style(self.area_style)

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
