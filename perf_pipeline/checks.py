"""Blocking asset checks, one per pandera model: bad rows stop the data flow.

A failing check stops every downstream asset of the run, and its failure cases
are attached as metadata so they show in the UI. A failing per-report check marks
the run's attempt 'quarantined' in the ingestion ledger.
"""


import warnings

import pandas as pd
import pandera.errors
from dagster import (
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
    record_attempt,
)
from .extract import Extraction
from .partitions import report_partitions
from .resources import WarehouseResource
from .schemas import ExtractedKpiRows, KpiSummary, KpiTrends, ScoredKpis

MAX_FAILURE_CASES = 50

# Per-partition check results are what the UI should show for a partitioned asset;
# Dagster marks partitioned checks as preview.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*",
                        category=PreviewWarning)


def validate(model, frame: pd.DataFrame, **extra_metadata) -> AssetCheckResult:
    """Run a pandera model lazily and turn the outcome into a check result."""
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
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
    return AssetCheckResult(passed=True, metadata={"rows_checked": len(frame), **extra_metadata})


def quarantine_on_failure(
    context: AssetCheckExecutionContext, warehouse_db: WarehouseResource,
    result: AssetCheckResult,
) -> AssetCheckResult:
    """A report whose rows fail a blocking check is quarantined in the ledger."""
    if not result.passed:
        meta = result.metadata
        record_attempt(
            context, warehouse_db, "quarantined",
            error=f"{context.check_specs[0].name} failed: {meta['failure_count'].value} "
                  f"failure case(s) ({meta['failed_checks'].value})",
        )
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
    extracted_kpi_rows: Extraction,
) -> AssetCheckResult:
    return quarantine_on_failure(
        context, warehouse_db, validate(ExtractedKpiRows, extracted_kpi_rows.rows)
    )


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
        kpis = warehouse.report_kpis(con, context.partition_key)
    return quarantine_on_failure(context, warehouse_db, validate(ScoredKpis, kpis))


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
