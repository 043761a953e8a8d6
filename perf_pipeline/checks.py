"""Blocking asset checks, one per pandera model: bad rows stop the data flow.

A failing check stops every downstream asset of the run, and its failure cases
are attached as metadata so they show in the UI. A failing per-report check marks
the run's attempt 'quarantined' in the ingestion ledger.
"""


import warnings

import pandas as pd
import pandera.errors
from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckResult,
    MetadataValue,
    PreviewWarning,
    asset_check,
)

from . import warehouse
from .assets import (
    WAREHOUSE_POOL,
    extracted_kpi_rows,
    kpi_scores,
    kpi_summaries,
    kpi_trends,
    record_attempts,
    stop_batch,
)
from .partitions import report_partitions
from .resources import WarehouseResource
from .schemas import ExtractedKpiRows, KpiSummary, KpiTrends, ScoredKpis

MAX_FAILURE_CASES = 50

# Per-partition check results are what the UI should show for a partitioned asset;
# Dagster marks partitioned checks as preview.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*",
                        category=PreviewWarning)


def schema_failures(model, frame: pd.DataFrame) -> pd.DataFrame | None:
    """pandera's failure cases of a frame (lazy validation), None when it is valid."""
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return exc.failure_cases
    return None


def check_result(frame: pd.DataFrame, cases: pd.DataFrame | None,
                 **extra_metadata) -> AssetCheckResult:
    if cases is None:
        return AssetCheckResult(passed=True,
                                metadata={"rows_checked": len(frame), **extra_metadata})
    shown = cases[["column", "check", "index", "failure_case"]].head(MAX_FAILURE_CASES)
    return AssetCheckResult(
        passed=False,
        metadata={
            "rows_checked": len(frame),
            "failure_count": len(cases),
            "failed_checks": ", ".join(sorted(cases["check"].astype(str).unique())),
            "failure_cases": MetadataValue.md(shown.astype(str).to_markdown(index=False)),
            **extra_metadata,
        },
    )


def validate(model, frame: pd.DataFrame, **extra_metadata) -> AssetCheckResult:
    """Run a pandera model lazily and turn the outcome into a check result."""
    return check_result(frame, schema_failures(model, frame), **extra_metadata)


def validate_reports(
    context: AssetCheckExecutionContext, warehouse_db: WarehouseResource, model,
    frame: pd.DataFrame, nothing_loaded_yet: bool,
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
    if len(reports) > 1:
        spec = context.check_specs[0]
        for report in reports:
            mine = frame["report"] == report
            own_cases = (None if report not in culprits
                         else cases[case_reports.isna() | (case_reports == report)])
            result = check_result(frame[mine], own_cases)
            context.op_execution_context.log_event(AssetCheckEvaluation(
                asset_key=spec.asset_key, check_name=spec.name, passed=result.passed,
                metadata=result.metadata, partition=report, blocking=True))
    result = check_result(frame, cases, reports_checked=len(reports),
                          quarantined_reports=", ".join(sorted(culprits)) or "none")
    if culprits:
        meta = result.metadata
        error = (f"{context.check_specs[0].name} failed: {meta['failure_count'].value} "
                 f"failure case(s) ({meta['failed_checks'].value})")
        errors = {r: ("quarantined", error) for r in culprits}
        if nothing_loaded_yet:
            stop_batch(context, warehouse_db, errors)
        else:
            record_attempts(context, warehouse_db,
                            {r: (status, {"error": e}) for r, (status, e) in errors.items()})
    return result


@asset_check(
    asset=extracted_kpi_rows,
    blocking=True,
    partitions_def=report_partitions,
    pool=WAREHOUSE_POOL,
    description="Extracted rows match ExtractedKpiRows (non-empty KPI, parseable score, "
    "unique rows).",
)
def extracted_rows_match_schema(
    context: AssetCheckExecutionContext, warehouse_db: WarehouseResource,
) -> AssetCheckResult:
    stage = warehouse_db.stage()
    frame = pd.concat([stage.read(r).rows for r in context.partition_keys],
                      ignore_index=True)
    return validate_reports(context, warehouse_db, ExtractedKpiRows, frame,
                            nothing_loaded_yet=True)


@asset_check(
    asset=kpi_scores,
    blocking=True,
    partitions_def=report_partitions,
    pool=WAREHOUSE_POOL,
    description="Scored KPIs match ScoredKpis (statuses, score range, reasons for unscorable).",
)
def scores_match_schema(
    context: AssetCheckExecutionContext, warehouse_db: WarehouseResource
) -> AssetCheckResult:
    with warehouse_db.connect() as con:
        kpis = warehouse.report_kpis(con, list(context.partition_keys))
    return validate_reports(context, warehouse_db, ScoredKpis, kpis, nothing_loaded_yet=False)


@asset_check(
    asset=kpi_summaries,
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Every summary table matches KpiSummary, and area / objective totals equal "
    "the report's.",
)
def summaries_add_up(warehouse_db: WarehouseResource) -> AssetCheckResult:
    with warehouse_db.connect() as con:
        tables = {name: con.execute(f"SELECT * FROM {name}").df()
                  for name in ("summary_by_report", "summary_by_area", "summary_by_objective")}
    frame = pd.concat(
        [t.assign(summary=name) for name, t in tables.items()], ignore_index=True
    )
    totals = {name: t.groupby("report")["kpis"].sum() for name, t in tables.items()}
    mismatched = sorted(
        report
        for name in ("summary_by_area", "summary_by_objective")
        for report, kpis in totals[name].items()
        if totals["summary_by_report"].get(report) != kpis
    )
    result = validate(KpiSummary, frame,
                      reports_with_mismatched_totals=", ".join(mismatched) or "none")
    if mismatched and result.passed:
        return AssetCheckResult(passed=False, metadata=result.metadata)
    return result


@asset_check(
    asset=kpi_trends,
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="kpi_trends matches KpiTrends: links go to an earlier year, every previous "
    "KPI is followed once (linked or dropped), the change agrees with the link.",
)
def trends_match_schema(warehouse_db: WarehouseResource) -> AssetCheckResult:
    with warehouse_db.connect() as con:
        trends = con.execute("SELECT * FROM kpi_trends").df()
    return validate(KpiTrends, trends)
