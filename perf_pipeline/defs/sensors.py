"""The raw/ sensor: an ingest run for the PDFs that arrived together (one per changed
PDF); the summaries refresh is part of the run.

It is on by default in the project's instance (`dagster dev` runs the daemon that
ticks them). The raw/ sensor never opens the DuckDB file (a run may hold it): what was
already ingested comes from its cursor and from the instance's materialisations.
"""

from __future__ import annotations

import hashlib
import json

from dagster import (
    AssetObservation,
    DefaultSensorStatus,
    RunRequest,
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
from .runs import (
    RETRIED_TAG,
    TRIGGER_TAG,
    already_handled,
    batch_run_options,
    close_dead_runs,
    contiguous_batches,
    run_tags,
    stopped_runs_to_retry,
)


def load_cursor(cursor: str | None) -> dict[str, ReportFile]:
    """The files seen at the last tick: name -> [sha256, size, mtime_ns, corrections]."""
    return {name: ReportFile(name, *values) for name, values in json.loads(cursor or "{}").items()}


def dump_cursor(files: dict[str, ReportFile]) -> str:
    return json.dumps({f.name: [f.sha256, f.size, f.mtime_ns, f.corrections]
                       for f in files.values()},
                      sort_keys=True)


def screened(raw_reports: RawReportsResource, name: str) -> bool:
    """The file opens as a PDF with pages (extract.screen_report: milliseconds)."""
    try:
        screen_report(raw_reports.path(name), **raw_reports.extract_options(name))
    except ReportError:
        return False
    return True


@sensor(
    job=ingest_report_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches raw/: a new PDF gets its partition and an ingest run, a changed one "
    "(new sha256) or one whose lines of raw/corrections.csv changed is ingested again, a "
    "deleted one is reported (rows stay until `perf-pipeline forget`).",
)
def raw_reports_sensor(
    context: SensorEvaluationContext, raw_reports: RawReportsResource
) -> SensorResult:
    # A run killed with its process would hold the queue (one run at a time) for good.
    for run_id in close_dead_runs(context.instance):
        context.log.warning(f"run {run_id} was left started by a process that is gone: "
                            "marked failed, its reports are ingested again")
    seen = load_cursor(context.cursor)
    files = scan_reports(raw_reports.directory, seen)
    changes = compare({n: f.key for n, f in files.items()},
                      {n: f.key for n, f in seen.items()})
    partitions = set(context.instance.get_dynamic_partitions(report_partitions.name))

    # A file that cannot even be opened (empty, not a PDF, truncated, encrypted, no
    # pages) runs alone: it fails in its own run, with its reason, and never stops a
    # batch of good ones; its partition is added after the good ones, which stay
    # neighbours (a batch is a range of partitions).
    unreadable = {n for n in changes.to_ingest if not screened(raw_reports, n)}
    new_partitions = sorted((n for n in files if n not in partitions),
                            key=lambda n: (n in unreadable, n))
    runs, events, waiting = [], [], []
    for name in changes.to_ingest:
        file = files[name]
        if already_handled(context.instance, file):
            context.log.info(f"{name}: sha256 {file.sha256[:12]} already ingested or queued")
            continue
        waiting.append(name)
        if name in changes.changed:
            new_pdf = seen[name].sha256 != file.sha256
            events.append(AssetObservation(
                asset_key=report_pdf.key, partition=name,
                metadata={"event": "changed" if new_pdf else "corrections changed",
                          "sha256": file.sha256, "size_bytes": file.size},
            ))
    # Reports that a bad neighbour stopped (skipped in a run of the UI, the sensor or the
    # schedule) go again at once, without it: one bad file never holds the others back.
    order_now = context.instance.get_dynamic_partitions(report_partitions.name)
    for run_id, skipped in stopped_runs_to_retry(context.instance, order_now):
        again = [n for n in skipped if n in files and n not in waiting
                 and not already_handled(context.instance, files[n])]
        if again:
            context.log.info(f"run {run_id} was stopped by another report: ingesting "
                             f"{', '.join(again)} again without it")
        waiting += again
        context.instance.add_run_tags(run_id, {RETRIED_TAG: "true"})
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
    alone = sorted(unreadable & set(waiting))
    for name in alone:
        context.log.warning(f"{name} cannot be read; it is ingested alone, so that its "
                            "failure stops no other report")
        runs.append(RunRequest(partition_key=name, tags=run_tags(files[name], "sensor")))
    # Files that arrive together go in one run (the partitions this tick adds are
    # neighbours); the other ones run alone.
    order = [*context.instance.get_dynamic_partitions(report_partitions.name), *new_partitions]
    for batch in contiguous_batches(order, set(waiting) - unreadable):
        if len(batch) == 1:
            runs.append(RunRequest(partition_key=batch[0],
                                   tags=run_tags(files[batch[0]], "sensor")))
        else:
            contents = hashlib.sha256("".join(files[n].key for n in batch).encode())
            runs.append(RunRequest(
                run_key=f"{batch[0]}..{batch[-1]}:{contents.hexdigest()[:16]}",
                tags={TRIGGER_TAG: "sensor", **batch_run_options(batch)["tags"]}))
    return SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=(
            [report_partitions.build_add_request(new_partitions)] if new_partitions else []
        ),
        asset_events=events,
        cursor=dump_cursor(files),
    )
