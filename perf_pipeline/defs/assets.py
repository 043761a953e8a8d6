"""Assets: raw PDF → extracted rows → warehouse rows → scores → summaries and trends.

Each asset only wires a pure function (extract/, warehouse/ + sql/, report/) into
Dagster and reports what it did as metadata for the UI. Steps open the warehouse's
working copy only while they use it (store.connect, which publishes what they wrote for
readers); a copy held by another pipeline process is waited for, so two runs never
write it at once, whoever launched them. The partitioned steps also keep
the ingestion ledger (sql/05_ledger.sql) of their run.
"""

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)
from dagster_pandera import pandera_schema_to_dagster_type

from ..extract import ReportError
from ..quality.corrections import read_corrections
from ..quality.schemas import ExtractedKpiRows, KpiSummary, KpiTrends, ScoredKpis
from ..raw_folder import file_sha256, input_key
from ..report import charts, crops, scorecard
from ..warehouse import store
from ..warehouse.staging import ExtractionJob, StagedExtraction, extract_all
from .checks import (
    EXTRACTED_ROWS_MATCH_SCHEMA,
    ROW_WARNINGS,
    SCORES_MATCH_SCHEMA,
    SUMMARIES_ADD_UP,
    SUMMARY_PARTS,
    TREND_WARNING_SPECS,
    TRENDS_MATCH_SCHEMA,
    check_extracted_rows,
    check_row_warnings,
    check_scores,
    check_summaries,
    check_trend_warnings,
    check_trends,
    preview_cell,
)
from .ledger import attempts_fail_on_error, record_attempts, stop_batch
from .partitions import report_partitions
from .resources import RawReportsResource, WarehouseResource
from .runs import REFRESH_INPUTS, close_dead_attempts, process_tag

PREVIEW_ROWS = 10
# Reports loaded per transaction: few statements, and a bounded amount of rows in memory.
LOAD_CHUNK = 50
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
    """The first rows as a markdown table: a missing value is blank (never `nan`), a
    text cut to fit ends with `…`, and a cut table says how many rows it shows."""
    shown = frame[[c for c in columns if c in frame.columns]].head(PREVIEW_ROWS)
    cells = shown.map(preview_cell)
    table = cells.to_markdown(index=False)
    if len(frame) > len(shown):
        table += f"\n\n(first {len(shown)} of {len(frame)} rows)"
    return MetadataValue.md(table)



# A backfill runs one report per run, so each partition's status is its report's own
# (Dagster cannot fail one partition of a run while the others materialise). Bulk loads
# go through `perf-pipeline ingest`, which batches. (backfill_policy is a beta parameter.)
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=BetaWarning)
ONE_RUN_PER_REPORT = BackfillPolicy.multi_run(max_partitions_per_run=1)

report_pdf = AssetSpec(
    key="report_pdf",
    description="A performance report PDF dropped into raw/ (one partition per file).",
    partitions_def=report_partitions,
    group_name="raw",
    kinds={"pdf"},
)


def extraction_metadata(staged: StagedExtraction, reused: bool) -> dict:
    extraction = staged.extraction
    rows = extraction.rows
    return {
        "dagster/row_count": len(rows),
        "entity": extraction.identity.entity,
        "year": extraction.identity.year or 0,
        "pages": extraction.pages,
        "kpi_tables": extraction.kpi_tables,
        "duplicate_rows": int(rows["is_duplicate"].sum()) if len(rows) else 0,
        "extraction_seconds": round(extraction.seconds, 3),
        # Not parsed by this step: staged by an earlier run or by the command line's
        # prefetch (staged_at tells which parse the rows come from).
        "reused_staged_extraction": reused,
        "staged_at": staged.staged_at,
        "sha256": staged.sha256,
        "warnings": "\n".join(extraction.warnings) or "none",
        "preview": preview(rows, PREVIEW_COLUMNS),
    }


