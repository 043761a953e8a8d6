"""Find tables drawn as filled cell rectangles, with white gaps and no stroked line.

Keynote, Google Slides and many PowerPoint themes export a table as one filled rectangle
per cell; the page shows through a narrow gap between neighbouring cells and nothing is
stroked. pdfplumber's ruling-line finder sees every rectangle's edges as rules, so a gap
becomes a sliver column (or, once wider than its snapping tolerance, no table at all).
Here the rectangles themselves are the cells:

- Cell candidates: filled, unstroked rectangles at least ``MIN_CELL_SIDE`` on both sides
  (thinner ones are rules drawn as rectangles), covering less than ``MAX_PAGE_SHARE`` of
  the page (a slide background), and not lying behind ``BACKDROP_CELLS`` or more other
  candidates (a table's backdrop, whose colour shows through the gaps).
- Only a page with at least ``MIN_CELLS`` candidates and three header words
  (``finders.HEADER_WORDS``) in its text is looked at, or one where the previous page's
  table may go on: text-only pages and pages of charts pay one pass over their
  rectangles.
- Two candidates are neighbours when a side of one faces a side of the other across a
  gap of at most ``MAX_GAP`` (an overlap of up to ``SNAP`` counts as no gap) and they
  overlap along that side. Chains of neighbours form one table.
- A table with ``MIN_RULES`` or more stroked lines or thin filled rules inside it is left
  to the ruled finders: there the fills are only cell backgrounds under the rules. An
  outline round the table or a single underline under its header is no ruling.
- Boundaries: the facing sides of neighbours and the gap between them are one column
  (or row) boundary, at the gap's middle; every cell side snaps to it. A merged cell is
  a taller or wider rectangle and spans the boundaries it covers.
- A band on top of the table that is not its header (a slide title band one gap above)
  is dropped: up to ``MAX_LEADING_ROWS`` top rows are tried away until the header maps.
- A cluster whose text has fewer than three header words (``finders.HEADER_WORDS``) is
  no KPI table (charts, heat maps): it is not even built into a grid, unless a table of
  the previous page may continue on this one. Every table is still checked by
  ``map_columns``, like any other; a cluster without a KPI header is then returned as
  an other grid (it may continue the previous page's table).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .columns import map_columns, normalise_label
from .finders import HEADER_WORDS, FoundTable, rivers_of, text_size
from .grid import BBox, Grid, grid_from_cell_boxes
from .text import fill_cell_texts

# Cells hold at least one line of text; thinner rectangles are rules.
MIN_CELL_SIDE = 4.0
# A rectangle over this share of the page is a background, not a cell.
MAX_PAGE_SHARE = 0.5
# A rectangle behind this many candidates is the table's backdrop.
BACKDROP_CELLS = 2
# Fewer candidates on a page cannot make a header plus a row of a KPI table.
MIN_CELLS = 4
# Widest white gap between two cells of one table (points): designers leave 0.5 to
# about 8; a wider one separates two tables, or a table from a title band.
MAX_GAP = 9.0
# Sides of one boundary drawn by two cells differ by rounding only.
SNAP = 1.0
# Rules inside a cluster that make it a ruled table (one underline under the header
# does not).
MIN_RULES = 2
# Rows on top of a cluster that may be tried away to reach the header.
MAX_LEADING_ROWS = 2


@dataclass(frozen=True)
class _Box:
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class FilledTables:
    """What the filled-cell finder read on one page."""

    tables: list[FoundTable]
    others: list[Grid]  # clusters without a KPI header


def filled_tables(page, words: list[dict], continuing: bool = False) -> FilledTables:
    """KPI tables drawn as filled cells with gaps, top-down; with ``continuing`` (a
    table on the previous page may go on here) also the clusters without a KPI header."""
    found = FilledTables([], [])
    cells = _cell_candidates(page)
    if len(cells) < MIN_CELLS:
        return found
    page_text = normalise_label(" ".join(w["text"] for w in words))
    if len(HEADER_WORDS.findall(page_text)) < 3 and not continuing:
        return found  # no KPI header on the page, nothing to continue
    rules = _rules(page)
    pairs = _neighbours(cells)
    by_middle = sorted(words, key=_middle)
    middles = [_middle(w) for w in by_middle]
    for cluster in _clusters(len(cells), pairs):
        members = [cells[i] for i in cluster]
        if len(cluster) < MIN_CELLS or _ruled(members, rules):
            continue
        # Cheap before any grid is built: charts and heat maps name no KPI column.
        named = _names_kpi_columns(members, by_middle, middles)
        if not named and not continuing:
            continue
        boxes = _snapped(cells, cluster, pairs)
        grid = grid_from_cell_boxes(boxes)
        if grid is None or grid.n_rows < 2 or grid.n_cols < 2:
            continue
        table = _kpi_table(grid, boxes, words) if named else None
        if table is not None:
            found.tables.append(table)
        elif continuing:
            fill_cell_texts(grid, words)
            found.others.append(grid)
    found.tables.sort(key=lambda t: (t.grid.bbox[1], t.grid.bbox[0]))
    return found


def _middle(word: dict) -> float:
    return (word["top"] + word["bottom"]) / 2


def _names_kpi_columns(members: list[_Box], by_middle: list[dict],
                       middles: list[float]) -> bool:
    """Whether the text on the cluster has the words of a KPI header."""
    x0, x1 = min(b.x0 for b in members), max(b.x1 for b in members)
    lo = bisect_left(middles, min(b.top for b in members))
    hi = bisect_right(middles, max(b.bottom for b in members))
    text = " ".join(w["text"] for w in by_middle[lo:hi] if x0 <= w["x0"] and w["x1"] <= x1)
    return len(HEADER_WORDS.findall(normalise_label(text))) >= 3


def _kpi_table(grid: Grid, boxes: list[BBox], words: list[dict]) -> FoundTable | None:
    for skip in range(min(MAX_LEADING_ROWS, grid.n_rows - 2) + 1):
        if skip:
            below = grid.row_edges[skip] - SNAP
            grid = grid_from_cell_boxes([b for b in boxes if b[1] >= below])
            if grid is None or grid.n_rows < 2:
                return None
        fill_cell_texts(grid, words)
        mapping = map_columns(grid)
        if mapping is not None:
            return FoundTable(grid, mapping, text_size(grid), rivers_of(grid))
    return None


def _cell_candidates(page) -> list[_Box]:
    page_area = float(page.width) * float(page.height)
    boxes = [
        _Box(r["x0"], r["top"], r["x1"], r["bottom"]) for r in page.rects
        if r.get("fill") and not r.get("stroke")
        and r["x1"] - r["x0"] >= MIN_CELL_SIDE and r["bottom"] - r["top"] >= MIN_CELL_SIDE
        and (r["x1"] - r["x0"]) * (r["bottom"] - r["top"]) < MAX_PAGE_SHARE * page_area
    ]
    if len(boxes) < MIN_CELLS:
        return boxes
    unique = sorted(dict.fromkeys(boxes), key=lambda b: b.x0)  # a cell filled twice is one
    x0s = [b.x0 for b in unique]
    return [b for b in unique if sum(
        1 for o in unique[bisect_left(x0s, b.x0 - SNAP):bisect_right(x0s, b.x1)]
        if o is not b and _contains(b, o)) < BACKDROP_CELLS]


def _contains(outer: _Box, inner: _Box) -> bool:
    return (outer.x0 - SNAP <= inner.x0 and inner.x1 <= outer.x1 + SNAP
            and outer.top - SNAP <= inner.top and inner.bottom <= outer.bottom + SNAP)


def _rules(page) -> list[BBox]:
    """Stroked lines and rectangles, and thin filled ones (rules drawn as fills)."""
    rules = [(ln["x0"], ln["top"], ln["x1"], ln["bottom"]) for ln in page.lines]
    for r in page.rects:
        thin = min(r["x1"] - r["x0"], r["bottom"] - r["top"]) < MIN_CELL_SIDE
        if r.get("stroke") or thin:
            rules.append((r["x0"], r["top"], r["x1"], r["bottom"]))
    return rules


def _ruled(cluster: list[_Box], rules: list[BBox]) -> bool:
    """Whether rules run between the cells (an outline or one underline is no ruling)."""
    x0 = min(b.x0 for b in cluster) + SNAP
    top = min(b.top for b in cluster) + SNAP
    x1 = max(b.x1 for b in cluster) - SNAP
    bottom = max(b.bottom for b in cluster) - SNAP
    inside = sum(1 for r in rules if r[0] < x1 and r[2] > x0 and r[1] < bottom and r[3] > top)
    return inside >= MIN_RULES


def _neighbours(cells: list[_Box]) -> list[tuple[int, int, str]]:
    """Pairs (i, j, axis) whose facing sides are a gap apart: j right of or under i."""
    pairs: list[tuple[int, int, str]] = []
    by_x0 = sorted(range(len(cells)), key=lambda i: cells[i].x0)
    x0s = [cells[i].x0 for i in by_x0]
    by_top = sorted(range(len(cells)), key=lambda i: cells[i].top)
    tops = [cells[i].top for i in by_top]
    for i, a in enumerate(cells):
        for j in by_x0[bisect_left(x0s, a.x1 - SNAP):bisect_right(x0s, a.x1 + MAX_GAP)]:
            b = cells[j]
            if j != i and min(a.bottom, b.bottom) - max(a.top, b.top) > SNAP:
                pairs.append((i, j, "x"))
        for j in by_top[bisect_left(tops, a.bottom - SNAP):bisect_right(tops, a.bottom + MAX_GAP)]:
            b = cells[j]
            if j != i and min(a.x1, b.x1) - max(a.x0, b.x0) > SNAP:
                pairs.append((i, j, "y"))
    return pairs


def _clusters(n: int, pairs: list[tuple[int, int, str]]) -> list[list[int]]:
    """Indices of the cells chained by neighbour pairs, one list per table."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in pairs:
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _snapped(cells: list[_Box], cluster: list[int],
             pairs: list[tuple[int, int, str]]) -> list[BBox]:
    """Cell boxes of a cluster with every gap closed: facing sides meet at the gap's
    middle."""
    members = set(cluster)
    gaps: dict[str, list[tuple[float, float]]] = {"x": [], "y": []}
    for i, j, axis in pairs:
        if i not in members:
            continue
        a, b = cells[i], cells[j]
        gap = (a.x1, b.x0) if axis == "x" else (a.bottom, b.top)
        gaps[axis].append((min(gap), max(gap)))
    snap_x, snap_y = _boundaries(gaps["x"]), _boundaries(gaps["y"])
    return [(snap_x(b.x0), snap_y(b.top), snap_x(b.x1), snap_y(b.bottom))
            for b in (cells[i] for i in cluster)]


def _boundaries(gaps: list[tuple[float, float]]):
    """A function moving a side onto the middle of the gap (or gaps, merged) it borders."""
    merged: list[list[float]] = []
    for lo, hi in sorted(gaps):
        if merged and lo <= merged[-1][1] + SNAP:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    lows = [lo for lo, _ in merged]

    def snap(v: float) -> float:
        k = bisect_right(lows, v + SNAP) - 1
        if k >= 0 and v <= merged[k][1] + SNAP:
            return (merged[k][0] + merged[k][1]) / 2
        return v

    return snap
