"""Find KPI tables that have no vertical rulings, and tables continued on the next page.

pdfplumber's ruling-line finder needs vertical and horizontal rules. Reports printed from
a browser or a word processor often rule a table with horizontal lines only: under the
header and under each row. Such a table is found from its header instead: a band of
header labels from the KPI vocabulary sitting on a horizontal rule.

- Side by side: every wide piece of a rule may carry a header, so two tables printed
  side by side (their rules at one height, a gutter between the pieces) are two tables,
  each over its own piece's width. A table's rows go down to the next header under it,
  not one beside it, and the pieces of a rule lying wholly beside a table, past a gap,
  are its neighbour's rule, not one that stops this table's rows.
  Tables side by side under rules that run across both (one word-processor table with
  a blank column between them) share one header band: where its labels so far make a
  whole KPI header (a KPI and two values) and an objective or KPI label starts another
  whole one, each is a table of its own, split in the white gutter between them that
  no text of the rows crosses (a river, like any column boundary).

- Columns: one per header label. The boundary between two columns lies in the white
  "river" between their labels that no text of the table crosses; a band of text that
  would close a river (prose, a heading across the page) is not part of the table.
  Where a vertical rule or the end of a rule lies in the river, the boundary is there.
- Rows: the horizontal rules below the header (the last row may have none under it).
  An empty band no taller than ``WHITE_GAP`` is the white gap between two row fills
  (stripes with gaps; a header bar), or between the row rules of two tables side by
  side under one header rule: it is passed over, not a row, and the row under it
  starts at both rules (each covers its own table's columns).
  A rule that skips a column leaves that column's cell merged with the one above (an
  objective spanning several KPI rows).
- A two-level column (a parent KPI over its sub-KPIs, under one header label): a row
  rule that starts or ends inside a column, with no word of the rows beside it across,
  marks the boundary of its sub-columns. The rules under the sub-KPIs skip the parent's
  sub-column, so the parent is one cell over their rows and each row's KPI is
  "parent: sub-KPI" (rows.py); a row whose text lies across the boundary (a KPI without
  sub-KPIs) has one cell over both sub-columns.
- A header wider than the ruled table found under it means the ruling missed columns
  (inner vertical rules only): the header's table replaces it.
- A header with no rows under it is kept (its rows are on the next page), and rows at
  the top of a page are rebuilt with the previous page's columns
  (``PageTables.continuation``); document.py decides whether they continue a table.

Every table found here is still checked by ``map_columns``, like any other.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property
from statistics import median

from pdfplumber.utils import extract_words

from .columns import ColumnMap, classify_label, map_columns, map_header, normalise_label
from .grid import BBox, Grid, grid_from_cell_boxes
from .text import fill_cell_texts, group_lines

# Column edges of one table on two pages (or two strategies) differ by less than this.
ALIGN_TOLERANCE = 3.0
# Shorter horizontal edges are underlines or glyph parts, not table rules.
RULE_MIN_WIDTH = 10.0
# Edges this close are one rule (the two sides of a thin filled rectangle).
LEVEL_TOLERANCE = 1.5
# A header rule is at least this share of the page width.
HEADER_RULE_SHARE = 0.2
MAX_HEADER_LINES = 4
# How far above its rule a header's text may start (four lines of large type).
HEADER_WINDOW = 90.0
# A rule covering this share of the table's width is a row boundary...
ROW_RULE_COVER = 0.4
# ...and separates two rows in each column it covers at least this much of.
CELL_RULE_COVER = 0.5
# Rules closer than this enclose no row (a thick border drawn as two edges).
MIN_ROW_HEIGHT = 3.0
# A sub-column of a two-level column is at least this many ems wide.
SUB_COLUMN_MIN = 2.0
# An empty band up to this tall between two rules is the white gap between two row
# fills, not a row (a row holds at least a line of text and its padding).
WHITE_GAP = 8.0
# Text larger than the header by this much is a heading, not a table row.
HEADING_SIZE_STEP = 1.5
# Cheap pre-check before a band above a rule is looked at closely.
HEADER_WORDS = re.compile(
    r"\b(kpi|indicator[ei]|target|risultat[oi]|raggiunt[oa]|raggiungimento|valore|"
    r"obiettiv[oi]|atteso|consuntivo|punteggio|realizzato|conseguito)\b"
)

Span = tuple[float, float]


@dataclass
class Level:
    """One horizontal rule (all edges at the same height), as covered x-spans."""

    y: float
    spans: list[Span]

    @property
    def x0(self) -> float:
        return self.spans[0][0]

    @property
    def x1(self) -> float:
        return self.spans[-1][1]

    def cover(self, x0: float, x1: float) -> float:
        """Share of [x0, x1] this rule covers."""
        if x1 <= x0:
            return 0.0
        covered = sum(max(0.0, min(b, x1) - max(a, x0)) for a, b in self.spans)
        return covered / (x1 - x0)


def _union(spans: list[Span], gap: float = 1.0) -> list[Span]:
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def horizontal_levels(page) -> list[Level]:
    """The page's horizontal rules (lines, thin rectangles, edges of fills), top-down."""
    edges = sorted(
        (e for e in page.horizontal_edges if e["x1"] - e["x0"] >= RULE_MIN_WIDTH),
        key=lambda e: e["top"],
    )
    groups: list[list[dict]] = []
    for e in edges:
        if groups and e["top"] - groups[-1][0]["top"] <= LEVEL_TOLERANCE:
            groups[-1].append(e)
        else:
            groups.append([e])
    return [
        Level(y=sum(e["top"] for e in g) / len(g), spans=_union([(e["x0"], e["x1"]) for e in g]))
        for g in groups
    ]


