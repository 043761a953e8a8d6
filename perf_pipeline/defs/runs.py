"""Ingesting reports through the Dagster jobs in process, and what the instance knows
of them (which content was ingested, which runs are waiting).

What is in raw/ and what changed there is raw_folder.py; the command line, the sensor
and the schedule decide alike from it.

Runs land in the persistent instance (DAGSTER_HOME), so `dagster dev` shows their
history, materialisations and check results afterwards.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    RunsFilter,
)

from ..raw_folder import ReportFile
from ..warehouse import store
from .partitions import report_partitions

log = logging.getLogger(__name__)
# Dagster's console logger prints every event at DEBUG; the run history keeps them all.
# Its ERROR events carry stack traces; the CLI prints each report's outcome instead.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

# Run tags: who started the attempt (the ledger's `trigger`) and which content it ingests.
TRIGGER_TAG = "perf_pipeline/trigger"
SHA256_TAG = "perf_pipeline/sha256"
# The content and the corrections it is scored with (raw_folder.input_key).
INPUT_TAG = "perf_pipeline/input"
# The last step of an ingest run; its materialisation carries the file's sha256 and
# input key.
INGESTED_ASSET = AssetKey("kpi_scores")
# The last asset of a refresh of the tables over all reports; its materialisation
# carries the digest of what the refresh read (store.refresh_inputs).
REFRESHED_ASSET = AssetKey("scorecard")
REFRESH_INPUTS = "refresh_inputs"
# A run keeps its events and every report's metadata in memory until it ends: a bigger
# batch of the command line is split into runs of this many reports, so memory stays
# flat however many files wait (measured peak: about 306 MB for 1 report, 350 MB for 100).
MAX_REPORTS_PER_RUN = 100
# The documented run tags of one run over a range of partitions (the command line's
# batches; the sensor, the schedule and UI backfills launch a run per report).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
PENDING_RUN_STATUSES = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def run_tags(file: ReportFile, trigger: str) -> dict[str, str]:
    return {TRIGGER_TAG: trigger, SHA256_TAG: file.sha256, INPUT_TAG: file.key}


def _ingested(instance: DagsterInstance, report: str, field: str) -> str | None:
    """A metadata entry of the last completed ingest run of this file (any trigger)."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=INGESTED_ASSET, asset_partitions=[report]), limit=1
    ).records
    if not records or records[0].asset_materialization is None:
        return None
    entry = records[0].asset_materialization.metadata.get(field)
    return entry.value if entry is not None else None


def ingested_sha256(instance: DagsterInstance, report: str) -> str | None:
    """The content the last completed ingest run of this file read."""
    return _ingested(instance, report, "sha256")


def ingested_key(instance: DagsterInstance, report: str) -> str | None:
    """The content and corrections the last completed ingest run of this file read."""
    return _ingested(instance, report, "input_key") or ingested_sha256(instance, report)


def already_handled(instance: DagsterInstance, file: ReportFile) -> bool:
    """Ingested from this content and corrections already, or a run for them is
    waiting/running."""
    if ingested_key(instance, file.name) == file.key:
        return True
    pending = instance.get_run_records(
        RunsFilter(
            tags={"dagster/partition": file.name, INPUT_TAG: file.key},
            statuses=PENDING_RUN_STATUSES,
        ),
        limit=1,
    )
    return bool(pending)


@dataclass
class ReportOutcome:
    report: str
    success: bool
    run_id: str
    errors: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    outcomes: list[ReportOutcome]
    summaries_refreshed: bool
    summaries_errors: list[str] = field(default_factory=list)
    up_to_date: bool = False  # nothing new, and the last refresh is current: no run

    @property
    def failed(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.success]


def _run_errors(result) -> tuple[list[str], list[str]]:
    """Readable step failures and failed blocking checks of a finished run."""
    errors, failed_checks = [], []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            from_user = err and err.cls_name == "DagsterUserCodeExecutionError" and err.cause
            user = err.cause if from_user else err
            message = (user.message if user else "step failed").strip().splitlines()[0]
            if user and user.cls_name == "Failure":  # its description is the whole story
                message = message.split(": ", 1)[-1]
            errors.append(f"{event.step_key}: {message}")
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            # A warning (WARN severity) flags rows; it never fails a report or a run.
            if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
                failed_checks.append(evaluation.check_name)
    return errors, failed_checks


