"""Find KPI tables printed with no ruling lines at all.

A word processor's table with "no borders", or a report laid out on tab stops, has no
rule to find it by: only its text. Such a table is found from its header band, and its
columns and rows from the white space of its body.

- Header: a band of lines (at most ``MAX_HEADER_LINES``, one type size, less than a
  line's gap apart) whose phrases are KPI column labels (``classify_label``): a KPI and
  two of its values, as for the other finders; some line of the band has labels a
  column gap (``MIN_GUTTER``) apart. A line of prose that names KPIs and targets is one
  long phrase, not labels. A header on a filled band with no row rule under it is read
  here too: finders.py reads one row under it (the text block under its last rule),
  and the table found here replaces that one when it has more rows.
- Columns: one per header label; a boundary lies in the white "river" between two
  labels that no line of the body crosses (as in finders.py). The table's left side is
  its first label; its right side the page's right margin (as wide as the left one) or
  its widest body line, the same on every page a table spans.
- Body: the lines under the header while they are table-like. The table ends at a line
  that crosses a river or leaves it narrower than ``MIN_GUTTER`` (prose across the
  gutters, its word spaces narrower than two cells' padding), one in another type size
  than the body's, or in bold under a body that is not (a heading), a gap of more than
  ``END_GAP`` lines or ``WHITE_STEP`` times the white under the header, or the next
  KPI header; a last row with no KPI text is the page foot, and one without any
  value a line of text under the table (unless it is the only row under a header that
  starts its page: the rest of a row split by the page break, as rows.py joins it).
- Rows, from the KPI and value columns (objective and extra columns follow them):
  a line starts a new row where, in a column that already has text in the row, it comes
  after a vertical gap (more than one line pitch: the cells' padding). A table without
  such padding (tab stops) starts a row at each line that has text in every KPI and
  value column, when the row so far has too. A wrapped cell's lines are one pitch apart:
  one cell. The boundary between two rows lies in the widest white band between them.
- Objective cells spanning several KPI rows: its text is printed once, either at the
  top of its first row (the table's cells are set at the top of their rows and every
  objective text starts on a row's first line: each starts a cell there) or centred
  over its rows (each text's cell is the run of rows it is centred on, from the table's
  end upwards). Rows above the first objective text (a cell continued from the
  previous page) are one empty cell: rows.py gives them the previous page's objective.
- A table split over pages: rows at the top of the next page that fit the previous
  page's columns continue it (``continuation``; also after a one-row table or a header
  alone found by finders.py with no rule under it); a repeated header is a table of
  its own that document.py links.
"""

from __future__ import annotations

from bisect import bisect_right
from statistics import median

from .columns import ColumnMap, classify_label, map_columns, map_header, normalise_label
from .finders import (
    HEADER_WORDS,
    MAX_HEADER_LINES,
    FoundTable,
    Label,
    Level,
    PageTables,
    Span,
    _body_boxes,
    _edges,
    _fits,
    _initial_rivers,
    _kpi_header,
)
from .grid import BBox, Grid, grid_from_cell_boxes
from .text import Line, fill_cell_texts, group_lines

# A vertical gap of more than this many text lines ends the table, and so does one
# this many times the white between its header and first row (a row's padding).
END_GAP = 2.5
WHITE_STEP = 2.0
# Two columns' texts are at least this many ems apart (two cells' padding); the spaces
# between the words of a line of prose are narrower.
MIN_GUTTER = 0.7
# Lines of one cell are one pitch apart; a gap wider by this share of the type size is
# the padding between two rows.
GAP_SLACK = 0.25
# A line this close (in points) to a row's first line is top-aligned with it.
TOP_ALIGN = 1.5
ROW_FIELDS = ("kpi", "target", "achieved", "score_reported")


def unruled_tables(finder: PageTables, taken: list[BBox],
                   lines: list[Line] | None = None) -> list[FoundTable]:
    """KPI tables found from a header band outside the tables ``taken`` (``lines``: the
    page's words as lines, if already grouped)."""
    if lines is None:
        lines = group_lines(finder.words)
    # Labels side by side are a column gap apart; a line of prose has word spaces only.
    gapped = [any(b["x0"] - a["x1"] >= MIN_GUTTER * ln.size
                  for a, b in zip(ln.words, ln.words[1:], strict=False)) for ln in lines]
    headers = []
    i = 0
    while i < len(lines):
        found = _header_at(finder, lines, gapped, i, taken)
        if found is None:
            i += 1
            continue
        headers.append(found)
        i = found[1]
    tables = []
    for k, (labels, _, band_bottom, size, top) in enumerate(headers):
        # Rows go down to the next header, or to a table found under this one.
        stop = min([b[1] for b in taken if b[1] > band_bottom]
                   + [h[4] for h in headers[k + 1:k + 2]], default=float(finder.page.height))
        table = _table(finder, labels, top, band_bottom, size, stop)
        if table is not None:
            tables.append(table)
    return tables