@asset(
    deps=[report_pdf],
    partitions_def=report_partitions,
    backfill_policy=ONE_RUN_PER_REPORT,
    group_name="extract",
    kinds={"python", "pdf"},
    metadata=column_schema(ExtractedKpiRows),
    check_specs=[EXTRACTED_ROWS_MATCH_SCHEMA],
)
def extracted_kpi_rows(
    context: AssetExecutionContext, raw_reports: RawReportsResource,
    warehouse_db: WarehouseResource,
) -> MaterializeResult:
    """Every KPI row of every KPI table in each report of the run, as printed, with
    provenance; staged per report (staging.py). Reports are extracted side by side in
    worker processes, or on a Dask cluster (cluster.py); a report staged from the same
    content is not parsed again."""
    context.instance.add_run_tags(context.run.run_id, process_tag(context))
    reports = list(context.partition_keys)
    stage = warehouse_db.stage()
    crops_root = store.sources_root(warehouse_db.database)
    started = time.perf_counter()
    jobs, reused, errors, kinds, attempts = [], [], {}, {}, {}
    for report in reports:
        path = raw_reports.path(report)
        present = path.is_file()  # a missing file is the extractor's error to report
        sha256 = file_sha256(path) if present else ""
        attempts[report] = ("running", {"sha256": sha256 or None,
                                        "size_bytes": path.stat().st_size if present else None})
        try:
            options = raw_reports.extract_options(report)
        except ReportError as exc:
            errors[report], kinds[report] = ("failed", str(exc)), exc.kind
            continue
        if present and stage.reusable_after_lock(report, sha256):
            reused.append(report)
        else:
            jobs.append(ExtractionJob(report, path, sha256, options, crops_root))
    record_attempts(context, warehouse_db, attempts)

    scheduler = raw_reports.extract_scheduler()
    for outcome in extract_all(jobs, stage, raw_reports.extract_workers(), scheduler,
                               raw_reports.extract_shared_staging()):
        if not outcome.ok:
            errors[outcome.report], kinds[outcome.report] = ("failed", outcome.error), \
                outcome.error_kind
            context.log.error(outcome.error)
    if errors:
        raise stop_batch(context, warehouse_db, errors, metadata={
            "error_kind_by_report": MetadataValue.json(kinds)})

    found, rows = {}, []
    for report in reports:
        staged = stage.read_staged(report)
        extraction = staged.extraction
        rows.append(extraction.rows)
        for warning in extraction.warnings:
            context.log.warning(warning)
        identity = extraction.identity
        found[report] = ("running", {"pages": extraction.pages, "entity": identity.entity,
                                     "year": identity.year, "kpi_rows": len(extraction.rows)})
        context.add_asset_metadata(
            extraction_metadata(staged, report in reused),
            partition_key=report)
    record_attempts(context, warehouse_db, found)
    context.add_asset_metadata({"reports_in_run": len(reports), "extracted": len(jobs),
                                "reused": len(reused),
                                "workers": min(raw_reports.extract_workers(), len(jobs) or 1),
                                "dask_scheduler": scheduler or "none",
                                "run_extraction_seconds": round(time.perf_counter() - started, 3)})
    return MaterializeResult(check_results=[check_extracted_rows(
        context, warehouse_db, pd.concat(rows, ignore_index=True))])


def load_all(context, con, stage, reports: list[str]) -> None:
    """Load the staged reports, LOAD_CHUNK at a time (a transaction each), with each
    partition's metadata."""
    for start in range(0, len(reports), LOAD_CHUNK):
        staged = [stage.read_staged(r) for r in reports[start:start + LOAD_CHUNK]]
        extractions = [s.extraction for s in staged]
        # The hash the rows were extracted from, not the file's now (it may have changed).
        loaded = store.load_reports(con, extractions, {
            s.extraction.report: s.sha256 for s in staged})
        infos = store.reports_info(con, list(loaded))
        for extraction in extractions:
            info = infos[extraction.report]
            context.add_asset_metadata({
                "dagster/row_count": loaded[extraction.report],
                "entity": info["entity"],
                "year": int(info["year"]) if pd.notna(info["year"]) else 0,
                "sha256": info["sha256"],
                "preview": preview(extraction.rows, PREVIEW_COLUMNS),
            }, partition_key=extraction.report)
    total = con.execute("SELECT count(*) FROM kpi_rows").fetchall()[0][0]
    context.add_asset_metadata({"warehouse_rows_all_reports": total})


