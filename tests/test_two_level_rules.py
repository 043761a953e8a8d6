"""A two-level KPI column in a table ruled with horizontal lines only is flattened into
"<parent>: <sub-KPI>", as the ruled path does for the Milano deck's slide 17.

The report is printed by tests/twolevel.py from the fixture's ground truth: consecutive
KPIs sharing the text before ": " are printed as a parent cell over its sub-KPIs, so the
expected cells are the data the tables were printed from.
"""

from __future__ import annotations

import pytest
from conftest import fold
from layouts import FIELDS, load_tables
from twolevel import TwoLevelLayout, build_two_level_pdf, has_two_levels, kpi_levels

from perf_pipeline.extract import extract_report

CELLS = ["section", "area", *FIELDS]
LAYOUTS = {
    "reportlab_helvetica": TwoLevelLayout(),
    "fpdf2_times_filled_header": TwoLevelLayout(producer="fpdf2", font="Times-Roman",
                                                size=9.5, header_fill="#d9e2f3"),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_two_level_kpi_column_without_vertical_rules_is_cell_exact(tmp_path, name):
    tables = load_tables()
    assert any(has_two_levels(t) for t in tables)
    extraction = extract_report(build_two_level_pdf(tmp_path / f"{name}.pdf",
                                                    LAYOUTS[name], tables))
    want = [{"section": t.section, "area": t.area, **r} for t in tables for r in t.rows]
    got = extraction.rows.to_dict("records")
    assert len(got) == len(want)
    assert [(i, c, got[i][c], w[c]) for i, w in enumerate(want) for c in CELLS
            if fold(got[i][c]) != fold(w[c])] == []


def test_sub_kpis_are_joined_to_their_parent(tmp_path):
    """Only the two-level tables, checked on the KPI cell itself."""
    tables = [t for t in load_tables() if has_two_levels(t)]
    extraction = extract_report(build_two_level_pdf(tmp_path / "two.pdf", TwoLevelLayout(),
                                                    tables))
    expected = [f"{parent}: {sub}" if parent else sub
                for t in tables for parent, sub in kpi_levels(t)]
    assert [fold(k) for k in extraction.rows["kpi"]] == [fold(k) for k in expected]
    assert extraction.warnings == []
