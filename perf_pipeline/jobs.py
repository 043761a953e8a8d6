"""Jobs: ingest one report (a partition), and refresh the cross-report summaries."""

from dagster import AssetSelection, define_asset_job, in_process_executor

# The in-process executor keeps one DuckDB writer per run; the instance's run
# queue (dagster_home/dagster.yaml) keeps one run at a time.
ingest_report_job = define_asset_job(
    name="ingest_report",
    selection=AssetSelection.groups("extract", "warehouse"),
    executor_def=in_process_executor,
    description="Extract, validate, load and score one report PDF.",
)

refresh_summaries_job = define_asset_job(
    name="refresh_summaries",
    selection=AssetSelection.groups("summaries"),
    executor_def=in_process_executor,
    description="Rebuild the summary tables over every loaded report.",
)
