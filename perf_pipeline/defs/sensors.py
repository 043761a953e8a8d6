"""The raw/ sensor: one ingest run per new or changed PDF (the summaries refresh is part
of the run).

A run covers one report, so its run status and its partition's status are that report's
own: a report that fails to read, parse, validate or load fails its own run, and the
others' runs load them (Dagster cannot fail one partition of a multi-partition run while
the others materialise, dagster-io/dagster#17836).

It is on by default in the project's instance (`dagster dev` runs the daemon that
ticks them). The raw/ sensor never opens the DuckDB file (a run may hold it): what was
already ingested comes from its cursor and from the instance's materialisations.
"""

from __future__ import annotations

import json

from dagster import (
    AssetObservation,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from ..extract import ReportError, screen_report
from ..raw_folder import ReportFile, compare, scan_reports
from .assets import report_pdf
from .jobs import ingest_report_job
from .partitions import report_partitions
from .resources import RawReportsResource
from .runs import already_handled, close_dead_runs, run_tags


def load_cursor(cursor: str | None) -> dict[str, ReportFile]:
    """The files seen at the last tick: name -> [sha256, size, mtime_ns, corrections]."""
    return {name: ReportFile(name, *values) for name, values in json.loads(cursor or "{}").items()}


def dump_cursor(files: dict[str, ReportFile]) -> str:
    return json.dumps({f.name: [f.sha256, f.size, f.mtime_ns, f.corrections]
                       for f in files.values()},
                      sort_keys=True)


def unreadable_reason(raw_reports: RawReportsResource, name: str) -> str | None:
    """Why the file does not open as a PDF with pages (extract.screen_report:
    milliseconds, no page parsed), or None."""
    try:
        screen_report(raw_reports.path(name), **raw_reports.extract_options(name))
    except ReportError as exc:
        return str(exc)
    return None


def run_key(instance: DagsterInstance, file: ReportFile) -> str:
    """The file's content and corrections, and how many runs its partition had: a tick
    evaluated again never requests a content twice, while a content that comes back
    (a file restored, a correction removed) or whose run died is requested again."""
    runs = instance.get_runs_count(RunsFilter(tags={"dagster/partition": file.name}))
    return f"{file.name}:{file.key}:{runs}"


@sensor(
    job=ingest_report_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches raw/: a new PDF gets its partition and an ingest run of its own, a "
    "changed one (new sha256) or one whose lines of raw/corrections.csv changed is ingested "
    "again, a deleted one is reported (rows stay until `perf-pipeline forget`).",
)
def raw_reports_sensor(
    context: SensorEvaluationContext, raw_reports: RawReportsResource
) -> SensorResult:
    seen = load_cursor(context.cursor)
    files = scan_reports(raw_reports.directory, seen)
    changes = compare({n: f.key for n, f in files.items()},
                      {n: f.key for n, f in seen.items()})
    to_ingest = set(changes.to_ingest)
    # A run killed with its process would hold the queue (one run at a time) for good;
    # its report goes again.
    for run_id in close_dead_runs(context.instance):
        run = context.instance.get_run_by_id(run_id)
        report = run.tags.get("dagster/partition") if run else None
        again = report if report in files else None
        context.log.warning(f"run {run_id} was left started by a process that is gone: "
                            f"marked failed{f', {again} is ingested again' if again else ''}")
        if again:
            to_ingest.add(again)
    partitions = set(context.instance.get_dynamic_partitions(report_partitions.name))
    new_partitions = sorted(n for n in files if n not in partitions)

    runs, events = [], []
    for name in sorted(to_ingest):
        file = files[name]
        if already_handled(context.instance, file):
            context.log.info(f"{name}: sha256 {file.sha256[:12]} already ingested or queued")
            continue
        if name in changes.changed:
            new_pdf = seen[name].sha256 != file.sha256
            events.append(AssetObservation(
                asset_key=report_pdf.key, partition=name,
                metadata={"event": "changed" if new_pdf else "corrections changed",
                          "sha256": file.sha256, "size_bytes": file.size},
            ))
        reason = unreadable_reason(raw_reports, name)
        if reason:  # said at once in the tick's log; its run fails with the same reason
            context.log.warning(f"{reason}: its run will fail; the other reports are not "
                                "affected")
        runs.append(RunRequest(run_key=run_key(context.instance, file), partition_key=name,
                               tags=run_tags(file, "sensor")))
    for name in changes.deleted:
        context.log.warning(
            f"{name} is no longer in raw/: its rows stay in the warehouse until "
            f"`perf-pipeline forget {name}`"
        )
        if name in partitions:
            events.append(AssetObservation(
                asset_key=report_pdf.key, partition=name,
                metadata={"event": "deleted from raw/",
                          "remove_rows_with": f"perf-pipeline forget {name}"},
            ))
    return SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=(
            [report_partitions.build_add_request(new_partitions)] if new_partitions else []
        ),
        asset_events=events,
        cursor=dump_cursor(files),
    )