@asset(
    deps=[extracted_kpi_rows],
    partitions_def=report_partitions,
    backfill_policy=ONE_RUN_PER_REPORT,
    group_name="warehouse",
    kinds={"duckdb"},
    metadata=column_schema(ExtractedKpiRows),
)
def warehouse_kpi_rows(context: AssetExecutionContext, warehouse_db: WarehouseResource) -> None:
    """The validated rows, loaded into `kpi_rows` (each report replaced in one
    transaction). A second file with the same entity and year fails here, naming both
    files, before any report of the run is loaded."""
    reports = list(context.partition_keys)
    stage = warehouse_db.stage()
    identities = {}  # a first pass keeps only these; the rows are read chunk by chunk below
    for report in reports:
        identity = stage.read(report).identity
        identities[report] = (identity.entity, identity.year)
    with attempts_fail_on_error(context, warehouse_db), warehouse_db.connect() as con:
        close_dead_attempts(context.instance, con)  # of runs killed before they ended
        conflicts = store.entity_year_conflicts(con, identities)
        if conflicts:
            raise stop_batch(context, warehouse_db,
                             {r: ("failed", e) for r, e in conflicts.items()}, con=con)
        load_all(context, con, stage, reports)
    context.add_asset_metadata({"database": warehouse_db.database})


@asset(
    deps=[warehouse_kpi_rows],
    partitions_def=report_partitions,
    backfill_policy=ONE_RUN_PER_REPORT,
    group_name="warehouse",
    kinds={"duckdb", "sql"},
    metadata=column_schema(ScoredKpis),
    check_specs=[SCORES_MATCH_SCHEMA, *ROW_WARNINGS],
)
def kpi_scores(context: AssetExecutionContext, raw_reports: RawReportsResource,
               warehouse_db: WarehouseResource) -> MaterializeResult:
    """Parsed target / achieved / reported values (as corrected by raw/corrections.csv)
    and the recomputed score and status, with the warning checks of quality/rules.py.
    Its metadata carries the file's sha256 and input key (content and corrections): what
    the sensor compares a file with."""
    reports = list(context.partition_keys)
    corrections = read_corrections(raw_reports.directory)
    with attempts_fail_on_error(context, warehouse_db), warehouse_db.connect() as con:
        kpis = store.score_reports(con, reports, corrections)
        findings = store.quality_findings(con, reports, "warning")
        infos = store.reports_info(con, reports)
        by_report = dict(tuple(kpis.groupby("report", sort=False)))
        attempts = {}
        for report in reports:
            report_kpis, info = by_report.get(report, kpis.head(0)), infos[report]
            # The identity again, for an attempt that re-executed only the later steps.
            attempts[report] = ("ingested", {
                "kpi_rows": len(report_kpis), "sha256": info["sha256"],
                "entity": info["entity"], "pages": int(info["pages"]),
                "year": int(info["year"]) if pd.notna(info["year"]) else None})
            context.add_asset_metadata(score_metadata(report_kpis, info),
                                       partition_key=report)
        record_attempts(context, warehouse_db, attempts, con)
        geometry = {report: store.source_rows(con, report) for report in reports}
    write_source_crops(context, raw_reports, warehouse_db.database, geometry, infos)
    rows_by_report = {r: len(k) for r, k in by_report.items()}
    return MaterializeResult(check_results=[
        check_scores(context, warehouse_db, kpis),
        *check_row_warnings(context, findings, rows_by_report)])


