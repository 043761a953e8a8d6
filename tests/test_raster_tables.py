"""A KPI table pasted as a picture into a page with a text layer is read by OCR.

The page is made here from data (tests/rasters.py): a heading and a paragraph as real
text, then a PNG of a KPI table drawn from the fixture's ground truth. Pages without
such a picture (text only, the Milano fixture) run no OCR.
"""

from __future__ import annotations

import time

import pandas as pd
import pdfplumber
import pytest
from conftest import FIXTURE_PDF, GROUND_TRUTH_CSV, fold
from layouts import load_tables
from pdfgen import KpiTable
from rasters import noise_picture, report_with_both, table_picture, text_page_with_picture

from perf_pipeline.extract import extract_report, ocr
from perf_pipeline.quality.schemas import ExtractedKpiRows

# Slides with several rows: one objective over five KPIs (17), three objectives (20).
SLIDES = [17, 20]
FIELDS = ["kpi", "target", "achieved", "score_reported"]
MIN_EXACT = 0.9  # of the cells: OCR may misread a few characters

needs_tesseract = pytest.mark.skipif(
    ocr.missing_tesseract() is not None,
    reason=f"no OCR here: {ocr.missing_tesseract()} (apt-get install tesseract-ocr "
           "tesseract-ocr-ita)",
)


def _table(slide: int) -> tuple[KpiTable, list[dict]]:
    truth = pd.read_csv(GROUND_TRUTH_CSV, dtype=str, keep_default_na=False)
    data = load_tables()[list(truth["slide"].unique()).index(str(slide))]
    rows = [[r["objective"], r["kpi"], r["target"], r["achieved"], r["score_reported"]]
            for r in data.rows]
    return KpiTable(data.section, data.area, rows), data.rows


@pytest.fixture(scope="module", params=SLIDES)
def pasted(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"pasted{request.param}")
    table, truth = _table(request.param)
    path = text_page_with_picture(work / "pasted table.pdf", table_picture(table, work))
    return path, truth


@pytest.mark.ocr
@needs_tesseract
def test_a_pasted_table_is_read_by_ocr(pasted):
    path, truth = pasted
    extraction = extract_report(path)
    rows = extraction.records
    assert extraction.ocr_pages == 1
    assert len(rows) == len(truth)
    got = [[fold(r[f]) for f in FIELDS] for r in rows]
    want = [[fold(t[f]) for f in FIELDS] for t in truth]
    cells = [(g, w) for gr, wr in zip(got, want, strict=True)
             for g, w in zip(gr, wr, strict=True)]
    exact = sum(g == w for g, w in cells) / len(cells)
    assert exact >= MIN_EXACT, [c for c in cells if c[0] != c[1]]
    assert all(r["ocr"] for r in rows)
    assert all(0 < r["ocr_confidence"] <= 1 for r in rows)
    ExtractedKpiRows.validate(extraction.rows)


@pytest.mark.ocr
@needs_tesseract
def test_only_the_picture_is_ocr_d(pasted):
    path, _ = pasted
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        [region] = ocr.picture_regions(page)
        # The heading and paragraph are text above the picture; OCR reads below them.
        assert page.chars and max(c["bottom"] for c in page.chars) < region[1]
    rows = extract_report(path).records
    assert all(region[1] <= r["top"] and r["bottom"] <= region[3] + 1 for r in rows)


def test_a_text_only_page_runs_no_ocr(tmp_path):
    path = text_page_with_picture(tmp_path / "text.pdf", None)
    extraction = extract_report(path)
    assert extraction.ocr_pages == 0
    assert extraction.records == []


def test_a_photo_on_a_text_page_runs_no_ocr(tmp_path):
    path = text_page_with_picture(tmp_path / "photo.pdf", noise_picture((1400, 400)))
    with pdfplumber.open(path) as pdf:
        assert pdf.pages[0].images and not ocr.picture_regions(pdf.pages[0])
    assert extract_report(path).ocr_pages == 0


def test_the_fixture_runs_no_ocr():
    started = time.perf_counter()
    extraction = extract_report(FIXTURE_PDF)
    assert extraction.ocr_pages == 0
    assert time.perf_counter() - started < 30


def test_without_tesseract_a_pasted_table_is_a_warning_naming_the_page(tmp_path,
                                                                        monkeypatch):
    table, _ = _table(SLIDES[0])
    path = text_page_with_picture(tmp_path / "pasted.pdf", table_picture(table, tmp_path))
    monkeypatch.setattr(ocr, "TESSERACT", "tesseract-not-installed")
    ocr.missing_tesseract.cache_clear()
    try:
        extraction = extract_report(path)
    finally:
        monkeypatch.undo()
        ocr.missing_tesseract.cache_clear()
    assert extraction.ocr_pages == 0
    assert extraction.records == []
    assert ("pasted.pdf: page 1 has a picture that may hold a table; OCR needs "
            "tesseract-ocr + tesseract-ocr-ita, not installed") in extraction.warnings


@pytest.mark.ocr
@needs_tesseract
def test_a_page_keeps_its_text_table_next_to_a_pasted_one(tmp_path):
    text_table, text_truth = _table(SLIDES[0])
    pasted, pasted_truth = _table(SLIDES[1])
    path = report_with_both(tmp_path / "both.pdf", text_table,
                            table_picture(pasted, tmp_path))
    extraction = extract_report(path)
    rows = extraction.records
    assert len(rows) == len(text_truth) + len(pasted_truth)
    text_rows, ocr_rows = rows[:len(text_truth)], rows[len(text_truth):]
    # The text-layer table is read exactly and is not OCR; the picture's rows are.
    assert [[r[f] for f in FIELDS] for r in text_rows] == [
        [t[f] for f in FIELDS] for t in text_truth]
    assert not any(r["ocr"] for r in text_rows)
    assert all(r["ocr_confidence"] is None for r in text_rows)
    assert all(r["ocr"] and r["ocr_confidence"] for r in ocr_rows)
    got = [fold(r[f]) for r in ocr_rows for f in FIELDS]
    want = [fold(t[f]) for t in pasted_truth for f in FIELDS]
    assert sum(g == w for g, w in zip(got, want, strict=True)) / len(want) >= MIN_EXACT