def _header_at(finder: PageTables, lines: list[Line], gapped: list[bool], i: int,
               taken: list[BBox]):
    """(labels, index of the first line under the band, band bottom, size, band top)
    of a KPI header band holding line ``i``, if it is one outside the tables found."""
    line = lines[i]
    near = gapped[max(0, i - MAX_HEADER_LINES + 1):i + MAX_HEADER_LINES]
    if not any(near) or not HEADER_WORDS.search(normalise_label(line.text)):
        return None
    if any(b[1] - 1 <= line.top and line.bottom <= b[3] + 1 and line.x0 < b[2]
           and line.x1 > b[0] for b in taken):
        return None
    size = line.size
    a = b = i
    while a > 0 and i - a < MAX_HEADER_LINES - 1 and _stacked(lines[a - 1], lines[a], size):
        a -= 1
    while b + 1 < len(lines) and b - a < MAX_HEADER_LINES - 1 and _stacked(
            lines[b], lines[b + 1], size):
        b += 1
    text = normalise_label(" ".join(ln.text for ln in lines[a:b + 1]))
    if not any(gapped[a:b + 1]) or len(HEADER_WORDS.findall(text)) < 3:
        return None
    width = float(finder.page.width)
    # The band holding line i whose labels name the most columns, the widest of them: a
    # wrapped label keeps all its lines, and a body line under it is not one of them.
    best = None
    for n in range(b - a + 1, 0, -1):
        for start in range(max(a, i - n + 1), min(i, b - n + 1) + 1):
            band = lines[start:start + n]
            top, bottom = min(ln.top for ln in band), max(ln.bottom for ln in band)
            labels = finder._labels(0.0, width, top, bottom)
            names = [classify_label(lb.text) for lb in labels]
            named = sum(1 for name in names if name)
            if _kpi_header(names) and (best is None or named > best[0]):
                best = named, (labels, start + n, bottom, size, top - 1)
    return None if best is None else best[1]


def _stacked(upper: Line, lower: Line, size: float) -> bool:
    return lower.top - upper.bottom < 0.9 * size and abs(lower.size - size) < 1.0


def _table(finder: PageTables, labels: list[Label], top: float, band_bottom: float,
           size: float, stop: float) -> FoundTable | None:
    rivers = _initial_rivers(labels)
    if not all(rivers):
        return None
    x0 = labels[0].x0 - 1
    body = _body_lines(finder, x0, rivers, size, band_bottom, stop)
    edges = _edges(x0, _right_side(finder, x0, labels, body), rivers, [])
    names = [classify_label(lb.text) for lb in labels]
    # The header starts its page: a row under it without values may be the rest of a
    # row split by the page break.
    page_top = not finder.index.within(0.0, float(finder.page.width), 0.0, top)
    grid = _grid(finder, body, edges, names, band_bottom, top, size, page_top) if body else None
    if grid is not None:
        mapping = map_columns(grid)
    else:  # a header without rows under it: its rows are on the next page
        grid = grid_from_cell_boxes([(edges[c], top, edges[c + 1], band_bottom + 1)
                                     for c in range(len(edges) - 1)])
        if grid is None:
            return None
        fill_cell_texts(grid, finder.words)
        mapping = map_header(grid)
    return None if mapping is None else FoundTable(grid, mapping, size, rivers, unruled=True)


def _right_side(finder: PageTables, x0: float, labels: list[Label], body: list[Line]) -> float:
    """The page's right margin (as wide as the left one), or the widest line."""
    widest = max([labels[-1].x1, *(ln.x1 for ln in body)])
    return max(float(finder.page.width) - x0, widest + 1)


def _body_lines(finder: PageTables, x0: float, rivers: list[list[Span]], size: float,
                top: float, stop: float, under_header: bool = True) -> list[Line]:
    """The table-like lines under ``top`` (rivers narrowed by them); the first one right
    under the header, or anywhere at the top of a page."""
    words = finder.index.within(x0 - 1, float(finder.page.width), top, stop)
    body: list[Line] = []
    bottom = top
    first_white = None  # the white between the header and the first row
    for line in group_lines([w for w in words if w["x0"] >= x0 - 2]):
        white = line.top - bottom
        if (body or under_header) and (white > END_GAP * size or (
                first_white and white > WHITE_STEP * first_white + 0.5 * size)):
            break
        if body and (_bold(line) and not all(_bold(ln) for ln in body)
                     or abs(line.size - body[0].size) >= 1.0):
            break
        if under_header and not body:
            first_white = white
        before = [list(river) for river in rivers]
        if not _fits(line.words, rivers, size) or any(
                max(b - a for a, b in river) < MIN_GUTTER * size for river in rivers):
            rivers[:] = before
            break
        body.append(line)
        bottom = max(bottom, line.bottom)
    return body


