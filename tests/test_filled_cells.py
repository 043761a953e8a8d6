"""Tables drawn as filled cell rectangles with white gaps (no stroked line) come back
cell-exact.

Every deck is printed by tests/decks.py from the fixture's ground truth, one table per
slide: gap widths from a hairline to a wide gutter, a merged objective cell drawn as one
taller rectangle, white header text on a dark fill, alternating row fills, a backdrop
showing through the gaps, a title band one gap above the table, tables going on on the
next slide, and row stripes (one fill a row) with gaps between the rows only. The
expected cells are the data the deck was printed from. Cells are compared with
whitespace folded.
"""

from __future__ import annotations

from itertools import groupby

import pdfplumber
import pytest
from conftest import FIXTURE_PDF, fold
from decks import DeckLayout, build_deck_pdf, build_two_level_deck_pdf
from layouts import FIELDS, VARIANTS, KpiTableData, build_variant, load_tables
from twolevel import has_two_levels

from perf_pipeline.extract import extract_report
from perf_pipeline.extract.fills import filled_tables

CELLS = ["section", "area", *FIELDS]

SPLIT_IN_HALF = {i: len(t.rows) // 2 for i, t in enumerate(load_tables()) if len(t.rows) > 1}
GAPS = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0]
DECKS = {
    **{f"gap_{g:g}pt": DeckLayout(gap=g, producer=("reportlab", "fpdf2")[k % 2])
       for k, g in enumerate(GAPS)},
    # The slide's title band one gap above the header: chained to the table, not its header.
    "band_on_table": DeckLayout(gap=3.0, band_on_table=True),
    # White cells on a dark backdrop: the gaps read as dark lines, nothing is stroked.
    "dark_backdrop": DeckLayout(gap=2.0, backdrop="#404040", row_fills=("#ffffff", "#f2f2f2"),
                                objective_fill="#ffffff"),
    # Other header wording, an embedded font, fpdf2.
    "other_wording": DeckLayout(gap=4.0, producer="fpdf2", font="Vera", labels=(
        "Obiettivo strategico", "Indicatore", "Valore atteso", "Consuntivo",
        "Grado di raggiungimento")),
    # A bar chart of filled bars a few points apart under every table: no table.
    "bar_chart": DeckLayout(gap=2.0, chart=True),
    # Every table of two rows or more goes on on the next slide from its middle row,
    # without its header (the rows continue the table) or with it repeated; a merged
    # objective cell cut there goes on empty.
    "continued": DeckLayout(gap=3.0, breaks=SPLIT_IN_HALF),
    "continued_header_repeated": DeckLayout(gap=3.0, breaks=SPLIT_IN_HALF,
                                            repeat_header=True),
    # A stroked frame round the table and one line under its header: still no ruling.
    "outline_and_header_line": DeckLayout(gap=5.0, outline=True),
    # One fill per row (a header bar, row stripes) with white gaps between the rows only:
    # the columns come from the header labels (finders.py), the gaps are no rows.
    **{f"stripes_gap_{g:g}pt": DeckLayout(gap=g, stripes=True,
                                          producer=("reportlab", "fpdf2")[k % 2])
       for k, g in enumerate([0.0, 2.0, 5.0, 8.0])},
    "stripes_continued": DeckLayout(gap=3.0, stripes=True, breaks=SPLIT_IN_HALF),
    # Larger serif type and one body fill (no alternation), a wide gutter.
    "serif_one_fill": DeckLayout(gap=6.0, font="Times-Roman", size=11,
                                 row_fills=("#e2efd9",), objective_fill="#c5e0b3"),
}


def expected_rows(tables: list[KpiTableData]) -> list[dict[str, str]]:
    return [{"section": t.section, "area": t.area, **{f: r[f] for f in FIELDS}}
            for t in tables for r in t.rows]


def mismatches(extraction, tables) -> list[tuple]:
    got = extraction.rows.to_dict("records")
    bad = []
    for i, want in enumerate(expected_rows(tables)):
        row = got[i] if i < len(got) else {}
        bad += [(i, col, row.get(col), want[col]) for col in CELLS
                if fold(row.get(col, "<missing row>")) != fold(want[col])]
    return bad


@pytest.fixture(scope="module")
def tables() -> list[KpiTableData]:
    return load_tables()


