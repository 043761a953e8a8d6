"""Scanned (image-only) reports: OCR gives the same rows as the text layer.

The scans are made here from the fixture deck (tests/scans.py: 150 dpi, turned by
0.5-1 degree, noise, JPEG), so the ground truth stays tests/milano_2020_kpis.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pdfplumber
import pytest
from conftest import CELL_COLUMNS, FIXTURE_PDF, fold
from scans import scan_pdf

from perf_pipeline.extract import ReportError, extract_report, ocr, ocr_image
from perf_pipeline.quality.schemas import ExtractedKpiRows

# One of each table shape: a single row, merged objectives (8: two groups, 20: three),
# the two-level KPI header (17), a cell with a line break in its list (25).
SLIDES = [3, 8, 17, 20, 25]
MIN_EXACT = 0.95

needs_tesseract = pytest.mark.skipif(
    ocr.missing_tesseract() is not None,
    reason=f"no OCR here: {ocr.missing_tesseract()} (apt-get install tesseract-ocr "
           "tesseract-ocr-ita)",
)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    path = tmp_path_factory.mktemp("scan") / "milano scan.pdf"
    angles = scan_pdf(FIXTURE_PDF, path, pages=SLIDES)
    return path, angles


@pytest.fixture(scope="module")
def scanned_extraction(scanned):
    return extract_report(scanned[0])


def test_the_scan_has_no_text_layer(scanned):
    with pdfplumber.open(scanned[0]) as pdf:
        assert [len(p.chars) for p in pdf.pages] == [0] * len(SLIDES)
        assert all(ocr.needs_ocr(p) for p in pdf.pages)


def test_skew_is_measured(scanned):
    path, angles = scanned
    with pdfplumber.open(path) as pdf:
        for page, angle in zip(pdf.pages, angles, strict=True):
            gray = np.asarray(page.to_image(resolution=100).original.convert("L"))
            # The scan turned the page by `angle`; straightening turns it back.
            assert ocr_image.estimate_skew(gray) == pytest.approx(-angle, abs=0.1)


@pytest.mark.ocr
@pytest.mark.slow
@needs_tesseract
def test_scanned_cells_match_ground_truth(scanned_extraction, ground_truth):
    rows = scanned_extraction.rows
    truth = ground_truth[ground_truth["slide"].astype(int).isin(SLIDES)]
    assert len(rows) == len(truth)
    # The scan's page n is slide SLIDES[n - 1].
    slides = rows["page"].map(lambda p: SLIDES[p - 1]).tolist()
    assert slides == truth["slide"].astype(int).tolist()
    got = rows[CELL_COLUMNS].map(fold).to_numpy()
    want = truth[CELL_COLUMNS].map(fold).to_numpy()
    exact = (got == want).mean()
    wrong = [(s, c, w, g) for s, gr, wr in zip(slides, got, want, strict=True)
             for c, g, w in zip(CELL_COLUMNS, gr, wr, strict=True) if g != w]
    assert exact >= MIN_EXACT, wrong


@pytest.mark.ocr
@pytest.mark.slow
@needs_tesseract
def test_every_scanned_row_is_marked_ocr_with_a_confidence(scanned_extraction):
    rows = scanned_extraction.rows
    assert rows["ocr"].all()
    assert rows["ocr_confidence"].between(0, 1).all()
    assert rows["ocr_confidence"].notna().all()
    assert scanned_extraction.ocr_pages == len(SLIDES)
    ExtractedKpiRows.validate(rows)


def test_native_pages_are_not_ocr(fixture_extraction):
    rows = fixture_extraction.rows
    assert not rows["ocr"].any()
    assert rows["ocr_confidence"].isna().all()
    assert fixture_extraction.ocr_pages == 0


def test_without_tesseract_a_scan_fails_clearly_and_does_not_crash(scanned, monkeypatch):
    """A document that is all scan, with no OCR to read it, has no text to say what report
    it is: a clear failure naming what to install, not a report with no rows."""
    monkeypatch.setattr(ocr, "TESSERACT", "tesseract-not-installed")
    ocr.missing_tesseract.cache_clear()
    try:
        with pytest.raises(ReportError) as failed:
            extract_report(scanned[0])
    finally:
        monkeypatch.undo()
        ocr.missing_tesseract.cache_clear()
    assert failed.value.kind == "no_text"
    assert str(failed.value) == (
        f"milano scan.pdf: no text on any of its {len(SLIDES)} pages; OCR needs "
        "tesseract-ocr + tesseract-ocr-ita, not installed")


HOCR = b"""<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class='ocr_page' title='image "0.png"; bbox 0 0 400 100; ppageno 0'>
<span class='ocr_line' title="bbox 10 20 200 60; baseline 0 -8; x_size 40; x_descenders 8">
<span class='ocrx_word' title='bbox 10 22 90 52; x_wconf 41'>l00%</span>
<span class='ocrx_word' title='bbox 110 30 200 52; x_wconf 93'>93,6%</span>
</span></div></body></html>"""


def test_ocr_text_is_kept_as_read_and_a_misread_score_is_flagged():
    words = [w for _, w in ocr_image._parse_hocr(HOCR)]
    # Both words sit on the line Tesseract measured: baseline 52, text height 40.
    assert [(w["text"], w["top"], w["bottom"], w["confidence"]) for w in words] == [
        ("l00%", 20, 60, 0.41), ("93,6%", 20, 60, 0.93)]
    rows = pd.DataFrame([{
        "report": "scan.pdf", "page": 1, "section": "", "area": "", "objective": "",
        "kpi": "Piano Quartieri", "target": "70%", "achieved": "93,6%",
        "score_reported": words[0]["text"], "table_index": 1, "row_index": 1, "x0": 0.0,
        "top": 0.0, "x1": 1.0, "bottom": 1.0, "is_duplicate": False, "duplicate_of": "",
        "extra": "", "ocr": True, "ocr_confidence": 0.41,
    }])
    with pytest.raises(Exception, match="score_reported_parses"):
        ExtractedKpiRows.validate(rows)
