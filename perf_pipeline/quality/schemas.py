"""Row shapes of every stage, as pandera models: the single definition of each contract.

The severities and thresholds of their checks are in rules.py. The Dagster asset checks
are generated from these models and those rules (defs/checks.py), the extracted
rows' columns come from one list (columns.py) that the extractor uses too, and a test
holds the warehouse DDL to them.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ..warehouse.values import parse_values
from .columns import EXTRACTED_ROW_COLUMNS
from .rules import threshold

STATUSES = ["met", "partial", "not met", "unscorable"]
VALUE_KINDS = ["percent", "number", "duration", "threshold", "date", "yes_no", "grade",
               "not_available", "text", "empty"]
UNITS = ["percent", "count", "minutes", "hours", "days", "weeks", "months"]
DIRECTIONS = ["higher_is_better", "lower_is_better", "not_applicable"]
METHODS = [
    "deadline", "yes_no", "threshold", "ratio_higher_is_better", "ratio_lower_is_better",
    "qualitative_yes_no", "qualitative_completion", "qualitative_grade", "unscorable",
]
SERIES_TYPES = {"str": str, "int64": int, "float64": float, "bool": bool}
# A printed score must read as a percentage, a number, a grade or SI/NO, or say it is
# not available ('n.d.'), or be absent.
SCORE_KINDS = ["percent", "number", "yes_no", "grade", "not_available", "empty"]


def _few_per_report(df: pd.DataFrame, bad: pd.Series, rule: str) -> Series[bool]:
    """Row-level faults are warnings (sql/08_quality_issues.sql), but more of them than the
    rule's threshold share of a report's rows means its columns were not found: then
    those rows fail, and the report with them."""
    bad = pd.Series(bad.to_numpy(), index=df.index)
    share = bad.groupby(df["report"]).transform("mean")
    return ~bad | (share <= threshold(rule))


class ExtractedKpiRows(pa.DataFrameModel):
    """One row per printed KPI row, cell texts exactly as printed. Columns and dtypes:
    columns.EXTRACTED_ROW_COLUMNS; the constraints are here, each an error of
    quality/rules.py (columns_match: strict and ordered; unique_rows: unique)."""

    __annotations__ = {name: Series[SERIES_TYPES[dtype]]
                       for name, dtype in EXTRACTED_ROW_COLUMNS.items()}
    report = pa.Field(str_length={"min_value": 1})
    page = pa.Field(ge=1)
    table_index = pa.Field(ge=1)
    row_index = pa.Field(ge=1)
    ocr_confidence = pa.Field(nullable=True, ge=0, le=1)

    class Config:
        strict = True
        ordered = True
        unique = ["report", "page", "row_index"]

    @pa.dataframe_check(name="kpi_text_present")
    def kpi_text_present(cls, df: pd.DataFrame) -> Series[bool]:
        return _few_per_report(df, df["kpi"].str.strip() == "", "kpi_text_present")

    @pa.dataframe_check(name="values_present")
    def values_present(cls, df: pd.DataFrame) -> Series[bool]:
        empty = (df["target"].str.strip() == "") & (df["achieved"].str.strip() == "")
        return _few_per_report(df, empty, "values_present")

    @pa.dataframe_check(name="score_reported_parses")
    def score_reported_parses(cls, df: pd.DataFrame) -> Series[bool]:
        unreadable = ~parse_values(df["score_reported"])["kind"].isin(SCORE_KINDS)
        return _few_per_report(df, unreadable, "score_reported_parses")

    @pa.dataframe_check(name="bbox_is_ordered")
    def bbox_is_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["x0"] < df["x1"]) & (df["top"] <= df["bottom"])

    @pa.dataframe_check(name="duplicate_points_to_first_copy")
    def duplicate_points_to_first_copy(cls, df: pd.DataFrame) -> Series[bool]:
        return df["is_duplicate"] == (df["duplicate_of"] != "")


class ScoredKpis(pa.DataFrameModel):
    """Rows of the `kpis` view for one report: printed, parsed and scored side by side."""

    report: Series[str]
    entity: Series[str] = pa.Field(str_length={"min_value": 1})
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1950, le=2100)
    page: Series[int] = pa.Field(ge=1)
    row_index: Series[int] = pa.Field(ge=1)
    kpi: Series[str]  # empty: a warning (kpi_text_missing), not an error
    target_kind: Series[str] = pa.Field(isin=VALUE_KINDS)
    target_unit: Series[str] = pa.Field(nullable=True, isin=UNITS)
    achieved_kind: Series[str] = pa.Field(isin=VALUE_KINDS)
    achieved_unit: Series[str] = pa.Field(nullable=True, isin=UNITS)
    score_reported_number: Series[float] = pa.Field(nullable=True)
    direction: Series[str] = pa.Field(isin=DIRECTIONS)
    method: Series[str] = pa.Field(isin=METHODS)
    score_recomputed: Series[float] = pa.Field(nullable=True, ge=0, le=100)
    status: Series[str] = pa.Field(isin=STATUSES)
    unscorable_reason: Series[str] = pa.Field(nullable=True)
    is_discrepancy: Series[bool]
    is_duplicate: Series[bool]

    class Config:
        strict = False  # the view carries more columns; these are the contract
        coerce = True
        unique = ["report", "page", "row_index"]

    @pa.dataframe_check(name="unscorable_iff_no_score_and_has_reason")
    def unscorable_consistent(cls, df: pd.DataFrame) -> Series[bool]:
        unscorable = df["status"] == "unscorable"
        has_reason = df["unscorable_reason"].fillna("").str.strip() != ""
        return (unscorable == df["score_recomputed"].isna()) & (unscorable == has_reason)

    @pa.dataframe_check(name="status_matches_score")
    def status_matches_score(cls, df: pd.DataFrame) -> Series[bool]:
        score = df["score_recomputed"]
        expected = pd.Series("partial", index=df.index)
        expected[score >= 100 - 1e-9] = "met"
        expected[score <= 1e-9] = "not met"
        expected[score.isna()] = "unscorable"
        return df["status"] == expected

    @pa.dataframe_check(name="reported_score_parsed")
    def reported_score_parsed(cls, df: pd.DataFrame) -> Series[bool]:
        # A score that reads as a percentage, a number or SI/NO was given a number (an
        # unreadable one is left to quality_issues; a number outside 0..100 is no score).
        kinds = pd.Series(parse_values(df["score_reported"])["kind"].to_numpy(),
                          index=df.index)
        readable = kinds.isin(["percent", "yes_no"])
        return ~readable | df["score_reported_number"].notna()


class KpiSummary(pa.DataFrameModel):
    """Counts by status for one group (report, area or objective)."""

    report: Series[str]
    entity: Series[str]
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    kpis: Series[int] = pa.Field(ge=1)
    met: Series[int] = pa.Field(ge=0)
    partial: Series[int] = pa.Field(ge=0)
    not_met: Series[int] = pa.Field(ge=0)
    unscorable: Series[int] = pa.Field(ge=0)
    mean_score_recomputed: Series[float] = pa.Field(nullable=True, ge=0, le=100)
    mean_score_reported: Series[float] = pa.Field(nullable=True, ge=0, le=200)
    implausible_scores: Series[int] = pa.Field(ge=0)
    discrepancies: Series[int] = pa.Field(ge=0)

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check(name="status_counts_add_up")
    def status_counts_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df["kpis"] == df["met"] + df["partial"] + df["not_met"] + df["unscorable"]

    @pa.dataframe_check(name="discrepancies_within_kpis")
    def discrepancies_within_kpis(cls, df: pd.DataFrame) -> Series[bool]:
        return df["discrepancies"] <= df["kpis"]


CHANGES = ["first report", "added", "improved", "worsened", "unchanged", "not comparable",
           "dropped"]
MATCH_METHODS = ["override", "exact", "fuzzy"]


class KpiTrends(pa.DataFrameModel):
    """Rows of `kpi_trends`: each KPI and report year beside its predecessor, plus one
    'dropped' row for a KPI that has no successor in the entity's next report."""

    series_id: Series[str] = pa.Field(str_length={"min_value": 1})
    entity: Series[str] = pa.Field(str_length={"min_value": 1})
    year: Series[int] = pa.Field(ge=1950, le=2100)
    report: Series[str]
    kpi: Series[str]
    status: Series[str] = pa.Field(nullable=True, isin=STATUSES)
    change: Series[str] = pa.Field(isin=CHANGES)
    score_change: Series[float] = pa.Field(nullable=True, ge=-100, le=100)
    match_method: Series[str] = pa.Field(nullable=True, isin=MATCH_METHODS)
    match_similarity: Series[float] = pa.Field(nullable=True, ge=0, le=100)
    previous_year: Series[pd.Int64Dtype] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check(name="predecessor_is_from_an_earlier_year")
    def predecessor_is_earlier(cls, df: pd.DataFrame) -> Series[bool]:
        linked = df["previous_report"].notna()
        return ~linked | (df["previous_year"] < df["year"])

    @pa.dataframe_check(name="each_previous_kpi_followed_once")
    def previous_followed_once(cls, df: pd.DataFrame) -> Series[bool]:
        # A previous KPI is either linked to one successor or 'dropped', never both or twice.
        key = ["previous_report", "previous_page", "previous_row_index"]
        linked = df["previous_report"].notna()
        return ~linked | ~df[key].duplicated(keep=False)

    @pa.dataframe_check(name="change_agrees_with_link")
    def change_agrees_with_link(cls, df: pd.DataFrame) -> Series[bool]:
        unlinked = df["change"].isin(["first report", "added"])
        return unlinked == df["previous_report"].isna()
