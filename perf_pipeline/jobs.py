"""Jobs: ingest reports (one partition, or a range of them in one run), and refresh the
cross-report summaries."""

from dagster import AssetSelection, define_asset_job, in_process_executor

# The in-process executor keeps one DuckDB writer per run (the extract step fans out to
# worker processes itself, and only they parse PDFs); the instance
# (dagster_home/dagster.yaml) keeps one run at a time, and the `duckdb_warehouse` pool
# one step with the file open, also across in-process runs of `perf-pipeline ingest`.
ingest_report_job = define_asset_job(
    name="ingest_report",
    selection=AssetSelection.groups("extract", "warehouse"),
    executor_def=in_process_executor,
    description="Extract, validate, load and score report PDFs: one partition, or a range "
    "of partitions in one run (what `perf-pipeline ingest` and backfills launch).",
)

refresh_summaries_job = define_asset_job(
    name="refresh_summaries",
    selection=AssetSelection.groups("summaries", "trends"),
    executor_def=in_process_executor,
    description="Rebuild the summary and trend tables over every loaded report, then "
    "write their Parquet exports.",
)
