"""Build KPI rows from a mapped grid: fill merges, flatten multi-column fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from .columns import ColumnMap, classify_label
from .grid import BBox, Cell, Grid

# Sub-levels of a two-level column (KPI "Tempi di risposta" over "Scrivi") are
# joined with this separator.
LEVEL_SEPARATOR = ": "
VALUE_FIELDS = ("target", "achieved", "score_reported")


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
        if not any(values.get(k) for k in ("kpi", *VALUE_FIELDS)):
            continue
        if _repeats_header(values):
            continue
        rows.append(TableRow(values=values, extras=extras, bbox=_row_bbox(grid, r),
                             grid_row=r, filled_down=filled))
    return rows


def _repeats_header(values: dict[str, str]) -> bool:
    """The header printed again in the body (after a page break): not a KPI row."""
    return sum(1 for name, text in values.items() if text and classify_label(text) == name) >= 3


def _row_bbox(grid: Grid, r: int) -> BBox:
    """The row's own band: cells that start and end in it, else the grid row."""
    own = [cell for cell in grid.positions[r] if cell is not None and cell.row == r]
    top = min((c.bbox[1] for c in own), default=grid.row_edges[r])
    bottom = min((c.bbox[3] for c in own), default=grid.row_edges[r + 1])
    return (grid.bbox[0], top, grid.bbox[2], max(bottom, top))


def continue_rows(rows: list[TableRow], grid: Grid, mapping: ColumnMap,
                  previous: TableRow) -> list[TableRow]:
    """Rows that continue a table from the previous page; returns the rows to keep.

    - A row split by the page break (one part with no values at all) is one row: its
      texts are appended to the previous page's last row.
    - An objective cell left empty at the top is the rest of the previous page's
      merged objective cell; so is one that finished a split row's objective text.
    """
    top = mapping.header_rows
    if top >= grid.n_rows:
        return rows
    first = {name: _join(_own_cells(grid, top, cols)) for name, cols in mapping.fields.items()}
    first_extras = {label: _join(_own_cells(grid, top, cols))
                    for label, cols in mapping.extras.items()}
    split = any(first.values()) and not (_has_values(first) and _has_values(previous.values))
    if split:
        for name, text in first.items():
            previous.values[name] = _append(previous.values.get(name, ""), text)
        for label, text in first_extras.items():
            previous.extras[label] = _append(previous.extras.get(label, ""), text)
        rows = [row for row in rows if row.grid_row != top]
    cols = mapping.fields.get("objective")
    cell = grid.positions[top][cols[0]] if cols else None
    if cell is not None and (split or not cell.text):
        for row in rows:
            if cell.row <= row.grid_row < cell.row_end:
                row.values["objective"] = previous.values.get("objective", "")
                row.filled_down["objective"] = True
    return rows


def _own_cells(grid: Grid, r: int, columns: list[int]) -> list[Cell]:
    return [cell for cell in _cells_for(grid, r, columns) if cell.row == r]


def _has_values(values: dict[str, str]) -> bool:
    return any(values.get(name) for name in VALUE_FIELDS)


def _append(text: str, more: str) -> str:
    return f"{text} {more}" if text and more else text or more
