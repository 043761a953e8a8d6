"""The code location: assets, checks, jobs and resources assembled in one place."""

from dagster import Definitions

from . import settings
from .assets import INGEST_ASSETS, SUMMARY_ASSETS, report_pdf
from .jobs import ingest_report_job, refresh_summaries_job
from .resources import RawReportsResource, WarehouseResource
from .schedules import monthly_refresh
from .sensors import raw_reports_sensor


def build_definitions(database: str | None = None, raw_dir: str | None = None) -> Definitions:
    return Definitions(
        assets=[report_pdf, *INGEST_ASSETS, *SUMMARY_ASSETS],
        jobs=[ingest_report_job, refresh_summaries_job],
        sensors=[raw_reports_sensor],
        schedules=[monthly_refresh],
        resources={
            "raw_reports": RawReportsResource(directory=raw_dir or settings.raw_dir()),
            "warehouse_db": WarehouseResource(database=database or settings.database_path()),
        },
    )


defs = build_definitions()
