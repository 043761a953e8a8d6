"""The monthly re-check of raw/, for deployments where the raw/ sensor is switched off.

On the 1st of every month at 06:00 Europe/Rome it registers any new PDF as a partition,
requests an ingest run of its own for every file whose content was not ingested yet (the
same rule as the sensor: compared with the instance's materialisations and waiting runs,
never with the DuckDB file; one report per run, so a bad one fails alone), then one run
that refreshes the summaries, trends and Parquet exports. With one run at a time
(dagster_home/dagster.yaml) the refresh runs last. Schedules, like sensors, need the
daemon (`dagster dev` starts it); without any daemon, run `make run` from cron instead.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    schedule,
)

from ..raw_folder import scan_reports
from .assets import INGEST_ASSETS, SUMMARY_ASSETS
from .partitions import report_partitions
from .resources import RawReportsResource
from .runs import TRIGGER_TAG, already_handled, run_tags

MONTHLY_CRON = "0 6 1 * *"
TIMEZONE = "Europe/Rome"


@schedule(
    cron_schedule=MONTHLY_CRON,
    execution_timezone=TIMEZONE,
    target=AssetSelection.assets(*INGEST_ASSETS, *SUMMARY_ASSETS),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Monthly (1st, 06:00 Europe/Rome): ingest what is new or changed in raw/, "
    "then refresh the summaries, trends and Parquet exports.",
)
def monthly_refresh(context: ScheduleEvaluationContext, raw_reports: RawReportsResource):
    files = scan_reports(raw_reports.directory)
    known = set(context.instance.get_dynamic_partitions(report_partitions.name))
    new = sorted(name for name in files if name not in known)
    if new:
        context.instance.add_dynamic_partitions(report_partitions.name, new)
    for name in sorted(known - set(files)):
        context.log.warning(f"{name} is no longer in raw/: its rows stay in the warehouse "
                            f"until `perf-pipeline forget {name}`")
    for file in files.values():
        if not already_handled(context.instance, file):
            yield RunRequest(
                run_key=f"{file.name}:{file.sha256}",
                partition_key=file.name,
                asset_selection=[k for a in INGEST_ASSETS for k in a.keys],
                tags=run_tags(file, "schedule"),
            )
    yield RunRequest(
        run_key="refresh_summaries",
        asset_selection=[k for a in SUMMARY_ASSETS for k in a.keys],
        tags={TRIGGER_TAG: "schedule"},
    )