def write_source_crops(context: AssetExecutionContext, raw_reports: RawReportsResource,
                       database: str, geometry: dict[str, pd.DataFrame], infos: dict) -> None:
    """The picture of every row (report/crops.py), for the contents not pictured yet,
    several reports side by side on the extraction's worker count. A picture is a
    reader's aid, not data: a file that cannot be rendered, or that changed since it was
    loaded, is a warning, and the run goes on."""
    root, jobs, started = store.sources_root(database), [], time.perf_counter()
    for report, rows in geometry.items():
        if crops.missing_crops(rows, root).empty:
            continue
        path = raw_reports.path(report)
        if not path.is_file() or file_sha256(path) != infos[report]["sha256"]:
            context.log.warning(f"{report}: no source pictures, the file in raw/ is not "
                                "the content that was loaded")
            continue
        try:
            password = raw_reports.extract_options(report)["password"]
        except ReportError as exc:
            context.log.warning(f"{report}: no source pictures ({exc})")
            continue
        jobs.append(crops.CropJob(report, path, rows, root, password))
    written = 0
    for report, count, error in crops.write_all(jobs, raw_reports.extract_workers()):
        written += count
        if error:
            context.log.warning(f"{report}: no source pictures ({error})")
    context.add_asset_metadata({
        "source_images_written": written,
        "source_images_seconds": round(time.perf_counter() - started, 3),
        "source_images": MetadataValue.path(str(root.resolve() / "sources"))})


def score_metadata(kpis: pd.DataFrame, info: dict) -> dict:
    counted = kpis[~kpis["is_duplicate"]]
    by_status = counted["status"].value_counts()
    return {
        "dagster/row_count": len(kpis),
        "distinct_kpis": len(counted),
        **{f"status_{s.replace(' ', '_')}": int(by_status.get(s, 0))
           for s in ["met", "partial", "not met", "unscorable"]},
        "discrepancies": int(counted["is_discrepancy"].sum()),
        "rows_with_open_issues": int((counted["open_issues"] > 0).sum()),
        "sha256": info["sha256"],
        "input_key": input_key(info["sha256"], info["corrections_sha"] or ""),
        "preview": preview(kpis, SCORE_PREVIEW_COLUMNS),
    }


INGEST_ASSETS = [extracted_kpi_rows, warehouse_kpi_rows, kpi_scores]


