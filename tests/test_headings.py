"""Section and area come from the document's headings, on documents printed from data.

tests/documents.py prints each style (numbered headings; size/weight only; same size
told apart by weight; a slide deck) with a document title, a running header and footer
with page numbers, headings left at the foot of a page, two tables side by side (also
ruled with horizontal lines only, at other gutters, the right one lower or untitled, or
under rules running across both, all or the header's only: ``SIDE_BY_SIDE``) and a bold
first cell: every row's cells *and* section/area must equal the data printed.
Several seeds give other sections, areas and page breaks (no tuning to one file).
"""

from __future__ import annotations

import difflib

import pytest
from conftest import fold
from documents import FIELDS, SIDE_BY_SIDE, STYLES, build_document, side_by_side_tables
from scans import scan_pdf

from perf_pipeline.extract import extract_report, ocr
from perf_pipeline.extract.headings import (
    HeadingBlock,
    document_titles,
    is_debris,
    split_columns,
)
from perf_pipeline.extract.text import group_lines

SEEDS = [7, 11, 23]  # side-by-side pairs of 4 and 3 rows, 3 and 4, 4 and 3
# Side-by-side tables with horizontal rules only: test_side_by_side_tables_...
UNRULED = "horizontal_rules"
EXACT = [name for name in STYLES if name != UNRULED]


def expected(tables) -> list[dict[str, str]]:
    return [{"section": t.section, "area": t.area, **r} for t in tables for r in t.rows]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("documents")
    return {(name, seed): build_document(folder / f"{name}_{seed}.pdf", name, seed)
            for name in STYLES for seed in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", EXACT)
def test_every_row_has_its_cells_section_and_area(documents, name, seed):
    assert_rows_exact(*documents[name, seed])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", [UNRULED, *SIDE_BY_SIDE])
def test_side_by_side_tables_without_vertical_rules(documents, tmp_path, name, seed):
    """Two tables ruled with horizontal lines only, side by side, are two tables: each
    row has its own cells and its table's subtitle, at any gutter, with the right table
    starting lower, without a subtitle (the area in force), or with rules (all, or the
    header's) running across both tables and the gutter."""
    if name in STYLES:
        pdf, tables = documents[name, seed]
    else:
        pdf, tables = build_document(tmp_path / f"{name}_{seed}.pdf", name, seed)
    assert side_by_side_tables(tables)
    assert_rows_exact(pdf, tables)


def assert_rows_exact(pdf, tables) -> None:
    got = extract_report(pdf).records
    want = expected(tables)
    assert len(got) == len(want)
    cells = [(i, f, got[i][f], w[f]) for i, w in enumerate(want) for f in FIELDS
             if fold(got[i][f]) != fold(w[f])]
    assert cells == []
    headings = [(i, got[i]["section"], got[i]["area"], w["section"], w["area"])
                for i, w in enumerate(want)
                if (got[i]["section"], got[i]["area"]) != (w["section"], w["area"])]
    assert headings == []


def test_side_by_side_tables_each_get_their_subtitle(documents):
    for name in ("numbered", "unnumbered", "plain_areas", UNRULED):
        pdf, tables = documents[name, 7]
        rows = extract_report(pdf).records
        pair = side_by_side_tables(tables)
        start = expected(tables[: tables.index(pair[0])])
        got = rows[len(start): len(start) + len(pair[0].rows) + len(pair[1].rows)]
        assert [r["area"] for r in got] == [t.area for t in pair for _ in t.rows], name
        assert len({r["page"] for r in got}) == 1  # printed on one page, side by side


def test_no_row_takes_the_title_or_a_running_line(documents):
    for (_, _), (pdf, _) in documents.items():
        for row in extract_report(pdf).records:
            for value in (row["section"], row["area"]):
                assert "Relazione sulla performance" not in value
                assert "Pag." not in value and "pagina" not in value


def test_numbered_headings_say_their_level():
    assert HeadingBlock("3 Servizi", 14, 0).level == 1
    assert HeadingBlock("3. Servizi", 14, 0).level == 1
    assert HeadingBlock("3.2 Area anziani", 12, 0).level == 2
    assert HeadingBlock("2020 Risultati", 14, 0).level is None  # a year, not a number
    assert HeadingBlock("Servizi", 14, 0).level is None


def test_ocr_debris_is_no_heading():
    assert is_debris("E")
    assert is_debris("ra Obiettivi Solidali")
    assert is_debris("12 -")
    assert not is_debris("Obiettivi Solidali: Milano più solidale")
    assert not is_debris("3.2 Area anziani")


def test_a_line_is_cut_at_a_wide_gap():
    words = [{"text": t, "x0": x, "x1": x + 30, "top": 100, "bottom": 110, "size": 10}
             for t, x in [("Area", 50), ("musei", 82), ("Area", 300), ("eventi", 332)]]
    parts = split_columns(group_lines(words))
    assert [p.text for p in parts] == ["Area musei", "Area eventi"]


def test_document_title_is_found_by_metadata_or_by_a_style_that_never_returns():
    first = [HeadingBlock("Relazione 2021", 24, 40, "B"), HeadingBlock("Servizi", 15, 90, "B"),
             HeadingBlock("Area musei", 12, 120, "B")]
    later = [HeadingBlock("Cultura", 15, 60, "B"), HeadingBlock("Area eventi", 12, 90, "B")]
    assert document_titles(first, later, "") == {"Relazione 2021"}
    assert document_titles(first[1:], later, "relazione 2021") == set()
    assert document_titles(first[:2], later, "Relazione  2021") == {"Relazione 2021"}
    # The same style later on: a section heading, not the title.
    again = [*later, HeadingBlock("Bilancio", 24, 60, "B")]
    assert document_titles(first, again, "") == set()


needs_tesseract = pytest.mark.skipif(
    ocr.missing_tesseract() is not None, reason=f"no OCR here: {ocr.missing_tesseract()}")


@pytest.mark.ocr
@pytest.mark.slow
@needs_tesseract
def test_scanned_document_gives_no_debris_headings(tmp_path):
    """OCR'd pages: every section/area read is one of the printed headings (a letter or
    two misread at most), never a fragment like ``E`` or ``ra Obiettivi ...``."""
    source, tables = build_document(tmp_path / "doc.pdf", "numbered", 7)
    scan = tmp_path / "scan.pdf"
    scan_pdf(source, scan, pages=[1, 2, 3])
    rows = extract_report(scan).records
    assert rows
    printed = {t.section for t in tables} | {t.area for t in tables}
    for row in rows:
        for value in (row["section"], row["area"]):
            if value:
                best = max(difflib.SequenceMatcher(None, value, p).ratio() for p in printed)
                assert best >= 0.85, value