@dataclass
class Label:
    """One header cell: its text (top-down) and horizontal extent."""

    text: str
    x0: float
    x1: float


@dataclass
class Header:
    top: float  # table top: the rule above the header, or its text
    bottom: float  # the rule under the header
    x0: float
    x1: float
    labels: list[Label]
    size: float  # text size of the header


@dataclass
class FoundTable:
    grid: Grid
    mapping: ColumnMap
    size: float  # body text size
    # Where each column boundary may lie (the white between columns): what a
    # continuation on the next page must keep free.
    rivers: list[list[Span]]
    # Found from its text alone, or one row with no rule under it (unruled.py): its
    # continuation may be found from text alone too.
    unruled: bool = False


def rivers_of(grid: Grid) -> list[list[Span]]:
    """Rivers of a ruled grid: its column rules."""
    return [[(e - 1.0, e + 1.0)] for e in grid.col_edges[1:-1]]


def text_size(grid: Grid) -> float:
    sizes = [w.get("size", 0.0) for cell in grid.cells for w in cell.words]
    return median(sizes) if sizes else 10.0


def edges_align(edges: list[float], reference: list[float], tol: float = ALIGN_TOLERANCE) -> bool:
    """Same outer edges, and every column boundary is one of the reference's."""
    if abs(edges[0] - reference[0]) > tol or abs(edges[-1] - reference[-1]) > tol:
        return False
    return all(any(abs(e - r) <= tol for r in reference) for e in edges)


def _middle(w: dict) -> float:
    return (w["top"] + w["bottom"]) / 2


class _ByMiddle:
    """A page's words or chars by height, to take the ones whose centre lies in a box
    quickly (in their page order)."""

    def __init__(self, objects: list[dict]):
        self.objects = objects
        self.order = sorted(range(len(objects)), key=lambda i: _middle(objects[i]))
        self.middles = [_middle(objects[i]) for i in self.order]

    def within(self, x0: float, x1: float, top: float, bottom: float) -> list[dict]:
        lo, hi = bisect_left(self.middles, top), bisect_right(self.middles, bottom)
        objects = self.objects
        return [objects[i] for i in sorted(self.order[lo:hi])
                if x0 <= (objects[i]["x0"] + objects[i]["x1"]) / 2 <= x1]


