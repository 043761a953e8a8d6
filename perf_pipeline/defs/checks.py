"""Asset checks, all from quality/: one blocking check per pandera model, one warning
check per warning rule of quality/rules.py.

Blocking checks (errors: the extraction of a report is unusable) run in the step of the
asset they check (one step fewer per check, which is most of a small report's time): a
failing one stops every downstream asset of the run, its failure cases (report, page,
KPI, cell, printed value) are attached as metadata, and the report is 'quarantined' in
the ingestion ledger with the reason, which its partition's evaluation shows too.

Warning checks (Dagster WARN severity, never blocking) show the rows that
sql/08_quality_issues.sql flags: the rows are loaded and scored, the findings say what to
look at, the same rows as the warehouse table `quality_issues`.
"""


import warnings
from collections.abc import Iterable

import pandas as pd
import pandera.errors
from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MetadataValue,
    PreviewWarning,
)

from ..quality.rules import BY_NAME, warning_rules
from ..quality.schemas import ExtractedKpiRows, KpiSummary, KpiTrends, ScoredKpis
from .ledger import record_attempts, record_stopped
from .partitions import report_partitions
from .resources import WarehouseResource

MAX_FAILURE_CASES = 50

# Per-partition check results are what the UI should show for a partitioned asset;
# Dagster marks partitioned checks as preview.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*",
                        category=PreviewWarning)

EXTRACTED_ROWS_MATCH_SCHEMA = AssetCheckSpec(
    "extracted_rows_match_schema", asset="extracted_kpi_rows", blocking=True,
    partitions_def=report_partitions,
    description="Extracted rows match ExtractedKpiRows (non-empty KPI, parseable score, "
    "unique rows).",
)
SCORES_MATCH_SCHEMA = AssetCheckSpec(
    "scores_match_schema", asset="kpi_scores", blocking=True,
    partitions_def=report_partitions,
    description="Scored KPIs match ScoredKpis (statuses, score range, reasons for unscorable).",
)
SUMMARIES_ADD_UP = AssetCheckSpec(
    "summaries_add_up", asset="kpi_summaries", blocking=True,
    description="Every summary table matches KpiSummary, and area / objective totals equal "
    "the report's.",
)
TRENDS_MATCH_SCHEMA = AssetCheckSpec(
    "trends_match_schema", asset="kpi_trends", blocking=True,
    description="kpi_trends matches KpiTrends: links go to an earlier year, every previous "
    "KPI is followed once (linked or dropped), the change agrees with the link.",
)


# Warnings found across years, once kpi_trends is rebuilt; the others with the scores.
TREND_WARNINGS = ["kpi_missing", "target_changed"]


def _warning_spec(rule, asset: str, partitioned: bool) -> AssetCheckSpec:
    return AssetCheckSpec(
        rule.name, asset=asset, blocking=False,
        partitions_def=report_partitions if partitioned else None,
        description=f"Warning: {rule.description}"
        + (f" (threshold {rule.threshold:g})" if rule.threshold is not None else "")
        + f". What to do: {rule.action}.")


ROW_WARNINGS = [_warning_spec(rule, "kpi_scores", partitioned=True)
                for rule in warning_rules() if rule.name not in TREND_WARNINGS]
TREND_WARNING_SPECS = [_warning_spec(BY_NAME[name], "kpi_trends", partitioned=False)
                       for name in TREND_WARNINGS]
# Where a finding is and what it says, as quality_issues has it.
FINDING_COLUMNS = ["report", "page", "kpi", "column", "value", "message"]


def warning_result(spec: AssetCheckSpec, findings: pd.DataFrame, rows_checked: int
                   ) -> AssetCheckResult:
    """A warning check's result: passed when nothing was found, else WARN with the
    findings (report, page, KPI, cell, value, message) as metadata."""
    rule = BY_NAME[spec.name]
    metadata = {"rows_checked": rows_checked, "findings": len(findings),
                "what_to_do": rule.action}
    if rule.threshold is not None:
        metadata["threshold"] = rule.threshold
    if len(findings):
        shown = findings[FINDING_COLUMNS].head(MAX_FAILURE_CASES).map(preview_cell)
        metadata["failure_cases"] = MetadataValue.md(shown.to_markdown(index=False))
    return AssetCheckResult(asset_key=spec.asset_key, check_name=spec.name,
                            passed=findings.empty, severity=AssetCheckSeverity.WARN,
                            metadata=metadata)


def check_row_warnings(context: AssetExecutionContext, findings: pd.DataFrame,
                       rows_by_report: dict[str, int]) -> list[AssetCheckResult]:
    """The warning checks of the scored rows of the run's reports (``findings``: their
    warning rows of quality_issues); a run of several reports also records each
    report's evaluation on its partition."""
    reports = list(context.partition_keys)
    results = []
    for spec in ROW_WARNINGS:
        mine = findings[findings["check"] == spec.name]
        if len(reports) > 1:
            for report in reports:
                result = warning_result(spec, mine[mine["report"] == report],
                                        rows_by_report.get(report, 0))
                context.log_event(AssetCheckEvaluation(
                    asset_key=spec.asset_key, check_name=spec.name, passed=result.passed,
                    metadata=result.metadata, partition=report, blocking=False,
                    severity=AssetCheckSeverity.WARN))
        results.append(warning_result(spec, mine, sum(rows_by_report.values())))
    return results


