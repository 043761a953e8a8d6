"""The code location: assets, checks, jobs and resources assembled in one place."""

from dagster import Definitions, ExecutorDefinition, in_process_executor, multiprocess_executor

from . import settings
from .defs.assets import INGEST_ASSETS, SUMMARY_ASSETS, report_pdf
from .defs.jobs import ingest_report_job, refresh_summaries_job
from .defs.resources import RawReportsResource, WarehouseResource
from .defs.schedules import monthly_refresh
from .defs.sensors import raw_reports_sensor

# in_process: no process start per step (the default); multiprocess: each step in its
# own process, as the k8s and celery executors run them.
EXECUTORS = {"in_process": in_process_executor, "multiprocess": multiprocess_executor}


def build_definitions(database: str | None = None, raw_dir: str | None = None,
                      executor: str | ExecutorDefinition | None = None) -> Definitions:
    """Everything from arguments, else settings (environment): a deployment elsewhere
    sets PERF_PIPELINE_DB, PERF_PIPELINE_RAW_DIR and PERF_PIPELINE_EXECUTOR, or calls
    this with its own values (such as the k8s or celery executor of dagster-k8s or
    dagster-celery)."""
    if not isinstance(executor, ExecutorDefinition):
        name = executor or settings.executor()
        if name not in EXECUTORS:
            raise ValueError(f"{settings.EXECUTOR_ENV} must be one of "
                             f"{', '.join(EXECUTORS)}, not {name!r}")
        executor = EXECUTORS[name]
    return Definitions(
        assets=[report_pdf, *INGEST_ASSETS, *SUMMARY_ASSETS],
        jobs=[ingest_report_job, refresh_summaries_job],
        sensors=[raw_reports_sensor],
        schedules=[monthly_refresh],
        executor=executor,
        resources={
            "raw_reports": RawReportsResource(directory=raw_dir or settings.raw_dir()),
            "warehouse_db": WarehouseResource(database=database or settings.database_path()),
        },
    )


defs = build_definitions()