def _bold(line: Line) -> bool:
    return all("bold" in str(w.get("fontname", "")).lower() for w in line.words)


def _grid(finder: PageTables, body: list[Line], edges: list[float], names: list[str | None],
          band_bottom: float, header_top: float | None, size: float,
          split_rest: bool = False) -> Grid | None:
    """Header cells (when ``header_top`` is given) and body cells of the rows found;
    ``split_rest``: a lone row without values is kept (the rest of a split row)."""
    row_cols = [c for c, name in enumerate(names) if name in ROW_FIELDS]
    objective = next((c for c, name in enumerate(names) if name == "objective"), None)

    def column(w: dict) -> int:
        return min(max(bisect_right(edges, (w["x0"] + w["x1"]) / 2) - 1, 0), len(edges) - 2)

    placed = [[(column(w), w) for w in ln.words] for ln in body]
    rows = _rows(body, placed, row_cols, size, band_bottom)
    # A last row with no KPI text is the page foot (a page number in a value column);
    # one with no value is a line of text under the table, not a row.
    kpi = names.index("kpi")
    values = {c for c in row_cols if c != kpi}
    while rows and not ({kpi} <= {c for k in rows[-1] for c, _ in placed[k]}
                        and values & {c for k in rows[-1] for c, _ in placed[k]}):
        if split_rest and len(rows) == 1:
            break
        rows.pop()
    if not rows:
        return None
    lines = [k for row in rows for k in row]
    body = body[:lines[-1] + 1]
    placed = placed[:len(body)]
    bounds = _row_bounds(body, placed, rows, row_cols, band_bottom)
    starts = _objective_starts(body, placed, rows, bounds, objective, row_cols, size)
    bands = []
    for r in range(len(rows)):
        spans = [(edges[c], edges[c + 1]) for c in range(len(edges) - 1)
                 if c != objective or r in starts]
        bands.append((bounds[r], bounds[r + 1], Level(bounds[r], spans)))
    boxes = _body_boxes(bands, edges)
    if header_top is not None:
        boxes += [(edges[c], header_top, edges[c + 1], bounds[0]) for c in range(len(edges) - 1)]
    grid = grid_from_cell_boxes(boxes)
    if grid is not None:
        fill_cell_texts(grid, finder.words)
    return grid


def _extent(placed_line, cols) -> tuple[float, float] | None:
    """Top and bottom of a line's words in ``cols``."""
    words = [w for c, w in placed_line if c in cols]
    if not words:
        return None
    return min(w["top"] for w in words), max(w["bottom"] for w in words)


def _rows(body: list[Line], placed, row_cols: list[int], size: float,
          top: float) -> list[list[int]]:
    """Line indices of each row (rules in the module docstring)."""
    tops: list[dict[int, float]] = []  # per line: the top of its text in each column
    for k in range(len(body)):
        by_col: dict[int, float] = {}
        for c, w in placed[k]:
            by_col[c] = min(by_col.get(c, w["top"]), w["top"])
        tops.append(by_col)
    last: dict[int, float] = {}
    diffs = []
    for by_col in tops:
        for c, t in by_col.items():
            if c in last:
                diffs.append(t - last[c])
            last[c] = t
    pitch = max(min(diffs), 0.9 * size) if diffs else 1.2 * size
    slack = GAP_SLACK * size
    # Padded cells: some white between two lines (or under the header) is wider than
    # the white between two lines of one cell.
    white = pitch - median(ln.bottom - ln.top for ln in body)
    lowest = top
    padded = False
    for ln in body:
        padded = padded or ln.top - lowest > white + 2 * slack
        lowest = max(lowest, ln.bottom)
    wanted = set(row_cols)
    rows: list[list[int]] = []
    in_row: set[int] = set()
    last = {}
    for k, by_col in enumerate(tops):
        cols = set(by_col) & wanted
        gap = any(c in in_row and by_col[c] - last[c] > pitch + slack for c in cols)
        whole = cols == wanted and in_row >= wanted
        if not rows or gap or (whole and not padded):
            rows.append([])
            in_row = set()
        rows[-1].append(k)
        in_row |= cols
        last.update(by_col)
    return rows


