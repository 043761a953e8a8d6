"""Ingest every PDF in raw/ through the Dagster jobs, in process, on the project's instance.

Runs land in the persistent instance (DAGSTER_HOME), so `dagster dev` shows their
history, materialisations and check results afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dagster import DagsterEventType, DagsterInstance, Definitions

from .partitions import report_partitions

# Dagster's console logger prints every event at DEBUG; the run history keeps them all.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


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

    @property
    def failed(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.success]


def _run_errors(result) -> tuple[list[str], list[str]]:
    """Readable step failures and failed blocking checks of a finished run."""
    errors, failed_checks = [], []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            user = err.cause if err and err.cls_name == "DagsterUserCodeExecutionError" and err.cause else err
            message = (user.message if user else "step failed").strip().splitlines()[0]
            errors.append(f"{event.step_key}: {message}")
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failed_checks.append(evaluation.check_name)
    return errors, failed_checks


def ingest_all(
    defs: Definitions,
    instance: DagsterInstance,
    reports: list[str],
    on_report: Callable[[ReportOutcome], None] | None = None,
) -> IngestResult:
    """Register each report as a partition, run its ingest job, then refresh summaries."""
    known = set(instance.get_dynamic_partitions(report_partitions.name))
    new = [r for r in reports if r not in known]
    if new:
        instance.add_dynamic_partitions(report_partitions.name, new)

    ingest_job = defs.resolve_job_def("ingest_report")
    outcomes = []
    for report in reports:
        result = ingest_job.execute_in_process(
            partition_key=report, instance=instance, raise_on_error=False,
            run_config=QUIET_RUN_CONFIG,
        )
        errors, failed_checks = _run_errors(result)
        outcome = ReportOutcome(
            report=report,
            success=result.success and not failed_checks,
            run_id=result.run_id,
            errors=errors,
            failed_checks=failed_checks,
        )
        outcomes.append(outcome)
        if on_report:
            on_report(outcome)

    summary = defs.resolve_job_def("refresh_summaries").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG
    )
    errors, failed_checks = _run_errors(summary)
    return IngestResult(
        outcomes=outcomes,
        summaries_refreshed=summary.success and not failed_checks,
        summaries_errors=errors + [f"check failed: {c}" for c in failed_checks],
    )