class PageTables:
    """Rule-and-header based table finding on one page."""

    def __init__(self, page, words: list[dict]):
        self.page = page
        self.words = words
        self.index = _ByMiddle(words)
        self.levels = horizontal_levels(page)
        self.verticals = [(e["x0"], e["top"], e["bottom"]) for e in page.vertical_edges]

    @cached_property
    def chars(self) -> _ByMiddle:
        """The page's chars, for header labels (most pages ask for none)."""
        return _ByMiddle(self.page.chars)

    def hints(self, top: float, bottom: float) -> list[float]:
        """Where a column boundary between ``top`` and ``bottom`` probably is: on a
        vertical rule, or at the end of a rule that skips a merged cell."""
        return sorted(
            {x for x, t, b in self.verticals if t < bottom - 1 and b > top + 1}
            | {x for lv in self.levels if top - 1 <= lv.y <= bottom + 1
               for span in lv.spans for x in span}
        )

    # -- headers ---------------------------------------------------------------------

    def headers(self, taken: list[BBox]) -> list[Header]:
        """Header bands sitting on a rule, outside (or wider than) the tables found.

        Each wide piece of a rule may carry a header: two tables side by side have
        their header rules at one height, a gutter apart (the longest piece first, so
        a rule broken under one table keeps its table)."""
        found: list[Header] = []
        min_width = HEADER_RULE_SHARE * float(self.page.width)
        for i, level in enumerate(self.levels):
            pieces = sorted((s for s in level.spans if s[1] - s[0] >= min_width),
                            key=lambda s: s[0] - s[1])
            for x0, x1 in pieces:
                if any(_inside(level.y, x0, x1, b) for b in taken):
                    continue
                last = next((h for h in reversed(found) if h.x0 < x1 and h.x1 > x0), None)
                if last is not None and (level.y <= last.bottom + 1 or self._white_gap(
                        last.bottom, level.y, last.x0, last.x1)):
                    continue
                header = self._header_on(i, x0, x1)
                if header is not None:
                    found.append(header)
        return found

    def _white_gap(self, top: float, bottom: float, x0: float, x1: float) -> bool:
        """Whether [top, bottom] is the empty white between two fills, not a row."""
        return bottom - top <= WHITE_GAP and not self.index.within(x0, x1, top, bottom)

    def _header_on(self, i: int, x0: float, x1: float) -> Header | None:
        level = self.levels[i]
        ceiling = next(
            (up.y for up in reversed(self.levels[:i])
             if level.y - up.y >= MIN_ROW_HEIGHT and up.cover(x0, x1) >= ROW_RULE_COVER),
            None,
        )
        window_top = max(ceiling or 0.0, level.y - HEADER_WINDOW)
        above = [
            w for w in self.index.within(x0, x1, window_top, level.y)
            if w["bottom"] <= level.y + 1
        ]
        if not above:
            return None
        lines = group_lines(above)[::-1]  # bottom-up
        size = lines[0].size
        if level.y - lines[0].bottom > 2 * size + 4:
            return None
        band = [lines[0]]
        for line in lines[1:]:
            if len(band) == MAX_HEADER_LINES:
                break
            if band[-1].top - line.bottom >= 0.9 * size or abs(line.size - size) >= 1.0:
                break
            band.append(line)
        text = normalise_label(" ".join(ln.text for ln in band))
        if len(HEADER_WORDS.findall(text)) < 3:
            return None
        # Widest band first: a two-line label must not lose its first line.
        for k in range(len(band), 0, -1):
            top = min(ln.top for ln in band[:k])
            labels = self._labels(x0, x1, top, level.y)
            if _kpi_header([classify_label(lb.text) for lb in labels]):
                # The rule above is the table's top only if it is the header's own.
                near = ceiling is not None and top - ceiling <= size
                table_top = ceiling if near else top - 1
                return Header(table_top, level.y, x0, x1, labels, size)
        return None

    def _labels(self, x0: float, x1: float, top: float, bottom: float) -> list[Label]:
        """Header phrases clustered into cells: stacked lines of one cell overlap in x."""
        chars = self.chars.within(x0, x1, top - 1, bottom)
        if any(c["text"] == " " for c in chars):
            # Keeping blank chars makes "Target Raggiunto" one phrase; cells are apart.
            phrases = extract_words(chars, keep_blank_chars=True)
        else:
            phrases = _join_words(extract_words(chars, x_tolerance=1))
        cells: list[list[dict]] = []
        for ph in sorted(phrases, key=lambda p: p["x0"]):
            for cell in cells:
                if any(_overlap(ph, other) and not _same_line(ph, other) for other in cell):
                    cell.append(ph)
                    break
            else:
                cells.append([ph])
        labels = [
            Label(" ".join(p["text"].strip() for p in sorted(c, key=lambda p: (p["top"], p["x0"]))),
                  min(p["x0"] for p in c), max(p["x1"] for p in c))
            for c in cells
        ]
        return sorted(labels, key=lambda lb: lb.x0)

    # -- tables ----------------------------------------------------------------------

    def kpi_tables(self, taken: list[BBox]) -> list[FoundTable]:
        headers = self.headers(taken)
        tables = []
        for i, header in enumerate(headers):
            # Rows go down to the next header under this one (not one beside it).
            stop = min((h.top for h in headers[i + 1:]
                        if h.top > header.bottom and h.x0 < header.x1 and h.x1 > header.x0),
                       default=float(self.page.height))
            rivers = _initial_rivers(header.labels)
            if not all(rivers):  # labels that touch: no column boundary to find
                continue
            bands = self._bands(header.bottom, header.x0, header.x1, rivers, header.size, stop)
            end = bands[-1][1] if bands else header.bottom
            edges = _edges(header.x0, header.x1, rivers, self.hints(header.top, end))
            # Rows found with every river open: a gutter between two headers is white
            # down the whole table, and each side is a table of its own.
            for a, b in _side_by_side(header.labels):
                table = self._table(header, bands, edges[a:b + 1], rivers[a:b - 1])
                if table is not None:
                    tables.append(table)
        return tables

    def _table(self, header: Header, bands, edges: list[float],
               rivers: list[list[Span]]) -> FoundTable | None:
        boxes = [(edges[c], header.top, edges[c + 1], header.bottom)
                 for c in range(len(edges) - 1)]
        inner = self._sub_columns(bands, edges, header.size)
        boxes += self._spanning(_body_boxes(bands, sorted(edges + inner)), bands, inner)
        grid = grid_from_cell_boxes(boxes)
        if grid is None:
            return None
        fill_cell_texts(grid, self.words)
        # A header without rows under it: its rows are on the next page.
        mapping = map_columns(grid) if bands else map_header(grid)
        return None if mapping is None else FoundTable(grid, mapping, header.size, rivers)

    def _sub_columns(self, bands, edges: list[float], size: float) -> list[float]:
        """Inner boundaries of two-level columns (a parent KPI over its sub-KPIs): where
        a row rule starts or ends inside a column, skipping the parent's sub-column,
        and no word of the two rows beside it lies across."""
        inner: list[float] = []
        for k in range(1, len(bands)):
            rule = bands[k][2]
            if rule is None:
                continue
            for x in {x for span in rule.spans for x in span}:
                c = bisect_right(edges, x) - 1
                if not (0 <= c < len(edges) - 1
                        and edges[c] + SUB_COLUMN_MIN * size < x
                        < edges[c + 1] - SUB_COLUMN_MIN * size):
                    continue
                beside = self.index.within(edges[c], edges[c + 1], bands[k - 1][0],
                                           bands[k][1])
                if any(w["x0"] < x < w["x1"] for w in beside):
                    continue
                if all(abs(x - other) > ALIGN_TOLERANCE for other in inner):
                    inner.append(x)
        return sorted(inner)

    def _spanning(self, boxes: list[BBox], bands, inner: list[float]) -> list[BBox]:
        """A row whose text lies across a sub-column boundary has one cell over both
        sub-columns (a KPI without sub-KPIs, beside others that have them)."""
        for x in inner:
            for top, bottom, _ in bands:
                left = next((b for b in boxes if b[2] == x and b[1] == top and b[3] == bottom),
                            None)
                right = next((b for b in boxes if b[0] == x and b[1] == top and b[3] == bottom),
                             None)
                if left is None or right is None:
                    continue
                words = self.index.within(left[0], right[2], top, bottom)
                if any(w["x0"] < x < w["x1"] for w in words):
                    boxes = [b for b in boxes if b is not left and b is not right]
                    boxes.append((left[0], top, right[2], bottom))
        return boxes

    def continuation(self, x0: float, x1: float, rivers: list[list[Span]], size: float,
                     bottom: float) -> tuple[Grid, list[list[Span]]] | None:
        """Rows above ``bottom`` that fit the columns (rivers) of the previous page's table."""
        rivers = [list(river) for river in rivers]
        aligned = [lv for lv in self.levels if lv.y <= bottom + 1 and _row_rule(lv, x0, x1)]
        if not aligned:
            return None
        first = aligned[0]
        # The first row may have no rule above it: the text block just over the first rule.
        start = first.y
        lines = group_lines(self.index.within(x0, x1, 0, first.y))[::-1]
        if lines and first.y - lines[0].bottom <= size:
            block = [lines[0]]
            for line in lines[1:]:
                if block[-1].top - line.bottom >= 0.9 * size:
                    break
                block.append(line)
            block_words = [w for ln in block for w in ln.words]
            if _fits(block_words, rivers, size):
                start = min(ln.top for ln in block) - 1
        bands = self._bands(start, x0, x1, rivers, size, bottom)
        if not bands:
            return None
        edges = _edges(x0, x1, rivers, self.hints(start, bands[-1][1]))
        grid = grid_from_cell_boxes(_body_boxes(bands, edges))
        if grid is None:
            return None
        fill_cell_texts(grid, self.words)
        return grid, rivers

    def _bands(self, top: float, x0: float, x1: float, rivers: list[list[Span]], size: float,
               stop: float) -> list[tuple[float, float, Level | None]]:
        """Row bands (top, bottom, rule at the top) under ``top``, while text fits."""
        bands: list[tuple[float, float, Level | None]] = []
        above: Level | None = None
        rules = [lv for lv in self.levels
                 if top + MIN_ROW_HEIGHT <= lv.y <= stop and _row_rule(lv, x0, x1)]
        for level in rules:
            if level.y - top < MIN_ROW_HEIGHT:
                continue
            words = self.index.within(x0, x1, top, level.y)
            if not words and level.y - top <= WHITE_GAP:
                # The white between two row fills (stripes drawn with gaps), or between
                # the rules of two tables side by side: no row, and the row under it
                # starts at both rules.
                if above is not None:
                    level = Level(level.y, _union(above.spans + level.spans))
                top, above = level.y, level
                continue
            if not words or not _fits(words, rivers, size):
                stop = level.y
                break
            bands.append((top, level.y, above))
            top, above = level.y, level
        # The last row may have no rule under it: the text block right below.
        lines = group_lines(self.index.within(x0, x1, top, stop))
        if lines and lines[0].top - top <= self._padding(bands, x0, x1) + 0.5 * size:
            block = [lines[0]]
            for line in lines[1:]:
                if line.top - block[-1].bottom >= 0.8 * size:
                    break
                block.append(line)
            words = [w for ln in block for w in ln.words]
            if _fits(words, rivers, size):
                bands.append((top, max(ln.bottom for ln in block) + 1, above))
        return bands

    def _padding(self, bands, x0: float, x1: float) -> float:
        """Space between a rule and the text of the row under it, from the rows seen."""
        gaps = []
        for top, bottom, _ in bands:
            inside = self.index.within(x0, x1, top, bottom)
            if inside:
                gaps.append(min(w["top"] for w in inside) - top)
        return median(gaps) if gaps else 4.0


