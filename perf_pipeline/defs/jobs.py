"""Jobs: ingest reports (one partition, or a range of them in one run) and refresh what
is computed over all of them; refresh only the latter."""

from dagster import AssetSelection, define_asset_job

# The executor comes from the definitions (settings.executor(): in process by default;
# the extract step fans out to worker processes itself, and only they parse PDFs). Either
# way a run's steps form one chain, so a run has one DuckDB writer at a time; the
# instance (dagster_home/dagster.yaml) keeps one queued run at a time, and a step that
# finds the file held by another process (an in-process run of `perf-pipeline ingest`, a
# reader) waits for it.
ingest_report_job = define_asset_job(
    name="ingest_report",
    selection=AssetSelection.groups("extract", "warehouse", "summaries", "trends"),
    description="Extract, validate, load and score report PDFs (one partition: what the "
    "sensor, the schedule and backfills launch; or a range of partitions in one run: what "
    "`perf-pipeline ingest` launches), then rebuild the summary and trend tables and their "
    "Parquet exports.",
)

refresh_summaries_job = define_asset_job(
    name="refresh_summaries",
    selection=AssetSelection.groups("summaries", "trends"),
    description="Rebuild the summary and trend tables over every loaded report, then "
    "write their Parquet exports.",
)
