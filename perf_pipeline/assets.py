"""Assets: raw PDF → extracted rows → warehouse rows → scores → summaries.

Each asset only wires a pure function (extract/, warehouse.py + sql/) into Dagster
and reports what it did as metadata for the UI.
"""


import warnings

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetSpec,
    BetaWarning,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)
from dagster_pandera import pandera_schema_to_dagster_type

from . import warehouse
from .extract import Extraction, ReportError, extract_report
from .partitions import report_partitions
from .resources import RawReportsResource, WarehouseResource
from .schemas import ExtractedKpiRows, KpiSummary, ScoredKpis

PREVIEW_ROWS = 10
PREVIEW_COLUMNS = ["page", "section", "objective", "kpi", "target", "achieved", "score_reported"]
SCORE_PREVIEW_COLUMNS = ["page", "kpi", "target", "achieved", "score_reported",
                         "score_recomputed", "status", "method"]


def column_schema(model) -> dict:
    """UI column schema, derived from the pandera model (no second definition)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        dagster_type = pandera_schema_to_dagster_type(model)
    return {"dagster/column_schema": dagster_type.metadata["schema"]}


def preview(frame: pd.DataFrame, columns: list[str]) -> MetadataValue:
    shown = frame[[c for c in columns if c in frame.columns]].head(PREVIEW_ROWS).copy()
    for col in shown.select_dtypes("object"):
        shown[col] = shown[col].astype(str).str.replace("\n", " ").str.slice(0, 60)
    return MetadataValue.md(shown.to_markdown(index=False))


report_pdf = AssetSpec(
    key="report_pdf",
    description="A performance report PDF dropped into raw/ (one partition per file).",
    partitions_def=report_partitions,
    group_name="raw",
    kinds={"pdf"},
)


@asset(
    deps=[report_pdf],
    partitions_def=report_partitions,
    group_name="extract",
    kinds={"python", "pdf"},
    metadata=column_schema(ExtractedKpiRows),
)
def extracted_kpi_rows(
    context: AssetExecutionContext, raw_reports: RawReportsResource
) -> Output[Extraction]:
    """Every KPI row of every KPI table in the report, as printed, with provenance."""
    path = raw_reports.path(context.partition_key)
    try:
        extraction = extract_report(path)
    except ReportError as exc:
        raise Failure(description=str(exc), metadata={"error_kind": exc.kind}) from None
    for warning in extraction.warnings:
        context.log.warning(warning)
    rows = extraction.rows
    identity = extraction.identity
    return Output(
        extraction,
        metadata={
            "dagster/row_count": len(rows),
            "entity": identity.entity,
            "year": identity.year or 0,
            "pages": extraction.pages,
            "kpi_tables": extraction.kpi_tables,
            "duplicate_rows": int(rows["is_duplicate"].sum()) if len(rows) else 0,
            "extraction_seconds": round(extraction.seconds, 3),
            "warnings": "\n".join(extraction.warnings) or "none",
            "preview": preview(rows, PREVIEW_COLUMNS),
        },
    )


@asset(
    partitions_def=report_partitions,
    group_name="warehouse",
    kinds={"duckdb"},
    metadata=column_schema(ExtractedKpiRows),
)
def warehouse_kpi_rows(
    context: AssetExecutionContext, warehouse_db: WarehouseResource, extracted_kpi_rows: Extraction
) -> MaterializeResult:
    """The validated rows, loaded into `kpi_rows` (the report replaced in one transaction)."""
    with warehouse_db.connect() as con:
        loaded = warehouse.load_report(con, extracted_kpi_rows, extracted_kpi_rows.rows)
        total = con.execute("SELECT count(*) FROM kpi_rows").fetchall()[0][0]
    return MaterializeResult(
        metadata={
            "dagster/row_count": loaded,
            "warehouse_rows_all_reports": total,
            "database": warehouse_db.database,
        }
    )


@asset(
    deps=[warehouse_kpi_rows],
    partitions_def=report_partitions,
    group_name="warehouse",
    kinds={"duckdb", "sql"},
    metadata=column_schema(ScoredKpis),
)
def kpi_scores(context: AssetExecutionContext, warehouse_db: WarehouseResource) -> MaterializeResult:
    """Parsed target / achieved / reported values and the recomputed score and status."""
    with warehouse_db.connect() as con:
        kpis = warehouse.score_report(con, context.partition_key)
    counted = kpis[~kpis["is_duplicate"]]
    by_status = counted["status"].value_counts()
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(kpis),
            "distinct_kpis": len(counted),
            **{f"status_{s.replace(' ', '_')}": int(by_status.get(s, 0))
               for s in ["met", "partial", "not met", "unscorable"]},
            "discrepancies": int(counted["is_discrepancy"].sum()),
            "preview": preview(kpis, SCORE_PREVIEW_COLUMNS),
        }
    )


@asset(
    deps=[kpi_scores],
    group_name="summaries",
    kinds={"duckdb", "sql"},
    metadata=column_schema(KpiSummary),
)
def kpi_summaries(warehouse_db: WarehouseResource) -> MaterializeResult:
    """summary_by_report / _area / _objective / _status over every loaded report."""
    with warehouse_db.connect() as con:
        tables = warehouse.refresh_summaries(con)
    by_report = tables["summary_by_report"]
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(by_report),
            **{f"rows_{name}": len(frame) for name, frame in tables.items()},
            "summary_by_report": preview(by_report, list(by_report.columns)),
        }
    )