def _row_rule(level: Level, x0: float, x1: float) -> bool:
    """A rule between rows of the table spanning [x0, x1]: within it, over most of it,
    and reaching one of its sides (it may skip merged cells, not stop short of both).
    Pieces of the rule wholly beside the table, past a gap, are another table's."""
    tol = ALIGN_TOLERANCE
    spans = [s for s in level.spans if s[1] > x0 - tol and s[0] < x1 + tol]
    return (bool(spans) and spans[0][0] >= x0 - tol and spans[-1][1] <= x1 + tol
            and (abs(spans[0][0] - x0) <= tol or abs(spans[-1][1] - x1) <= tol)
            and level.cover(x0, x1) >= ROW_RULE_COVER)


def _inside(y: float, x0: float, x1: float, box: BBox) -> bool:
    """A rule within a found table (not one wider than it: that table lost columns)."""
    return (box[1] - 1 <= y <= box[3] + 1 and x0 >= box[0] - ALIGN_TOLERANCE
            and x1 <= box[2] + ALIGN_TOLERANCE)


def _overlap(a: dict, b: dict) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0


def _same_line(a: dict, b: dict) -> bool:
    return min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0


def _join_words(words: list[dict]) -> list[dict]:
    """Words into phrases where the PDF has no space glyphs: two words of one label are
    a space apart, less than a character's width; labels of two cells are further."""
    phrases: list[dict] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        prev = phrases[-1] if phrases else None
        if prev is not None and _same_line(prev, w):
            char = (w["x1"] - w["x0"] + prev["x1"] - prev["x0"]) / (
                len(w["text"]) + len(prev["text"]))
            if 0 <= w["x0"] - prev["x1"] <= 1.1 * char:
                phrases[-1] = {**prev, "text": f"{prev['text']} {w['text']}", "x1": w["x1"],
                               "top": min(prev["top"], w["top"]),
                               "bottom": max(prev["bottom"], w["bottom"])}
                continue
        phrases.append(w)
    return phrases


