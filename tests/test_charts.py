"""The Dagster UI charts are drawn at the size the UI shows them, labels legible."""

from __future__ import annotations

import io

import pandas as pd
from PIL import Image

from perf_pipeline.report import charts


def test_a_one_report_heatmap_is_not_a_thumbnail():
    summary = pd.DataFrame({"entity": ["Comune di Milano"], "year": [2020], "kpis": [67],
                            "met": [66]})
    with Image.open(io.BytesIO(charts.share_met_by_report(summary))) as image:
        width, height = image.size
    assert width >= charts.MIN_WIDTH_IN * charts.DPI
    # One row of 11 pt labels and a title need at least this much height at 100 dpi.
    assert height >= 150
