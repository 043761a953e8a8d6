"""The columns of extracted KPI rows, name → dtype, in order: the one list both the
extractor (which must not load pandera) and the pandera model ExtractedKpiRows
(schemas.py, which adds the checks) are built from."""

EXTRACTED_ROW_COLUMNS = {
    # The CSV contract of `perf-pipeline extract` starts with these nine.
    "report": "str",
    "page": "int64",  # 1-based PDF page
    "section": "str",
    "area": "str",
    "objective": "str",
    "kpi": "str",
    "target": "str",
    "achieved": "str",
    "score_reported": "str",
    # Provenance.
    "table_index": "int64",
    "row_index": "int64",
    "x0": "float64",
    "top": "float64",
    "x1": "float64",
    "bottom": "float64",
    "is_duplicate": "bool",
    "duplicate_of": "str",
    "extra": "str",
    "ocr": "bool",
    "ocr_confidence": "float64",
}
EXTRACTED_COLUMNS = list(EXTRACTED_ROW_COLUMNS)