def _kpi_header(names: list[str | None]) -> bool:
    """Column names that make a KPI table's header: a KPI and two of its values."""
    return "kpi" in names and len({"target", "achieved", "score_reported"} & set(names)) >= 2


def _side_by_side(labels: list[Label]) -> list[tuple[int, int]]:
    """Label ranges [a, b) of the tables under one header band: where the labels so far
    make a whole KPI header, an objective or KPI label starts a table beside it, if the
    labels after it make one too."""
    names = [classify_label(lb.text) for lb in labels]
    cuts = [0]
    for j in range(1, len(names)):
        if (names[j] in ("objective", "kpi") and _kpi_header(names[cuts[-1]:j])
                and _kpi_header(names[j:])):
            cuts.append(j)
    return list(zip(cuts, [*cuts[1:], len(names)], strict=True))


def _initial_rivers(labels: list[Label]) -> list[list[Span]]:
    """Between two neighbouring header labels, the white space that divides them."""
    return [[(a.x1, b.x0)] if b.x0 > a.x1 else [] for a, b in zip(labels, labels[1:],
                                                                   strict=False)]


def _fits(words: list[dict], rivers: list[list[Span]], size: float) -> bool:
    """Whether the words leave every river open (and are not heading-sized): the words
    narrow the rivers in place when they fit."""
    if any(w.get("size", size) > size + HEADING_SIZE_STEP for w in words):
        return False
    narrowed = [_subtract(river, words) for river in rivers]
    if any(not river for river in narrowed):
        return False
    rivers[:] = narrowed
    return True


