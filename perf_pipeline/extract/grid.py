"""Turn a pdfplumber table into a grid of cells that knows about merged cells.

pdfplumber reports a merged cell once, with its full bounding box, and leaves
``None`` in the positions it covers. For KPI tables we need to know, for every
grid position, *which* cell covers it and whether that is a vertical merge
(an objective spanning several KPI rows: fill it down) or a horizontal one
(a two-level KPI column where the parent spans its children).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

BBox = tuple[float, float, float, float]

# Ruling lines of one visual boundary can differ by a fraction of a point.
EDGE_TOLERANCE = 2.0


@dataclass(eq=False)
class Cell:
    """One printed cell; ``eq=False`` so identity tells merged positions apart."""

    bbox: BBox
    row: int
    col: int
    row_end: int  # exclusive
    col_end: int  # exclusive
    text: str = ""
    words: list[dict] = field(default_factory=list)

    @property
    def rowspan(self) -> int:
        return self.row_end - self.row

    @property
    def colspan(self) -> int:
        return self.col_end - self.col


@dataclass
class Grid:
    bbox: BBox
    row_edges: list[float]
    col_edges: list[float]
    cells: list[Cell]
    # positions[r][c] -> the Cell covering that position (None for a hole)
    positions: list[list[Cell | None]]

    @property
    def n_rows(self) -> int:
        return len(self.row_edges) - 1

    @property
    def n_cols(self) -> int:
        return len(self.col_edges) - 1

    def row_bbox(self, r: int) -> BBox:
        return (self.bbox[0], self.row_edges[r], self.bbox[2], self.row_edges[r + 1])


def _merge_edges(values: list[float]) -> list[float]:
    edges: list[float] = []
    for v in sorted(values):
        if edges and v - edges[-1] <= EDGE_TOLERANCE:
            continue
        edges.append(v)
    return edges


def _edge_index(edges: list[float], v: float) -> int:
    """Index of the edge nearest to ``v`` (the lower one on a tie); edges are sorted."""
    i = bisect_left(edges, v)
    if i == 0:
        return 0
    if i == len(edges) or v - edges[i - 1] <= edges[i] - v:
        return i - 1
    return i


def grid_from_cell_boxes(boxes: list[BBox]) -> Grid | None:
    """Build a grid from cell bounding boxes (any strategy that yields cells)."""
    boxes = [b for b in boxes if b[2] - b[0] > EDGE_TOLERANCE and b[3] - b[1] > EDGE_TOLERANCE]
    if not boxes:
        return None
    col_edges = _merge_edges([b[0] for b in boxes] + [b[2] for b in boxes])
    row_edges = _merge_edges([b[1] for b in boxes] + [b[3] for b in boxes])
    if len(col_edges) < 2 or len(row_edges) < 2:
        return None
    positions: list[list[Cell | None]] = [
        [None] * (len(col_edges) - 1) for _ in range(len(row_edges) - 1)
    ]
    cells: list[Cell] = []
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        r0, r1 = _edge_index(row_edges, b[1]), _edge_index(row_edges, b[3])
        c0, c1 = _edge_index(col_edges, b[0]), _edge_index(col_edges, b[2])
        if r1 <= r0 or c1 <= c0:
            continue
        cell = Cell(bbox=b, row=r0, col=c0, row_end=r1, col_end=c1)
        cells.append(cell)
        for r in range(r0, r1):
            for c in range(c0, c1):
                if positions[r][c] is None:
                    positions[r][c] = cell
    bbox = (col_edges[0], row_edges[0], col_edges[-1], row_edges[-1])
    return Grid(bbox=bbox, row_edges=row_edges, col_edges=col_edges, cells=cells,
                positions=positions)


def grid_from_pdfplumber_table(table) -> Grid | None:
    boxes = [tuple(c) for row in table.rows for c in row.cells if c is not None]
    return grid_from_cell_boxes(boxes)  # type: ignore[arg-type]