def check_trend_warnings(findings: pd.DataFrame, rows_checked: int
                         ) -> list[AssetCheckResult]:
    return [warning_result(spec, findings[findings["check"] == spec.name], rows_checked)
            for spec in TREND_WARNING_SPECS]


# pandera's own names for the structural checks of quality/rules.py.
PANDERA_CHECK_RULES = {"column_in_schema": "columns_match", "column_in_dataframe":
                       "columns_match", "column_ordered": "columns_match",
                       "multiple_fields_uniqueness": "unique_rows"}


def quarantine_reason(failed_checks: list[str]) -> str:
    """Why a report was quarantined, in words, from the rules of its failed checks."""
    reasons = []
    for check in failed_checks:
        rule = BY_NAME.get(PANDERA_CHECK_RULES.get(check, check))
        if rule is None:
            reasons.append(f"{check}: a value outside its allowed range; what to do: a "
                           "bug of the extractor, report it with the PDF")
        else:
            limit = f" (threshold {rule.threshold:g})" if rule.threshold is not None else ""
            reasons.append(f"{rule.name}{limit}: {rule.description}; what to do: "
                           f"{rule.action}")
    return "; ".join(reasons)


def schema_failures(model, frame: pd.DataFrame) -> pd.DataFrame | None:
    """pandera's failure cases of a frame (lazy validation), None when it is valid."""
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return one_case_per_row(exc.failure_cases)
    return None


def one_case_per_row(cases: pd.DataFrame) -> pd.DataFrame:
    """pandera reports a failed check over whole rows once per column of each row: keep
    one case per row, on the column the check is named after when it names one
    (score_reported_parses → score_reported), else with no column."""
    whole_row = cases["schema_context"] == "DataFrameSchema"
    rows = cases[whole_row].copy()
    # The longest column name inside the check's name is the one it is about.
    rows["named"] = [len(str(col)) if str(col) in str(check) else 0
                     for col, check in zip(rows["column"], rows["check"], strict=True)]
    rows = rows.sort_values("named", ascending=False, kind="stable").drop_duplicates(
        ["check", "index"])
    rows.loc[rows["named"] == 0, ["column", "failure_case"]] = None
    return pd.concat([cases[~whole_row], rows.drop(columns="named")]).sort_values(
        "index", kind="stable")


# Where a failure case is, as a reviewer finds it in the PDF: never a frame index.
WHERE_COLUMNS = ["report", "page", "kpi"]
PREVIEW_CHARS = 60


def preview_cell(value: object) -> str:
    """One cell of a markdown preview: one line, cut with `…`, blank when missing."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = " ".join(str(value).split())  # line breaks would break the markdown row
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def located(cases: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Failure cases with the report, page and KPI text of their row (a case about the
    whole frame, such as a missing column, has none), the check and the printed value."""
    where = [c for c in WHERE_COLUMNS if c in frame.columns]
    index = pd.to_numeric(cases["index"], errors="coerce")  # the frame's own row labels
    found = index.notna() & index.isin(frame.index)
    place = pd.DataFrame("", index=cases.index, columns=where)
    place.loc[found, where] = frame.loc[index[found].astype(int), where].to_numpy()
    table = pd.concat([place, cases[["column", "check"]].rename(columns={"column": "cell"}),
                       cases["failure_case"].rename("printed value")], axis=1)
    return table.map(preview_cell)


def check_result(spec: AssetCheckSpec, frame: pd.DataFrame, cases: pd.DataFrame | None,
                 rows_checked: int | None = None, **extra_metadata) -> AssetCheckResult:
    """``frame``: the rows the cases point into (``rows_checked`` when they were only
    some of the rows checked)."""
    rows_checked = len(frame) if rows_checked is None else rows_checked
    if cases is None:
        return AssetCheckResult(asset_key=spec.asset_key, check_name=spec.name, passed=True,
                                metadata={"rows_checked": rows_checked, **extra_metadata})
    shown = located(cases.head(MAX_FAILURE_CASES), frame)
    return AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=False,
        metadata={
            "rows_checked": rows_checked,
            "failure_count": len(cases),
            "failed_checks": ", ".join(sorted(cases["check"].astype(str).unique())),
            "failure_cases": MetadataValue.md(shown.to_markdown(index=False)),
            **extra_metadata,
        },
    )


