"""The same KPI tables printed in other layouts come back cell-exact.

Each variant is printed from the fixture's ground truth by tests/layouts.py (other
producers, fonts and page sizes; no vertical rulings; tables split over pages with or
without the header repeated; several tables per page; other header wordings and extra
columns; rows and merged cells cut by page breaks), so the expected cells are the data
it was printed from. The same report as HTML is printed by Chromium and LibreOffice
where they are installed. Cells are compared with runs of whitespace folded to one space.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import fold
from layouts import (
    FIELDS,
    VARIANTS,
    Column,
    Layout,
    build_html,
    build_layout_pdf,
    build_variant,
    load_tables,
)

from perf_pipeline.extract import extract_report

CELLS = ["section", "area", *FIELDS]


def expected_rows(tables) -> list[dict[str, str]]:
    rows = []
    for t in tables:
        for r in t.rows:
            extra = {k: v for k, v in r.items() if k not in FIELDS}
            rows.append({"section": t.section, "area": t.area, **{f: r[f] for f in FIELDS},
                         "extra": extra})
    return rows


def cell_mismatches(extraction, tables) -> tuple[list[tuple], int]:
    """(row, column, got, expected) for every differing cell, and the number of cells."""
    got = extraction.rows.to_dict("records")
    want = expected_rows(tables)
    total, bad = 0, []
    for i, exp in enumerate(want):
        row = got[i] if i < len(got) else {}
        extra = json.loads(row["extra"]) if row.get("extra") else {}
        for col in CELLS:
            total += 1
            if fold(row.get(col, "<missing row>")) != fold(exp[col]):
                bad.append((i, col, row.get(col), exp[col]))
        for key, value in exp["extra"].items():
            total += 1
            if fold(extra.get(key, "<missing>")) != fold(value):
                bad.append((i, key, extra.get(key), value))
        if set(extra) - set(exp["extra"]):  # a column that is not in the table
            bad.append((i, "extra", row["extra"], exp["extra"]))
    bad += [(i, "<extra row>", got[i]["kpi"], None) for i in range(len(want), len(got))]
    return bad, total


@pytest.fixture(scope="session")
def variant_pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layouts")
    return {name: build_variant(folder / f"{name}.pdf", name) for name in VARIANTS}


def assert_cell_exact(pdf, tables) -> None:
    extraction = extract_report(pdf)
    mismatches, total = cell_mismatches(extraction, tables)
    assert len(extraction.rows) == sum(len(t.rows) for t in tables)
    assert mismatches == [], f"{len(mismatches)}/{total} cells differ"


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_is_cell_exact(variant_pdfs, name):
    assert_cell_exact(*variant_pdfs[name])


def test_other_tables_and_prose_give_no_kpi_rows(tmp_path):
    """A budget table (not a KPI header) in every ruling (none at all too, with or
    without a header fill), between paragraphs that talk about KPIs and targets:
    nothing is a KPI row."""
    budget = [Column("kpi", "Voce di spesa", 4.0), Column("target", "Stanziamento", 1.5),
              Column("achieved", "Impegnato", 1.5), Column("score_reported", "Note", 2.0)]
    tables = load_tables()[:8]
    for rules, fill in [("grid", "#1f4e79"), ("horizontal", "#1f4e79"), ("inner", "#1f4e79"),
                        ("none", "#1f4e79"), ("none", None)]:
        layout = Layout(rules=rules, header_fill=fill, columns=lambda _: budget,
                        prose_after=tuple(range(8)), breaks={3: 1})
        pdf = build_layout_pdf(tmp_path / f"{rules} {fill}.pdf", layout, tables)
        extraction = extract_report(pdf)
        assert extraction.rows.empty, (rules, fill)
        assert extraction.kpi_tables == 0


# The same tables as an HTML report, printed by a browser and by an office suite: real
# producers' output (no vertical rules, rows and rowspan cells split by page breaks).
# These tools are not project dependencies, so the tests skip where they are missing.


def _tool(*names: str) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def report_html(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(build_html(load_tables()), encoding="utf-8")
    return path


@pytest.mark.slow
def test_chromium_printed_report_is_cell_exact(report_html):
    browser = _tool("chromium", "chromium-browser", "google-chrome")
    if browser is None:
        pytest.skip("no Chromium/Chrome on PATH (optional producer)")
    pdf = report_html.with_name("chromium.pdf")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_html.as_uri()],
                   check=True, capture_output=True, timeout=180)
    assert_cell_exact(pdf, load_tables())


@pytest.mark.slow
def test_libreoffice_printed_report_is_cell_exact(report_html, tmp_path):
    soffice = _tool("soffice", "libreoffice")
    if soffice is None:
        pytest.skip("no LibreOffice (soffice) on PATH (optional producer)")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--infilter=HTML (StarWriter)",
                    "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(tmp_path),
                    str(report_html)], check=True, capture_output=True, timeout=180)
    assert_cell_exact(tmp_path / "report.pdf", load_tables())