def _row_bounds(body: list[Line], placed, rows: list[list[int]], row_cols: list[int],
                header_bottom: float) -> list[float]:
    """Row boundaries: in the widest white band between two rows' KPI and value text
    (objective or extra text between them may belong to either)."""
    cols = set(row_cols)

    def extents(row: list[int]) -> list[tuple[float, float]]:
        return [e for k in row if (e := _extent(placed[k], cols)) is not None]

    bounds = [(header_bottom + body[0].top) / 2]
    for prev, nxt in zip(rows, rows[1:], strict=False):
        lo = max(b for _, b in extents(prev))
        hi = min(t for t, _ in extents(nxt))
        inside = sorted((ln.top, ln.bottom) for ln in body if ln.bottom > lo and ln.top < hi)
        gaps, y = [], lo
        for t, b in inside:
            if t > y:
                gaps.append((t - y, y, t))
            y = max(y, b)
        if hi > y:
            gaps.append((hi - y, y, hi))
        if gaps:
            # Gaps as wide as each other (centred text between them): the upper one, so
            # a hair's difference in coordinates (engines) does not move the boundary.
            widest = max(width for width, _, _ in gaps)
            _, a, b = next(g for g in gaps if g[0] >= widest - TOP_ALIGN)
            bounds.append((a + b) / 2)
        else:
            bounds.append((lo + hi) / 2)
    whites = [bounds[j] - max(b for _, b in extents(rows[j - 1])) for j in range(1, len(rows))]
    half = median(whites) if whites else 2.0
    bounds.append(max(ln.bottom for ln in body) + max(half, 1.0))
    return bounds


def _row_extent(placed, row: list[int], c: int) -> tuple[float, float] | None:
    extents = [e for k in row if (e := _extent(placed[k], {c})) is not None]
    if not extents:
        return None
    return min(t for t, _ in extents), max(b for _, b in extents)


def _objective_starts(body: list[Line], placed, rows: list[list[int]], bounds: list[float],
                      objective: int | None, row_cols: list[int], size: float) -> set[int]:
    """Rows where a new objective cell starts (rules in the module docstring)."""
    if objective is None:
        return set(range(len(rows)))
    lines = [e for k in range(len(body)) if (e := _extent(placed[k], {objective})) is not None]
    if not lines:
        return {0}
    firsts = [body[row[0]].top for row in rows]

    def row_start(t: float) -> bool:
        return any(abs(f - t) <= TOP_ALIGN for f in firsts)

    texts: list[list[float]] = []  # [top, bottom] of each objective text
    for t, b in lines:
        if texts and t - texts[-1][1] < 0.9 * size:
            texts[-1][1] = b
        else:
            texts.append([t, b])
    # Cells set at the top of their rows: a row's first lines start level in every
    # KPI and value column (centred cells start lower where they are shorter).
    level = all(max(tops) - min(tops) <= TOP_ALIGN for row in rows
                if (tops := [e[0] for c in row_cols
                             if (e := _row_extent(placed, row, c)) is not None]))
    if level and all(row_start(t) for t, _ in texts):  # each starts its first row
        return {0, *(bisect_right(bounds, t) - 1 for t, _ in texts)}
    # Centred: each text's cell ends where the next one's starts (the last at the end).
    starts = {0}
    end = len(rows)
    for t, b in reversed(texts):
        r = min(max(bisect_right(bounds, t) - 1, 0), end - 1)
        centre = (t + b) / 2
        start = min(range(r + 1), key=lambda s: abs((bounds[s] + bounds[end]) / 2 - centre))
        starts.add(start)
        end = max(start, 1)
    return starts


def continuation(finder: PageTables, x0: float, x1: float, rivers: list[list[Span]],
                 size: float, bottom: float, mapping: ColumnMap,
                 edges: list[float]) -> tuple[Grid, list[list[Span]]] | None:
    """Rows at the top of the page that fit the previous page's unruled table."""
    rivers = [list(river) for river in rivers]
    body = [ln for ln in _body_lines(finder, x0 + 1, rivers, size, 0.0, bottom, False)
            if ln.x1 <= x1 + 1]
    if not body:
        return None
    names: list[str | None] = [None] * (len(edges) - 1)
    for name, cols in mapping.fields.items():
        for c in cols:
            names[c] = name
    new_edges = _edges(x0, x1, rivers, [])
    if len(new_edges) != len(edges) or "kpi" not in names:
        return None
    grid = _grid(finder, body, new_edges, names, body[0].top - 2.0, None, size)
    return None if grid is None else (grid, rivers)


def closed_by_rule(finder: PageTables, bbox: BBox, tables: list[BBox]) -> bool:
    """Whether a rule runs under the table's last row (it is ruled, not unruled): not
    the top of a table under it (a header's fill)."""
    return any(abs(lv.y - bbox[3]) <= 2 and lv.cover(bbox[0], bbox[2]) >= 0.5
               and not any(abs(b[1] - lv.y) <= 2 for b in tables) for lv in finder.levels)