@multi_asset(
    specs=[
        AssetSpec("kpi_summaries", deps=[kpi_scores], group_name="summaries",
                  kinds={"duckdb", "sql"}, metadata=column_schema(KpiSummary),
                  description="summary_by_report / _area / _objective / _status over every "
                  "loaded report."),
        AssetSpec("kpi_trends", deps=[kpi_scores], group_name="trends",
                  kinds={"duckdb", "sql"}, metadata=column_schema(KpiTrends),
                  description="Each KPI linked to the same KPI in the entity's previous "
                  "report (override, exact text, or fuzzy match: sql/06_kpi_trends.sql), with "
                  "the change of score; `kpi_links` holds the links."),
        AssetSpec("area_trends", deps=["kpi_trends"], group_name="trends",
                  kinds={"duckdb", "sql"}, skippable=True,
                  description="Per entity and area, year over year: KPIs, share met, change "
                  "in points, added / dropped / improved / worsened KPIs (table "
                  "`trend_by_area`, sql/07_area_trends.sql)."),
        AssetSpec("warehouse_exports", deps=["kpi_summaries", "area_trends"],
                  group_name="summaries", kinds={"parquet"}, skippable=True,
                  description="The summary, trend and ledger tables as Parquet files beside "
                  "the database (<db dir>/exports/), each replaced atomically: read these "
                  "while the UI is up, since a run holds the DuckDB file while it writes."),
        AssetSpec("scorecard", deps=["kpi_summaries", "kpi_trends", "area_trends"],
                  group_name="summaries", kinds={"html"}, skippable=True,
                  description="The scorecard, a static site to open from disk (<db dir>/"
                  "scorecard/index.html, report/scorecard.py): KPIs met / partial / not met "
                  "/ unscorable per entity, year and area, year over year, every KPI linked "
                  "to the picture of its PDF row."),
    ],
    check_specs=[SUMMARIES_ADD_UP, TRENDS_MATCH_SCHEMA, *TREND_WARNING_SPECS],
)
def all_reports_tables(context: AssetExecutionContext, raw_reports: RawReportsResource,
                       warehouse_db: WarehouseResource) -> Iterator[MaterializeResult]:
    """The tables over every loaded report, in one step and one connection (four steps
    cost more than the SQL): summaries and trends with their blocking checks and the
    warnings across years, then area trends and the Parquet exports, which are left
    alone when a blocking check failed. Corrections that name no loaded report are
    brought up to date here (each report's own ones are its scoring step's)."""
    context.instance.add_run_tags(context.run.run_id, process_tag(context))
    with warehouse_db.connect() as con:
        # Before anything is read: inputs that change during the step make the next
        # ingest refresh again.
        inputs = store.refresh_inputs(con, warehouse_db.database, raw_reports.directory)
        with store.transaction(con):
            store.replace_corrections(con, read_corrections(raw_reports.directory), None)
        summary_rows = store.refresh_summaries(con)
        store.refresh_trends(con)
        checked = [check_summaries(store.summaries_by_entity(con, SUMMARY_PARTS)),
                   check_trends(store.trends_by_entity(con))]
        charts_dir = store.charts_dir(warehouse_db.database)
        yield summaries_result(summary_rows, con.execute("SELECT * FROM summary_by_report").df(),
                               checked[0], charts_dir)
        overview = store.trends_overview(con, PREVIEW_ROWS)
        yield trends_result(overview, [checked[1], *check_trend_warnings(
            store.trend_findings(con), overview["rows"])])
        if not all(c.passed for c in checked):
            return
        yield area_trends_result(store.refresh_area_trends(con)["trend_by_area"], charts_dir)
        directory = store.exports_dir(warehouse_db.database)
        written = store.export_tables(con, directory)
        yield MaterializeResult(asset_key="warehouse_exports", metadata={
            "directory": MetadataValue.path(str(directory.resolve())),
            "files": MetadataValue.md("\n".join(f"- `{p.name}`" for p in written.values())),
        })
        started = time.perf_counter()
        index = scorecard.write_scorecard(con, store.sources_root(warehouse_db.database),
                                          store.scorecard_dir(warehouse_db.database),
                                          raw_dir=raw_reports.directory).resolve()
    yield MaterializeResult(asset_key="scorecard", metadata={
        "index": MetadataValue.path(str(index)),
        "open": MetadataValue.url(index.as_uri()),
        "seconds": round(time.perf_counter() - started, 3),
        # What `perf-pipeline ingest` compares to skip a refresh that would change nothing.
        REFRESH_INPUTS: inputs,
    })


def summaries_result(rows: dict[str, int], by_report: pd.DataFrame, check, charts_dir: Path
                     ) -> MaterializeResult:
    return MaterializeResult(
        asset_key="kpi_summaries",
        metadata={
            "dagster/row_count": len(by_report),
            **{f"rows_{name}": count for name, count in rows.items()},
            "summary_by_report": preview(by_report, list(by_report.columns)),
            "chart": MetadataValue.md(charts.markdown_image(
                charts.share_met_by_report(by_report, charts_dir),
                "Share of KPIs met, per entity and year")),
        },
        check_results=[check],
    )


def trends_result(overview: dict, checks: list) -> MaterializeResult:
    return MaterializeResult(
        asset_key="kpi_trends",
        metadata={
            "dagster/row_count": overview["rows"],
            "links": overview["links"],
            "links_by_method": MetadataValue.json(overview["links_by_method"]),
            "changes_by_year": MetadataValue.md(
                overview["changes_by_year"].to_markdown(index=False)),
            "what_changed": preview(overview["what_changed"], TREND_PREVIEW_COLUMNS),
        },
        check_results=checks,
    )


def area_trends_result(table: pd.DataFrame, charts_dir: Path) -> MaterializeResult:
    latest = table.sort_values("year").groupby(["entity", "area_key"]).tail(1)
    return MaterializeResult(
        asset_key="area_trends",
        metadata={
            "dagster/row_count": len(table),
            "latest_year_by_area": preview(latest, AREA_PREVIEW_COLUMNS),
            "chart": MetadataValue.md(charts.markdown_image(
                charts.share_met_by_area(table, charts_dir),
                "Share of KPIs met by area, per year")),
        },
    )


SUMMARY_ASSETS = [all_reports_tables]
