"""Build KPI rows from a mapped grid: fill merges, flatten multi-column fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from .columns import ColumnMap
from .grid import BBox, Cell, Grid

# Sub-levels of a two-level column (KPI "Tempi di risposta" over "Scrivi") are
# joined with this separator.
LEVEL_SEPARATOR = ": "


@dataclass
class TableRow:
    values: dict[str, str]
    extras: dict[str, str]
    bbox: BBox
    grid_row: int
    # field -> True when the value comes from a cell merged down from a row above
    filled_down: dict[str, bool] = field(default_factory=dict)


def _cells_for(grid: Grid, r: int, columns: list[int]) -> list[Cell]:
    cells: list[Cell] = []
    for c in columns:
        cell = grid.positions[r][c]
        if cell is not None and cell not in cells:
            cells.append(cell)
    return cells


def _join(cells: list[Cell]) -> str:
    return LEVEL_SEPARATOR.join(c.text for c in cells if c.text)


def build_rows(grid: Grid, mapping: ColumnMap) -> list[TableRow]:
    """One row per body grid row that holds its own KPI or value cell."""
    rows: list[TableRow] = []
    value_columns = [
        c for name, cols in mapping.fields.items() if name != "objective" for c in cols
    ]
    for r in range(mapping.header_rows, grid.n_rows):
        own = [
            cell for cell in _cells_for(grid, r, value_columns) if cell.row == r
        ]
        # A grid row made only of continuations of taller cells is not a KPI row.
        if not own:
            continue
        values = {name: _join(_cells_for(grid, r, cols)) for name, cols in mapping.fields.items()}
        filled = {
            name: any(cell.row < r for cell in _cells_for(grid, r, cols))
            for name, cols in mapping.fields.items()
        }
        extras = {label: _join(_cells_for(grid, r, cols)) for label, cols in mapping.extras.items()}
        if not any(values.get(k) for k in ("kpi", "target", "achieved", "score_reported")):
            continue
        rows.append(TableRow(values=values, extras=extras, bbox=_row_bbox(grid, r),
                             grid_row=r, filled_down=filled))
    return rows


def _row_bbox(grid: Grid, r: int) -> BBox:
    """The row's own band: cells that start and end in it, else the grid row."""
    own = [cell for cell in grid.positions[r] if cell is not None and cell.row == r]
    top = min((c.bbox[1] for c in own), default=grid.row_edges[r])
    bottom = min((c.bbox[3] for c in own), default=grid.row_edges[r + 1])
    return (grid.bbox[0], top, grid.bbox[2], max(bottom, top))
