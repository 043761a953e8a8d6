"""Words to lines, lines to cell text and heading blocks.

A page's words are extracted once and reused for every cell and heading.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .grid import BBox, Grid

# A wrapped line is joined with a space; a line that ends although the next word
# would clearly have fitted is a real line break (a list inside a cell) and is kept.
HARD_BREAK_SLACK = 0.92


@dataclass
class Line:
    words: list[dict]

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    @property
    def x0(self) -> float:
        return min(w["x0"] for w in self.words)

    @property
    def x1(self) -> float:
        return max(w["x1"] for w in self.words)

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w["bottom"] for w in self.words)

    @property
    def size(self) -> float:
        sizes = [w["size"] for w in self.words if "size" in w]
        if len(sizes) < len(self.words):  # a word without a font size: the line's height
            sizes.append(self.bottom - self.top)
        return max(sizes)

    @property
    def font(self) -> str:
        return str(self.words[0].get("fontname", ""))


def group_lines(words: list[dict]) -> list[Line]:
    """Cluster words into lines by vertical overlap, left to right within a line."""
    lines: list[tuple[float, list[float], list[dict]]] = []  # first top, [right], words
    for w in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        height = max(w["bottom"] - w["top"], 1.0)
        for top, right, line in lines:
            if abs(top - w["top"]) < 0.5 * height and w["x0"] >= right[0] - 1:
                line.append(w)
                right[0] = max(right[0], w["x1"])
                break
        else:
            lines.append((w["top"], [w["x1"]], [w]))
    result = [Line(sorted(line, key=lambda w: w["x0"])) for _, _, line in lines]
    return sorted(result, key=lambda ln: (ln.top, ln.x0))


def _center_in(word: dict, bbox: BBox) -> bool:
    cx = (word["x0"] + word["x1"]) / 2
    cy = (word["top"] + word["bottom"]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


def words_in(words: list[dict], bbox: BBox) -> list[dict]:
    return [w for w in words if _center_in(w, bbox)]


def fill_cell_texts(grid: Grid, words: list[dict]) -> None:
    """Give every grid cell its text, joining soft-wrapped lines with a space."""
    by_y = sorted(words, key=lambda w: (w["top"] + w["bottom"]) / 2)
    centers = [(w["top"] + w["bottom"]) / 2 for w in by_y]
    for cell in grid.cells:
        # Only the words whose centre lies in the cell's rows, found by bisection.
        lo, hi = bisect_left(centers, cell.bbox[1]), bisect_right(centers, cell.bbox[3])
        cell.words = words_in(by_y[lo:hi], cell.bbox)
    padding = _cell_padding(grid)
    for cell in grid.cells:
        lines = group_lines(cell.words)
        if not lines:
            cell.text = ""
            continue
        available = (cell.bbox[2] - cell.bbox[0]) - 2 * padding
        parts = [lines[0].text]
        for prev, nxt in zip(lines, lines[1:], strict=False):
            first = nxt.words[0]
            space = _space_width(prev)
            needed = (prev.x1 - prev.x0) + space + (first["x1"] - first["x0"])
            parts.append("\n" if needed < available * HARD_BREAK_SLACK else " ")
            parts.append(nxt.text)
        cell.text = "".join(parts).strip()


def _space_width(line: Line) -> float:
    return 0.25 * line.size


def _cell_padding(grid: Grid) -> float:
    """Inner padding of the table's cells: the smallest left gap to the text."""
    gaps = [
        min(w["x0"] for w in c.words) - c.bbox[0] for c in grid.cells if c.words
    ]
    gaps = [g for g in gaps if g >= 0]
    return min(gaps) if gaps else 0.0


def fold_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