def refresh_is_current(instance: DagsterInstance, con, database: str, raw_dir: str) -> bool:
    """The last refresh came after the last scoring, read what a new one would read
    (store.refresh_inputs), and its exports and scorecard are still on disk: a new
    refresh would change nothing."""
    refreshed = instance.fetch_materializations(REFRESHED_ASSET, limit=1).records
    if not refreshed or not store.refresh_outputs_present(database):
        return False
    scored = instance.fetch_materializations(INGESTED_ASSET, limit=1).records
    if scored and scored[0].storage_id > refreshed[0].storage_id:
        return False
    recorded = refreshed[0].asset_materialization.metadata.get(REFRESH_INPUTS)
    return recorded is not None and recorded.value == store.refresh_inputs(
        con, database, raw_dir)


def refresh_summaries(defs: Definitions, instance: DagsterInstance) -> tuple[bool, list[str]]:
    """Run the refresh_summaries job (summaries, trends, Parquet exports) in process."""
    result = defs.resolve_job_def("refresh_summaries").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG,
        tags={TRIGGER_TAG: "cli"},
    )
    errors, failed_checks = _run_errors(result)
    return result.success and not failed_checks, errors + [
        f"check failed: {c}" for c in failed_checks
    ]


# An in-process run of the command line is created NOT_STARTED, then started: any of
# these without its process is stale.
LIVE_RUN_STATUSES = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
                     DagsterRunStatus.STARTED]
DIED = ("the process running it ended before it finished (killed, or the machine "
        "stopped); ingest again")


def recover_stale_runs(instance: DagsterInstance, con) -> list[str]:
    """After a crash: command-line runs left NOT_STARTED/STARTING/STARTED, runs of the
    UI, sensor or schedule whose process is gone (close_dead_runs), and ledger rows left
    'running' by a run that is over, are marked failed (so nothing waits on them and the
    next ingest takes their reports again). The caller holds the ingest lock, so no
    other command-line run is alive. Returns the runs closed."""
    closed = close_dead_runs(instance)
    for record in instance.get_run_records(
            RunsFilter(statuses=LIVE_RUN_STATUSES, tags={TRIGGER_TAG: "cli"})):
        instance.report_run_failed(record.dagster_run, DIED)
        closed.append(record.dagster_run.run_id)
    return sorted(set(closed + close_dead_attempts(instance, con)))


def close_dead_attempts(instance: DagsterInstance, con) -> list[str]:
    """Ledger rows left 'running' by a run that is over (or gone) are marked failed."""
    closed = []
    for run_id in store.running_attempts(con):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            store.fail_attempts(con, run_id, DIED)
            closed.append(run_id)
    return closed


# The process that runs a run's steps, as host:pid:start time (tagged by its first
# step): a run STARTED whose process is gone died with it. Dagster's run monitoring
# cannot tell with the default run launcher (it has no worker health check).
PROCESS_TAG = "perf_pipeline/process"


def process_tag(context) -> dict[str, str]:
    """The tag for the step's run: its own process, or under the multiprocess executor
    (each step a child process that ends with the step) its parent, the run's."""
    me = psutil.Process()
    if context.job_def.executor_def.name == "multiprocess":
        me = me.parent() or me
    return {PROCESS_TAG: f"{socket.gethostname()}:{me.pid}:{me.create_time():.2f}"}


