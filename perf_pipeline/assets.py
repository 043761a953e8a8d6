"""Assets: raw PDF → extracted rows → warehouse rows → scores → summaries and trends.

Each asset only wires a pure function (extract/, warehouse.py + sql/, charts.py) into
Dagster and reports what it did as metadata for the UI. Every step that opens the DuckDB
file runs in the `duckdb_warehouse` concurrency pool (limit 1 in dagster_home/dagster.yaml),
so two runs never write it at once, whoever launched them. The partitioned steps also
keep the ingestion ledger (sql/05_ledger.sql) of their run.
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

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

from . import charts, warehouse
from .extract import Extraction, ReportError, extract_report
from .ingest import TRIGGER_TAG
from .partitions import report_partitions
from .resources import RawReportsResource, WarehouseResource
from .schemas import ExtractedKpiRows, KpiSummary, KpiTrends, ScoredKpis

WAREHOUSE_POOL = "duckdb_warehouse"
PREVIEW_ROWS = 10
PREVIEW_COLUMNS = ["page", "section", "objective", "kpi", "target", "achieved", "score_reported"]
SCORE_PREVIEW_COLUMNS = ["page", "kpi", "target", "achieved", "score_reported",
                         "score_recomputed", "status", "method"]
TREND_PREVIEW_COLUMNS = ["year", "kpi", "previous_kpi", "change", "score_change",
                         "match_method", "match_similarity"]
AREA_PREVIEW_COLUMNS = ["entity", "year", "area", "kpis", "met", "share_met_pct",
                        "share_met_change_pp", "added", "dropped", "improved", "worsened"]


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


def run_trigger(tags) -> str:
    """Who started this run, for the ledger: cli / sensor / schedule, else the UI."""
    return tags.get(TRIGGER_TAG, "ui")


def record_attempt(context, warehouse_db: WarehouseResource, status: str, **fields) -> None:
    """Write this run's attempt at the partition's file to the ingestion ledger."""
    with warehouse_db.connect() as con:
        warehouse.record_attempt(con, context.run.run_id, context.partition_key, status,
                                 trigger=run_trigger(context.run.tags), **fields)


def error_message(exc: Exception) -> str:
    if isinstance(exc, Failure):
        return exc.description or "step failed"
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def attempt_fails_on_error(context, warehouse_db: WarehouseResource) -> Iterator[None]:
    """Any exception of the step marks the attempt failed (with its message), then raises."""
    try:
        yield
    except Exception as exc:
        record_attempt(context, warehouse_db, "failed", error=error_message(exc))
        raise


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
    pool=WAREHOUSE_POOL,
)
def extracted_kpi_rows(
    context: AssetExecutionContext, raw_reports: RawReportsResource,
    warehouse_db: WarehouseResource,
) -> Output[Extraction]:
    """Every KPI row of every KPI table in the report, as printed, with provenance."""
    path = raw_reports.path(context.partition_key)
    with attempt_fails_on_error(context, warehouse_db):
        present = path.is_file()  # a missing file is the extractor's error to report
        record_attempt(context, warehouse_db, "running",
                       sha256=warehouse.file_sha256(path) if present else None,
                       size_bytes=path.stat().st_size if present else None)
        try:
            extraction = extract_report(path, **raw_reports.extract_options(path.name))
        except ReportError as exc:
            raise Failure(description=str(exc), metadata={"error_kind": exc.kind}) from None
        rows = extraction.rows
        identity = extraction.identity
        record_attempt(context, warehouse_db, "running", pages=extraction.pages,
                       entity=identity.entity, year=identity.year, kpi_rows=len(rows))
    for warning in extraction.warnings:
        context.log.warning(warning)
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
    pool=WAREHOUSE_POOL,
)
def warehouse_kpi_rows(
    context: AssetExecutionContext, warehouse_db: WarehouseResource, extracted_kpi_rows: Extraction
) -> MaterializeResult:
    """The validated rows, loaded into `kpi_rows` (the report replaced in one transaction).
    A second file with the same entity and year fails here, naming both files."""
    with attempt_fails_on_error(context, warehouse_db), warehouse_db.connect() as con:
        try:
            loaded = warehouse.load_report(con, extracted_kpi_rows, extracted_kpi_rows.rows)
        except warehouse.DuplicateReportError as exc:
            raise Failure(description=str(exc)) from None
        total = con.execute("SELECT count(*) FROM kpi_rows").fetchall()[0][0]
        info = warehouse.report_info(con, context.partition_key)
    return MaterializeResult(
        metadata={
            "dagster/row_count": loaded,
            "warehouse_rows_all_reports": total,
            "entity": info["entity"],
            "year": int(info["year"]) if pd.notna(info["year"]) else 0,
            "sha256": info["sha256"],
            "database": warehouse_db.database,
            "preview": preview(extracted_kpi_rows.rows, PREVIEW_COLUMNS),
        }
    )


@asset(
    deps=[warehouse_kpi_rows],
    partitions_def=report_partitions,
    group_name="warehouse",
    kinds={"duckdb", "sql"},
    metadata=column_schema(ScoredKpis),
    pool=WAREHOUSE_POOL,
)
def kpi_scores(
    context: AssetExecutionContext, warehouse_db: WarehouseResource
) -> MaterializeResult:
    """Parsed target / achieved / reported values and the recomputed score and status.
    Its metadata carries the file's sha256: what the sensor compares a file with."""
    with attempt_fails_on_error(context, warehouse_db), warehouse_db.connect() as con:
        kpis = warehouse.score_report(con, context.partition_key)
        info = warehouse.report_info(con, context.partition_key)
        # The identity again, for an attempt that re-executed only the later steps.
        warehouse.record_attempt(
            con, context.run.run_id, context.partition_key, "ingested",
            trigger=run_trigger(context.run.tags), kpi_rows=len(kpis), sha256=info["sha256"],
            entity=info["entity"], year=int(info["year"]) if pd.notna(info["year"]) else None,
            pages=int(info["pages"]),
        )
    counted = kpis[~kpis["is_duplicate"]]
    by_status = counted["status"].value_counts()
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(kpis),
            "distinct_kpis": len(counted),
            **{f"status_{s.replace(' ', '_')}": int(by_status.get(s, 0))
               for s in ["met", "partial", "not met", "unscorable"]},
            "discrepancies": int(counted["is_discrepancy"].sum()),
            "sha256": info["sha256"],
            "preview": preview(kpis, SCORE_PREVIEW_COLUMNS),
        }
    )