@pytest.mark.parametrize("name", list(DECKS))
def test_filled_cell_deck_is_cell_exact(tmp_path, tables, name):
    pdf = build_deck_pdf(tmp_path / f"{name}.pdf", DECKS[name], tables)
    extraction = extract_report(pdf)
    assert len(extraction.rows) == sum(len(t.rows) for t in tables)
    assert mismatches(extraction, tables) == []
    assert extraction.warnings == []
    if not DECKS[name].breaks:  # one table a slide, each read once
        assert extraction.kpi_tables == len(tables)


def test_merged_objective_is_one_cell_over_its_rows(tmp_path, tables):
    """Slide 20's table has three objective groups, each one tall rectangle."""
    table = next(t for t in tables if len({r["objective"] for r in t.rows}) == 3)
    pdf = build_deck_pdf(tmp_path / "merged.pdf", DeckLayout(gap=4.0), [table])
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[1]
        found = filled_tables(page, page.extract_words()).tables
    assert len(found) == 1
    grid, mapping = found[0].grid, found[0].mapping
    (objective_col,) = mapping.fields["objective"]
    spans = [c.rowspan for c in grid.cells if c.col == objective_col and c.row > 0]
    runs = [len(list(group)) for _, group in groupby(r["objective"] for r in table.rows)]
    assert len(runs) == 3 and spans == runs


def test_white_header_text_on_dark_fill_is_the_header(tmp_path, tables):
    layout = DeckLayout(gap=2.0, header_fill="#000000", header_color="#ffffff")
    pdf = build_deck_pdf(tmp_path / "dark_header.pdf", layout, tables[:3])
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[1]
        (table,) = filled_tables(page, page.extract_words()).tables
    header = [c.text for c in table.grid.cells if c.row == 0]
    labels = layout.labels if tables[0].has_objective else layout.labels[1:]
    assert [fold(h) for h in header] == list(labels)


def test_a_filled_table_without_kpi_header_gives_no_rows(tmp_path, tables):
    """A budget table drawn the same way: its header names no KPI columns."""
    layout = DeckLayout(gap=3.0, labels=("Missione", "Voce di spesa", "Stanziamento",
                                         "Impegnato", "Note"))
    pdf = build_deck_pdf(tmp_path / "budget.pdf", layout, tables[:6])
    extraction = extract_report(pdf)
    assert extraction.rows.empty
    assert extraction.kpi_tables == 0


def test_fills_under_rules_are_left_to_the_ruled_finders():
    """The Milano deck's cells are filled and ruled: the filled-cell finder takes none."""
    with pdfplumber.open(FIXTURE_PDF) as doc:
        for page in doc.pages:
            found = filled_tables(page, page.extract_words())
            assert found.tables == [] and found.others == [], page.page_number


@pytest.mark.parametrize("name", list(VARIANTS))
def test_no_filled_tables_in_the_printed_layouts(tmp_path, name):
    """Header fills, thin filled rules and ruled grids of the layout variants are no
    filled-cell tables (those variants stay cell-exact in test_layouts.py)."""
    pdf, _ = build_variant(tmp_path / f"{name}.pdf", name)
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            found = filled_tables(page, page.extract_words())
            assert found.tables == [] and found.others == [], page.page_number


def test_both_engines_read_the_same_filled_cells(tmp_path, tables):
    pdf = build_deck_pdf(tmp_path / "engines.pdf", DeckLayout(gap=6.0), tables[:8])
    by_pdfium = extract_report(pdf, engine="pdfium").rows[CELLS]
    by_pdfminer = extract_report(pdf, engine="pdfminer").rows[CELLS]
    assert len(by_pdfium) == sum(len(t.rows) for t in tables[:8])
    assert by_pdfium.equals(by_pdfminer)


@pytest.mark.parametrize("gap", [0.5, 3.0, 6.0])
def test_two_level_kpi_column_in_fills_is_flattened(tmp_path, tables, gap):
    """A parent KPI over its sub-KPIs, as fills: each row's KPI is "parent: sub-KPI"."""
    chosen = [t for t in tables if has_two_levels(t)]
    pdf = build_two_level_deck_pdf(tmp_path / "two.pdf", DeckLayout(gap=gap), chosen)
    extraction = extract_report(pdf)
    assert len(extraction.rows) == sum(len(t.rows) for t in chosen)
    assert mismatches(extraction, chosen) == []
    assert extraction.warnings == []
