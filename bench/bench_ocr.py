"""OCR cost and accuracy: the fixture deck as a scan, read back, compared with the truth.

Usage (from the repo root):
    uv run python bench/bench_ocr.py [--slides 3,8,17] [--dpi 150]

Makes an image-only scan of the fixture (tests/scans.py: rendered at --dpi, turned by
0.5-1 degree, noise, JPEG), extracts it and reports the seconds of OCR per page and the
share of ground-truth cells (tests/milano_2020_kpis.csv) read exactly.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from scans import scan_pdf  # noqa: E402

from perf_pipeline.extract import extract_report, ocr  # noqa: E402

FIXTURE = REPO / "raw" / "milano_performance_2020.pdf"
TRUTH = REPO / "tests" / "milano_2020_kpis.csv"
CELLS = ["section", "area", "objective", "kpi", "target", "achieved", "score_reported"]


def fold(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slides", help="comma-separated slide numbers (default: all)")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()
    if problem := ocr.missing_tesseract():
        print(f"OCR benchmark skipped: {problem}")
        return
    slides = [int(s) for s in args.slides.split(",")] if args.slides else None
    truth = pd.read_csv(TRUTH, dtype=str, keep_default_na=False)
    with tempfile.TemporaryDirectory() as tmp:
        scan = Path(tmp) / "scan.pdf"
        scan_pdf(FIXTURE, scan, pages=slides, dpi=args.dpi)
        started = time.perf_counter()
        extraction = extract_report(scan)
        total = time.perf_counter() - started
    rows = extraction.rows.copy()
    if slides:
        rows["page"] = rows["page"].map(lambda p: slides[p - 1])
        truth = truth[truth["slide"].astype(int).isin(slides)]
    exact = cells = 0
    for slide, expected in truth.groupby(truth["slide"].astype(int), sort=False):
        got = rows[rows["page"] == slide]
        for i, (_, want) in enumerate(expected.iterrows()):
            for col in CELLS:
                cells += 1
                exact += i < len(got) and fold(got.iloc[i][col]) == fold(want[col])
    pages = max(extraction.ocr_pages, 1)
    print(f"{extraction.ocr_pages} scanned pages at {args.dpi} dpi: "
          f"{extraction.ocr_seconds:.1f} s of OCR ({extraction.ocr_seconds / pages:.2f} s/page), "
          f"{total:.1f} s in all")
    print(f"rows {len(rows)}/{len(truth)}, cells exact {exact}/{cells} = {exact / cells:.1%}, "
          f"every row ocr: {bool(rows['ocr'].all())}, "
          f"lowest row confidence {rows['ocr_confidence'].min():.2f}")


if __name__ == "__main__":
    main()
