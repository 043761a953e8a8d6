"""The PDFium-backed page model gives pdfplumber the same words, edges and tables as pdfminer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from conftest import FIXTURE_PDF
from layouts import build_variant
from pdfgen import KpiTable, build_report_pdf

from perf_pipeline.extract.pdfium_pages import PdfiumPage, iter_pages

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"


def page_facts(page) -> dict:
    words = page.extract_words()
    return {
        "words": [w["text"] for w in words],
        "word_boxes": [(w["x0"], w["top"], w["x1"], w["bottom"]) for w in words],
        "edges": Counter(
            (
                e["orientation"],
                round(e["x0"], 1),
                round(e["top"], 1),
                round(e["x1"], 1),
                round(e["bottom"], 1),
            )
            for e in page.edges
        ),
        "tables": [(tuple(round(v, 1) for v in t.bbox), t.extract()) for t in page.find_tables()],
        "fonts": sorted({c["fontname"] for c in page.chars}),
        "sizes": sorted({round(c["size"], 2) for c in page.chars}),
    }


def assert_same(ref: dict, new: dict, where: str) -> None:
    # Word boxes agree to well under a point: PDFium keeps 32-bit floats, and the
    # right edge of an accented glyph (ì) comes from its box rather than the width table.
    assert np.allclose(new.pop("word_boxes"), ref.pop("word_boxes"), atol=0.6), where
    assert new == ref, where


def both_engines(path: Path) -> tuple[list[dict], list[dict]]:
    with pdfplumber.open(path) as pdf:
        reference = [page_facts(page) for page in pdf.pages]
    with pdfplumber.open(path) as pdf:
        document = pdfium.PdfDocument(path)
        try:
            pages = list(iter_pages(pdf, document))
            assert all(isinstance(p, PdfiumPage) for p in pages)
            fast = [page_facts(page) for page in pages]
        finally:
            document.close()
    return reference, fast


def test_fixture_pages_are_identical():
    reference, fast = both_engines(FIXTURE_PDF)
    assert len(fast) == 32
    for number, (ref, new) in enumerate(zip(reference, fast, strict=True), start=1):
        assert_same(ref, new, f"page {number}")


def test_generated_report_pages_are_identical(tmp_path):
    pdf = build_report_pdf(
        tmp_path / "r.pdf",
        [
            KpiTable(
                "Sezione con accenti: qualità",
                "AREA PIÙ GRANDE",
                [
                    [
                        "Obiettivo lungo che va a capo più volte nella cella",
                        "Numero di interventi",
                        "19.000",
                        "19.365",
                        "100%",
                    ],
                    [
                        "Obiettivo lungo che va a capo più volte nella cella",
                        "Tempo medio",
                        "gg. 6",
                        "gg. 7",
                        "85,71%",
                    ],
                ],
                prose="Testo di commento sotto la tabella, con numeri 12,5% e date 31/12/2021.",
            ),
        ],
    )
    reference, fast = both_engines(pdf)
    for number, (ref, new) in enumerate(zip(reference, fast, strict=True), start=1):
        assert_same(ref, new, f"page {number}")


@pytest.mark.realworld
@pytest.mark.parametrize(
    "name",
    ["diesel_engines.pdf", "nics-background-checks-2015-11.pdf", "federal-register-2020-17221.pdf"],
)
def test_third_party_tables_keep_their_shape(name):
    """On other producers the text can differ in details PDFium reads better (a bullet
    pdfminer cannot map, rotated margin text), but table regions and sizes stay the same."""
    path = REALWORLD / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    reference, fast = both_engines(path)
    for ref, new in zip(reference, fast, strict=True):
        assert [t[0] for t in new["tables"]] == [t[0] for t in ref["tables"]]
        shared_edges = sum((new["edges"] & ref["edges"]).values())
        assert shared_edges >= 0.95 * sum(ref["edges"].values())
        # pdfminer prints glyphs it cannot map as '(cid:129)'; PDFium maps them ('•').
        readable = [w for w in ref["words"] if "(cid:" not in w]
        same = sum(1 for w in new["words"] if w in set(readable))
        assert same >= 0.95 * len(readable)


@pytest.fixture(scope="module")
def layout_variants(tmp_path_factory):
    from layouts import VARIANTS, build_variant

    folder = tmp_path_factory.mktemp("engines")
    return [build_variant(folder / f"{name}.pdf", name)[0] for name in VARIANTS]


def test_both_engines_extract_identical_rows(layout_variants):
    from perf_pipeline.extract import extract_report

    for path in [FIXTURE_PDF, *layout_variants]:
        fast = extract_report(path, engine="pdfium").rows
        reference = extract_report(path, engine="pdfminer").rows
        assert len(fast) > 0, path.name
        boxes = ["x0", "top", "x1", "bottom"]
        assert fast.drop(columns=boxes).equals(reference.drop(columns=boxes)), path.name
        assert np.allclose(fast[boxes], reference[boxes], atol=0.02), path.name


def test_page_whose_mediabox_does_not_start_at_zero(tmp_path):
    """Coordinates are measured from the MediaBox's bottom edge, as pdfminer does, for
    glyphs and for the spaces PDFium drops and the page model puts back (this variant's
    Courier spaces are such)."""
    source, _ = build_variant(tmp_path / "r.pdf", "wording_rules_courier")
    document = pdfium.PdfDocument(source)
    for page in document:
        left, bottom, right, top = page.get_mediabox()
        page.set_mediabox(left, bottom - 100, right, top)  # 100 pt more below
    document.save(tmp_path / "shifted.pdf")
    document.close()
    reference, fast = both_engines(tmp_path / "shifted.pdf")
    for number, (ref, new) in enumerate(zip(reference, fast, strict=True), start=1):
        # Shifted float32 rule positions may round the other way at 0.1 pt.
        new_edges, ref_edges = (sorted(e.pop("edges").elements()) for e in (new, ref))
        assert [e[0] for e in new_edges] == [e[0] for e in ref_edges]
        assert np.allclose([e[1:] for e in new_edges], [e[1:] for e in ref_edges], atol=0.11)
        assert [t for _, t in new.pop("tables")] == [t for _, t in ref.pop("tables")]
        assert_same(ref, new, f"page {number}")
    with pdfplumber.open(tmp_path / "shifted.pdf") as pdf:
        document = pdfium.PdfDocument(tmp_path / "shifted.pdf")
        try:
            chars = [c for page in iter_pages(pdf, document) for c in page.chars]
        finally:
            document.close()
    spaces = [(before, c) for before, c in zip(chars, chars[1:], strict=False)
              if c["text"] == " "]
    assert spaces
    for before, space in spaces:
        assert space["top"] == pytest.approx(before["top"], abs=0.5)
        assert space["y0"] == pytest.approx(before["y0"], abs=0.5)
