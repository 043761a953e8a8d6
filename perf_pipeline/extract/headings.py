"""Section and area titles: the heading text printed above each KPI table."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .text import Line

# A heading is short and does not read like a sentence of prose.
MAX_HEADING_LINES = 3
MAX_HEADING_WORDS = 40
PROSE_ENDINGS = (".", ";", ":", ",")
# Fraction of the page height where a page title sits.
TITLE_BAND = 0.15


@dataclass
class HeadingBlock:
    text: str
    size: float
    top: float


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
                                   top=group[0].top))
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
    """Section/area in force, carried from table to table through the document."""

    section: str = ""
    area: str = ""
    section_size: float = 0.0

    def update(self, blocks: list[HeadingBlock], first_on_page: bool, page_height: float) -> None:
        if len(blocks) >= 2:
            self.section, self.section_size = blocks[0].text, blocks[0].size
            self.area = blocks[-1].text
        elif len(blocks) == 1:
            block = blocks[0]
            # A lone heading opening the page is its title, unless it is a smaller
            # sub-heading printed lower down (portrait documents with plain-text titles).
            subheading = (
                self.section_size
                and block.size < self.section_size - 1.0
                and block.top > TITLE_BAND * page_height
            )
            if first_on_page and not subheading:
                self.section, self.section_size, self.area = block.text, block.size, ""
            else:
                self.area = block.text
        # No heading at all: a continuation, keep what is in force.