def validate_reports(
    context: AssetExecutionContext, warehouse_db: WarehouseResource, spec: AssetCheckSpec,
    model, frame: pd.DataFrame, nothing_loaded_yet: bool,
) -> AssetCheckResult:
    """Validate the rows of every report of the run at once; each report with a failure
    case is quarantined in the ledger. Before the load (``nothing_loaded_yet``) the run's
    other reports are marked skipped, since the blocking check stops the whole run.

    A run of several reports also records one evaluation per report (its partition), so
    the UI shows each report's result; the returned one is the whole run's."""
    reports = list(context.partition_keys)
    cases = schema_failures(model, frame)
    if cases is None:
        case_reports = pd.Series(dtype=object)
        culprits: set[str] = set()
    else:
        rows = pd.to_numeric(cases["index"], errors="coerce")
        tied = rows.notna() & rows.isin(frame.index)
        # A failure not tied to a row (a missing column, ...) is every report's.
        case_reports = frame["report"].reindex(rows.where(tied)).set_axis(cases.index)
        culprits = set(case_reports.dropna()) if tied.all() else set(reports)
    reasons = {}
    for report in culprits:
        own_cases = cases[case_reports.isna() | (case_reports == report)]
        reasons[report] = quarantine_reason(sorted(own_cases["check"].astype(str).unique()))
    if len(reports) > 1:
        for report in reports:
            mine = frame["report"] == report
            own_cases = (None if report not in culprits
                         else cases[case_reports.isna() | (case_reports == report)])
            result = check_result(spec, frame[mine], own_cases, **(
                {"quarantine_reason": reasons[report]} if report in reasons else {}))
            context.log_event(AssetCheckEvaluation(
                asset_key=spec.asset_key, check_name=spec.name, passed=result.passed,
                metadata=result.metadata, partition=report, blocking=True))
    result = check_result(spec, frame, cases, reports_checked=len(reports),
                          quarantined_reports=", ".join(sorted(culprits)) or "none",
                          **({"quarantine_reason": "\n".join(
                              f"{r}: {reasons[r]}" for r in sorted(reasons))}
                             if reasons else {}))
    if culprits:
        meta = result.metadata
        errors = {r: ("quarantined", f"{spec.name} failed: {reasons[r]} "
                      f"({meta['failure_count'].value} failure case(s) in the run)")
                  for r in culprits}
        if nothing_loaded_yet:
            record_stopped(context, warehouse_db, errors)
        else:
            record_attempts(context, warehouse_db,
                            {r: (status, {"error": e}) for r, (status, e) in errors.items()})
    return result


def check_extracted_rows(context: AssetExecutionContext, warehouse_db: WarehouseResource,
                         rows: pd.DataFrame) -> AssetCheckResult:
    return validate_reports(context, warehouse_db, EXTRACTED_ROWS_MATCH_SCHEMA,
                            ExtractedKpiRows, rows, nothing_loaded_yet=True)


def check_scores(context: AssetExecutionContext, warehouse_db: WarehouseResource,
                 kpis: pd.DataFrame) -> AssetCheckResult:
    return validate_reports(context, warehouse_db, SCORES_MATCH_SCHEMA, ScoredKpis, kpis,
                            nothing_loaded_yet=False)


SUMMARY_PARTS = ["summary_by_report", "summary_by_area", "summary_by_objective"]


def check_summaries(chunks: Iterable[dict[str, pd.DataFrame]]) -> AssetCheckResult:
    """KpiSummary over the summary tables, and every report's area and objective totals
    equal to its report total; one chunk (an entity's tables) at a time."""
    rows, failures, mismatched = 0, [], []
    for tables in chunks:
        frame = pd.concat([tables[name].assign(summary=name) for name in SUMMARY_PARTS],
                          ignore_index=True)
        frame.index = pd.RangeIndex(rows, rows + len(frame))
        rows += len(frame)
        if (cases := schema_failures(KpiSummary, frame)) is not None:
            failures.append(cases)
        totals = {name: tables[name].groupby("report")["kpis"].sum() for name in SUMMARY_PARTS}
        mismatched += [report
                       for name in ("summary_by_area", "summary_by_objective")
                       for report, kpis in totals[name].items()
                       if totals["summary_by_report"].get(report) != kpis]
    result = check_result(SUMMARIES_ADD_UP, pd.DataFrame(index=pd.RangeIndex(rows)),
                          pd.concat(failures, ignore_index=True) if failures else None,
                          reports_with_mismatched_totals=", ".join(sorted(set(mismatched)))
                          or "none")
    if mismatched and result.passed:
        return AssetCheckResult(asset_key=SUMMARIES_ADD_UP.asset_key,
                                check_name=SUMMARIES_ADD_UP.name, passed=False,
                                metadata=result.metadata)
    return result


def check_trends(chunks: Iterable[pd.DataFrame]) -> AssetCheckResult:
    """KpiTrends over kpi_trends, one chunk (an entity's rows) at a time; the failure
    cases' row numbers count across chunks."""
    rows, failures, failing_rows = 0, [], []
    for chunk in chunks:
        chunk.index = pd.RangeIndex(rows, rows + len(chunk))
        rows += len(chunk)
        if (cases := schema_failures(KpiTrends, chunk)) is not None:
            failures.append(cases)
            failing_rows.append(chunk[[c for c in WHERE_COLUMNS if c in chunk.columns]])
    if not failures:
        return check_result(TRENDS_MATCH_SCHEMA, pd.DataFrame(), None, rows_checked=rows)
    return check_result(TRENDS_MATCH_SCHEMA, pd.concat(failing_rows),
                        pd.concat(failures, ignore_index=True), rows_checked=rows)