INGEST_ASSETS = [extracted_kpi_rows, warehouse_kpi_rows, kpi_scores]


@asset(
    deps=[kpi_scores],
    group_name="summaries",
    kinds={"duckdb", "sql"},
    metadata=column_schema(KpiSummary),
    pool=WAREHOUSE_POOL,
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
            "chart": MetadataValue.md(charts.markdown_image(
                charts.status_by_year(by_report), "KPIs by status, per report")),
        }
    )


@asset(
    deps=[kpi_scores],
    group_name="trends",
    kinds={"duckdb", "sql"},
    metadata=column_schema(KpiTrends),
    pool=WAREHOUSE_POOL,
)
def kpi_trends(warehouse_db: WarehouseResource) -> MaterializeResult:
    """Each KPI linked to the same KPI in the entity's previous report (override, exact
    text, or fuzzy match: sql/06_kpi_trends.sql), with the change of score; `kpi_links`
    holds the links."""
    with warehouse_db.connect() as con:
        tables = warehouse.refresh_trends(con)
    trends = tables["kpi_trends"]
    changes = trends.groupby(["year", "change"]).size()
    notable = trends[~trends["change"].isin(["unchanged", "first report"])]
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(trends),
            "links": len(tables["kpi_links"]),
            "links_by_method": MetadataValue.json(
                tables["kpi_links"]["method"].value_counts().to_dict()),
            "changes_by_year": MetadataValue.md(
                changes.rename("kpis").reset_index().to_markdown(index=False)),
            "what_changed": preview(notable, TREND_PREVIEW_COLUMNS),
        }
    )


@asset(
    deps=[kpi_trends],
    group_name="trends",
    kinds={"duckdb", "sql"},
    pool=WAREHOUSE_POOL,
)
def area_trends(warehouse_db: WarehouseResource) -> MaterializeResult:
    """Per entity and area, year over year: KPIs, share met, change in points, added /
    dropped / improved / worsened KPIs (table `trend_by_area`, sql/07_area_trends.sql)."""
    with warehouse_db.connect() as con:
        table = warehouse.refresh_area_trends(con)["trend_by_area"]
    latest = table.sort_values("year").groupby(["entity", "area_key"]).tail(1)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(table),
            "latest_year_by_area": preview(latest, AREA_PREVIEW_COLUMNS),
            "chart": MetadataValue.md(charts.markdown_image(
                charts.share_met_by_area(table), "Share of KPIs met by area, per year")),
        }
    )


@asset(
    deps=[kpi_summaries, area_trends],
    group_name="summaries",
    kinds={"parquet"},
    pool=WAREHOUSE_POOL,
)
def warehouse_exports(warehouse_db: WarehouseResource) -> MaterializeResult:
    """The summary, trend and ledger tables as Parquet files beside the database
    (<db dir>/exports/), each replaced atomically: read these while the UI is up, since
    a run holds the DuckDB file while it writes."""
    directory = warehouse.exports_dir(warehouse_db.database)
    with warehouse_db.connect() as con:
        written = warehouse.export_tables(con, directory)
    return MaterializeResult(
        metadata={
            "directory": MetadataValue.path(str(directory.resolve())),
            "files": MetadataValue.md("\n".join(f"- `{p.name}`" for p in written.values())),
        }
    )


SUMMARY_ASSETS = [kpi_summaries, kpi_trends, area_trends, warehouse_exports]