def _subtract(river: list[Span], words: list[dict]) -> list[Span]:
    spans = river
    for w in words:
        nxt: list[Span] = []
        for a, b in spans:
            if w["x1"] <= a or w["x0"] >= b:
                nxt.append((a, b))
                continue
            if w["x0"] > a:
                nxt.append((a, w["x0"]))
            if w["x1"] < b:
                nxt.append((w["x1"], b))
        spans = nxt
    return [s for s in spans if s[1] - s[0] > 0.5]


def _edges(x0: float, x1: float, rivers: list[list[Span]], hints: list[float]) -> list[float]:
    """Column boundaries: in each river's widest part, on a rule's end if one is there."""
    edges = [x0]
    for river in rivers:
        lo, hi = max(river, key=lambda s: s[1] - s[0])
        on_rule = [h for h in hints if lo - 1 <= h <= hi + 1]
        mid = (lo + hi) / 2
        edges.append(min(on_rule, key=lambda h: abs(h - mid)) if on_rule else mid)
    edges.append(x1)
    return edges


def _body_boxes(bands, edges: list[float]) -> list[BBox]:
    """Cell boxes of the body: a column's cell goes on down while rules skip it."""
    boxes: list[BBox] = []
    for c in range(len(edges) - 1):
        left, right = edges[c], edges[c + 1]
        start = None
        for k, (top, bottom, rule) in enumerate(bands):
            separated = k == 0 or (rule is not None and rule.cover(left + 1, right - 1)
                                   >= CELL_RULE_COVER)
            if separated and start is not None:
                boxes.append((left, start, right, top))
            if separated or start is None:
                start = top
            if k == len(bands) - 1:
                boxes.append((left, start, right, bottom))
    return boxes

