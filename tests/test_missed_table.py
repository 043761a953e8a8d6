"""A page whose text has a header of KPI columns but yields no KPI table is reported.

The table page is printed from the fixture's ground truth as plain text: a header in
columns over rows run on in one line, with no value in the value columns (no rule, no
fill, no row: no finder can read it), so the labels the warning must name are the ones
it was printed with. The same rows set in the header's columns (tab stops) are read.
Prose that talks about targets and results, the Milano deck and the printed layout
variants (tables read, a header alone at the foot of a page) give no such warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURE_PDF
from layouts import PROSE, VARIANTS, build_variant, load_tables
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from perf_pipeline.extract import extract_report

MISSED = "possible missed table on page"
HEADER = {"kpi": "KPI", "target": "Target", "achieved": "Target Raggiunto",
          "score_reported": "Risultato 2020"}
COLUMN_X = {"kpi": 40.0, "target": 480.0, "achieved": 590.0, "score_reported": 720.0}


def _plain_text_table(path: Path, header: dict[str, str] = HEADER,
                      in_columns: bool = False) -> Path:
    """A cover page, then a KPI table as text lines only: labels in columns (a "\n" in
    a label wraps it onto a second line), each row's values in them too or run on in one
    line."""
    table = next(t for t in load_tables() if not t.has_objective)
    width, height = landscape(A4)
    doc = Canvas(str(path), pagesize=(width, height))
    doc.setFont("Helvetica-Bold", 20)
    doc.drawString(40, height - 200, "Relazione sulla Performance 2020")
    doc.showPage()
    doc.setFont("Helvetica-Bold", 16)
    doc.drawString(40, height - 50, table.section)
    y = height - 90
    doc.setFont("Helvetica-Bold", 10)
    for name, label in header.items():
        for k, line in enumerate(label.split("\n")):
            doc.drawString(COLUMN_X[name], y - 12 * k, line)
    y -= 12 * max(label.count("\n") for label in header.values())
    doc.setFont("Helvetica", 10)
    for row in table.rows:
        y -= 22
        if not in_columns:
            doc.drawString(COLUMN_X["kpi"], y, " ".join(row[name] for name in header))
            continue
        for name in header:
            doc.drawString(COLUMN_X[name], y, row[name].split("\n")[0][:70])
    doc.save()
    return path


def _prose_only(path: Path) -> Path:
    """Paragraphs that name KPIs, targets and results, and a heading: no table at all."""
    doc = Canvas(str(path), pagesize=A4)
    y = A4[1] - 60
    doc.setFont("Helvetica-Bold", 14)
    doc.drawString(50, y, "Indicatori di performance")
    doc.setFont("Helvetica", 10)
    sentences = [
        "Il risultato del target raggiunto, 77%, è quasi il doppio del target previsto.",
        "Risultato raggiunto.",
        *[PROSE[i:i + 95] for i in range(0, len(PROSE), 95)],
        "Target e KPI",
    ]
    for line in sentences:
        y -= 14
        doc.drawString(50, y, line)
    doc.save()
    return path


def test_a_kpi_header_in_plain_text_lines_is_reported(tmp_path):
    extraction = extract_report(_plain_text_table(tmp_path / "testo.pdf"))
    assert extraction.rows.empty
    labels = ", ".join(HEADER.values())
    assert extraction.warnings == [
        f"testo.pdf: {MISSED} 2: its text names KPI columns ({labels}) but no KPI table "
        "was read",
        "testo.pdf: no KPI table found in 2 pages",
    ]


def test_a_kpi_table_on_tab_stops_is_read(tmp_path):
    """The rows set in the header's columns, no padding between them: one row a line."""
    extraction = extract_report(_plain_text_table(tmp_path / "tab.pdf", in_columns=True))
    table = next(t for t in load_tables() if not t.has_objective)
    want = [{name: row[name].split("\n")[0][:70] for name in HEADER} for row in table.rows]
    assert extraction.rows[list(HEADER)].to_dict("records") == want
    assert extraction.warnings == []


def test_labels_wrapped_over_two_lines_are_named_whole(tmp_path):
    header = {"kpi": "Indicatore di\nperformance", "target": "Valore\natteso",
              "achieved": "Valore\nraggiunto", "score_reported": "Grado di\nraggiungimento"}
    extraction = extract_report(_plain_text_table(tmp_path / "a capo.pdf", header))
    labels = ", ".join(label.replace("\n", " ") for label in header.values())
    assert f"its text names KPI columns ({labels}) but" in extraction.warnings[0]


def test_prose_about_targets_is_not_a_missed_table(tmp_path):
    extraction = extract_report(_prose_only(tmp_path / "prosa.pdf"))
    assert extraction.warnings == ["prosa.pdf: no KPI table found in 1 pages"]


def test_the_milano_deck_has_no_missed_table(fixture_extraction):
    """Its pages without a table (cover, introduction, prose, closing link) name a KPI
    word at most once, never as a header."""
    assert not [w for w in fixture_extraction.warnings if MISSED in w]
    assert fixture_extraction.warnings == []


def test_milano_pages_without_table_have_no_header_band(ground_truth):
    import pdfplumber

    from perf_pipeline.extract.missed import header_labels
    from perf_pipeline.extract.text import group_lines

    with pdfplumber.open(FIXTURE_PDF) as pdf:
        banded = [p.page_number for p in pdf.pages
                  if header_labels(group_lines(p.extract_words()))]
    # Every KPI slide has its header band; the pages without a table have none.
    assert banded == sorted(set(ground_truth["slide"].astype(int)))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_printed_layouts_have_no_missed_table(tmp_path, name):
    pdf, _ = build_variant(tmp_path / f"{name}.pdf", name)
    assert [w for w in extract_report(pdf).warnings if MISSED in w] == []