def process_alive(tag: str) -> bool | None:
    """Whether the tagged process still runs (None: it ran on another machine)."""
    host, pid, started = tag.rsplit(":", 2)
    if host != socket.gethostname():
        return None
    try:
        process = psutil.Process(int(pid))
        # The same pid with another start time is another process.
        return (abs(process.create_time() - float(started)) < 0.05
                and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def close_dead_runs(instance: DagsterInstance) -> list[str]:
    """Runs STARTING/STARTED whose tagged process on this machine is gone (kill -9, a
    crash) are marked failed: with one run at a time, one would block every later run."""
    closed = []
    for record in instance.get_run_records(RunsFilter(statuses=LIVE_RUN_STATUSES)):
        tag = record.dagster_run.tags.get(PROCESS_TAG)
        if tag and process_alive(tag) is False:
            instance.report_run_failed(record.dagster_run, DIED)
            closed.append(record.dagster_run.run_id)
    return closed


@contextmanager
def project_instance() -> Iterator[DagsterInstance]:
    """The project's Dagster instance (DAGSTER_HOME), completed first if a command was
    killed while Dagster created its SQLite tables: some are missing then, and Dagster
    would fail every later command with "run `dagster instance migrate`"; its migration
    creates them (nothing is lost: history starts in those tables)."""
    with DagsterInstance.get() as instance:
        try:
            _probe(instance)
        except Exception as exc:  # noqa: BLE001 - Dagster's error or SQLite's, by version
            log.warning("the Dagster instance in %s was left half-created (%s): "
                        "completing it", instance.root_directory, _first_line(exc))
            instance.upgrade()
            _probe(instance)  # still broken: that error, as it is
        yield instance


def _probe(instance: DagsterInstance) -> None:
    """Read the tables every command uses (runs; partitions, in the event log's index)."""
    instance.get_dynamic_partitions(report_partitions.name)
    instance.get_runs_count()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def register_reports(instance: DagsterInstance, names: list[str]) -> None:
    """Make every file in raw/ a partition of `reports` (the UI lists them)."""
    known = set(instance.get_dynamic_partitions(report_partitions.name))
    new = [name for name in names if name not in known]
    if new:
        instance.add_dynamic_partitions(report_partitions.name, new)


def contiguous_batches(partition_order: list[str], wanted: set[str],
                       most: int = MAX_REPORTS_PER_RUN) -> list[list[str]]:
    """The wanted reports as runs of neighbouring partitions (a run covers a key range),
    at most ``most`` per run."""
    batches: list[list[str]] = []
    previous_wanted = False
    for key in partition_order:
        if key in wanted:
            if not previous_wanted or len(batches[-1]) == most:
                batches.append([])
            batches[-1].append(key)
        previous_wanted = key in wanted
    return batches


def batch_run_options(batch: list[str]) -> dict:
    """execute_in_process arguments that make one run over these neighbouring partitions."""
    if len(batch) == 1:
        return {"partition_key": batch[0]}
    return {"tags": {PARTITION_RANGE_START_TAG: batch[0],
                     PARTITION_RANGE_END_TAG: batch[-1]}}


def report_outcome(report: str, run_id: str, attempt: tuple[str, str | None] | None,
                   run_errors: list[str]) -> ReportOutcome:
    """A report's outcome from its (status, error) in the run's ledger; without one (the
    run died before recording it), the run's own errors."""
    status, error = attempt or (None, None)
    if status == "ingested":
        return ReportOutcome(report, True, run_id)
    if status == "quarantined" and error:
        check, _, reason = error.partition(" failed: ")
        return ReportOutcome(report, False, run_id, errors=[reason] if reason else [],
                             failed_checks=[check])
    return ReportOutcome(report, False, run_id,
                         errors=[error] if error else run_errors or ["run failed"])


def ingest_all(
    defs: Definitions,
    instance: DagsterInstance,
    reports: list[ReportFile],
    on_report: Callable[[ReportOutcome], None] | None = None,
) -> IngestResult:
    """Ingest the reports (registered partitions) in as few runs as possible; each run
    also refreshes the summaries, and a separate refresh runs when none could.

    Neighbouring partitions go in one run (extracted side by side, loaded by one writer).
    A report that fails or is quarantined stops its run; the run's other reports are
    marked skipped in the ledger and go again at once, without the failed ones (their
    extraction is staged, so nothing is parsed twice).
    """
    ingest_job = defs.resolve_job_def("ingest_report")
    warehouse_db = defs.resources["warehouse_db"]
    order = instance.get_dynamic_partitions(report_partitions.name)
    pending = {r.name for r in reports}
    outcomes, runs_succeeded = [], []
    while pending:
        retry = set()
        for batch in contiguous_batches(order, pending):
            options = batch_run_options(batch)
            result = ingest_job.execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG,
                **{**options, "tags": {**options.get("tags", {}), TRIGGER_TAG: "cli"}},
            )
            with warehouse_db.connect() as con:
                attempts = store.run_attempts(con, result.run_id)
            runs_succeeded.append(result.success)
            run_errors, failed_checks = _run_errors(result)
            run_errors += [f"check failed: {c}" for c in failed_checks]
            settled = any(status != "skipped" for status, _ in attempts.values())
            for report in batch:
                attempt = attempts.get(report)
                if settled and attempt and attempt[0] == "skipped":
                    retry.add(report)
                    continue
                outcome = report_outcome(report, result.run_id, attempt, run_errors)
                outcomes.append(outcome)
                if on_report:
                    on_report(outcome)
        pending = retry

    if runs_succeeded and all(runs_succeeded):
        return IngestResult(outcomes=outcomes, summaries_refreshed=True)
    # Nothing to ingest, or a run stopped before its summaries step.
    refreshed, errors = refresh_summaries(defs, instance)
    return IngestResult(outcomes=outcomes, summaries_refreshed=refreshed, summaries_errors=errors)
