"""Recognise a KPI table by its header row and map its columns to fields.

Reports word their headers differently ("Target Raggiunto", "Valore raggiunto",
"Risultato 2021", "Risultato atteso"...). The vocabulary lives here, in one place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .grid import Cell, Grid

# A value header may name its year or date: "Target 2021", "Valore raggiunto al 31/12/2021".
_WHEN = r"( (al )?(\d{1,2}/\d{1,2}/)?\d{4})?"


def _labels(*alternatives: str, when: bool = False) -> re.Pattern[str]:
    return re.compile(rf"^({'|'.join(alternatives)}){_WHEN if when else ''}$")


# Order matters: the first pattern that matches a header label wins, so the
# more specific labels ("target raggiunto", "risultato atteso") come first.
FIELD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("achieved", _labels(
        r"(target|valore|risultato|dato) raggiunt[oa]", r"raggiunt[oa]", r"consuntivo",
        r"valore (a )?consuntivo", r"(valore|risultato) (effettivo|rilevato|conseguito)",
        r"realizzato", r"achieved", r"actual", when=True)),
    ("target", _labels(
        r"target", r"valore (target|obiettivo|atteso|programmato)", r"risultato atteso",
        r"atteso", r"(obiettivo|target) atteso", when=True)),
    ("score_reported", _labels(
        r"risultato", r"punteggio", r"grado di raggiungimento", r"% (di )?raggiungimento",
        r"percentuale di raggiungimento", r"score", when=True)),
    ("kpi", _labels(
        r"kpi", r"indicatori", r"indicatore( di (performance|risultato))?",
        r"descrizione (indicatore|kpi)", r"indicator")),
    ("objective", _labels(
        r"obiettivi", r"obiettivo( (strategico|operativo|specifico|gestionale|di performance))?",
        r"descrizione obiettivo")),
]

YEAR_IN_HEADER = re.compile(r"\b((?:19|20)\d{2})\b")

# Words that name a KPI column, in groups, searched in a normalised label (the first
# group that matches wins: "Target Raggiunto" names the achieved value, not the target).
# They only tell that a page looks like it holds a KPI table (see missed.py).
HEADER_GROUPS: list[tuple[str, re.Pattern[str]]] = [
    ("achieved", re.compile(r"\b(raggiunt[oa]|consuntivo)\b")),
    ("target", re.compile(r"\b(target|atteso)\b")),
    ("score_reported", re.compile(r"\b(risultat[oi]|raggiungimento)\b")),
    ("kpi", re.compile(r"\b(kpi|indicator[ei])\b")),
]


def normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip(":").strip()


def header_group(text: str) -> str | None:
    """The KPI column a phrase names by its words, if any (looser than classify_label)."""
    label = normalise_label(text)
    return next((name for name, pattern in HEADER_GROUPS if pattern.search(label)), None)


def classify_label(text: str) -> str | None:
    label = normalise_label(text)
    for name, pattern in FIELD_PATTERNS:
        if pattern.match(label):
            return name
    return None


@dataclass
class ColumnMap:
    """Which grid columns hold which field, and where the body starts."""

    fields: dict[str, list[int]]
    extras: dict[str, list[int]] = field(default_factory=dict)
    header_rows: int = 1
    year: int | None = None


def column_labels(grid: Grid, header_rows: int) -> list[str]:
    """Label of each grid column: the distinct header cells above it, top-down."""
    labels = []
    for c in range(grid.n_cols):
        seen: list[Cell] = []
        for r in range(header_rows):
            cell = grid.positions[r][c]
            if cell is not None and cell not in seen and cell.text:
                seen.append(cell)
        labels.append(" ".join(cell.text for cell in seen))
    return labels


def _header_depth(grid: Grid) -> int:
    """Rows the header occupies: the tallest cell that starts in the first row."""
    first = {cell for cell in grid.positions[0] if cell is not None}
    return max((cell.row_end for cell in first), default=1)


def map_columns(grid: Grid) -> ColumnMap | None:
    """Return the column mapping if the grid's header makes it a KPI table."""
    if grid.n_rows < 2:
        return None
    depth = _header_depth(grid)
    for header_rows in sorted({1, depth}):
        mapping = _map_with_header(grid, header_rows)
        if mapping is not None:
            return mapping
    return None


def map_header(grid: Grid) -> ColumnMap | None:
    """Mapping of a grid that is only a header (its rows are on the next page)."""
    return _map_with_header(grid, grid.n_rows, body_required=False)


def _map_with_header(grid: Grid, header_rows: int, body_required: bool = True) -> ColumnMap | None:
    if body_required and header_rows >= grid.n_rows:
        return None
    labels = column_labels(grid, header_rows)
    fields: dict[str, list[int]] = {}
    extras: dict[str, list[int]] = {}
    year = None
    for c, label in enumerate(labels):
        # A column under a spanning header cell (KPI over two sub-columns) has the
        # parent's label and joins its group.
        name = classify_label(label) if label else None
        if name is None and not label:
            continue
        if name is None:
            extras.setdefault(label, []).append(c)
            continue
        fields.setdefault(name, []).append(c)
        if name == "score_reported" and (m := YEAR_IN_HEADER.search(label)):
            year = int(m.group(1))
    value_fields = sum(1 for name in ("target", "achieved", "score_reported") if name in fields)
    if "kpi" not in fields or value_fields < 2:
        return None
    return ColumnMap(fields=fields, extras=extras, header_rows=header_rows, year=year)


def remap_columns(mapping: ColumnMap, edges: list[float], new_edges: list[float]) -> ColumnMap:
    """The same fields for a headerless grid whose columns line up with ``edges``."""
    owner = {c: name for name, cols in mapping.fields.items() for c in cols}
    extra_owner = {c: label for label, cols in mapping.extras.items() for c in cols}
    fields: dict[str, list[int]] = {}
    extras: dict[str, list[int]] = {}
    for c in range(len(new_edges) - 1):
        mid = (new_edges[c] + new_edges[c + 1]) / 2
        old = next((k for k in range(len(edges) - 1) if edges[k] <= mid < edges[k + 1]), None)
        if old in owner:
            fields.setdefault(owner[old], []).append(c)
        elif old in extra_owner:
            extras.setdefault(extra_owner[old], []).append(c)
    return ColumnMap(fields=fields, extras=extras, header_rows=0)
