"""The ingestion ledger of a run: what each step records for each report of its run.

The partitioned steps write one attempt per report and run (sql/05_ledger.sql). A report
that stops a run of several (the command line's batches; the sensor, the schedule and UI
backfills run one report per run) is recorded with its reason, and the run's other
reports as `skipped`, so `perf-pipeline ingest` knows which to run again.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Failure

from ..warehouse import store
from .resources import WarehouseResource
from .runs import TRIGGER_TAG

# The skipped reports a run's failure message names (the ledger lists them all).
NAMED_OTHERS = 10


def run_trigger(tags) -> str:
    """Who started this run, for the ledger: cli / sensor / schedule, else the UI."""
    return tags.get(TRIGGER_TAG, "ui")


def record_attempts(context, warehouse_db: WarehouseResource,
                    attempts: dict[str, tuple[str, dict]], con=None) -> None:
    """Write report -> (status, fields) of this run to the ingestion ledger, in one go
    (on ``con`` when the step has the warehouse open already)."""
    if con is None:
        with warehouse_db.connect() as con:
            record_attempts(context, warehouse_db, attempts, con)
        return
    with store.transaction(con):
        for report, (status, fields) in attempts.items():
            store.record_attempt(con, context.run.run_id, report, status,
                                     trigger=run_trigger(context.run.tags), **fields)


def record_stopped(context, warehouse_db: WarehouseResource,
                   errors: dict[str, tuple[str, str]], con=None) -> None:
    """Record report -> (status, error) of the reports that stopped this run, and the
    other reports of the run as skipped."""
    culprits = ", ".join(sorted(errors))
    record_attempts(context, warehouse_db, {
        **{r: (status, {"error": error}) for r, (status, error) in errors.items()},
        **{r: ("skipped", {"error": f"not loaded: {culprits} of the same run failed"})
           for r in context.partition_keys if r not in errors},
    }, con)


def stop_batch(context, warehouse_db: WarehouseResource, errors: dict[str, tuple[str, str]],
               metadata: dict | None = None, con=None) -> Failure:
    """record_stopped(), and the step's Failure saying why."""
    record_stopped(context, warehouse_db, errors, con)
    others = [r for r in context.partition_keys if r not in errors]
    described = "\n".join(error for _, error in errors.values())
    if others:
        named = ", ".join(others[:NAMED_OTHERS]) + (
            f" and {len(others) - NAMED_OTHERS} more" if len(others) > NAMED_OTHERS else "")
        described += (f"\nNot loaded by this run, because of the report(s) above: {named} "
                      "(`perf-pipeline ingest` runs them again at once without it).")
    return Failure(description=described, metadata=metadata or {})


def error_message(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def attempts_fail_on_error(context, warehouse_db: WarehouseResource) -> Iterator[None]:
    """An unexpected exception of the step marks every report of the run failed."""
    try:
        yield
    except Failure:
        raise
    except Exception as exc:
        record_attempts(context, warehouse_db, {
            r: ("failed", {"error": error_message(exc)}) for r in context.partition_keys})
        raise
