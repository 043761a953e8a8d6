"""The code location: assets, checks, jobs and resources assembled in one place."""

from dagster import Definitions

from . import settings
from .assets import extracted_kpi_rows, kpi_scores, kpi_summaries, report_pdf, warehouse_kpi_rows
from .checks import extracted_rows_match_schema, scores_match_schema, summaries_add_up
from .jobs import ingest_report_job, refresh_summaries_job
from .resources import RawReportsResource, WarehouseResource


def build_definitions(database: str | None = None, raw_dir: str | None = None) -> Definitions:
    return Definitions(
        assets=[report_pdf, extracted_kpi_rows, warehouse_kpi_rows, kpi_scores, kpi_summaries],
        asset_checks=[extracted_rows_match_schema, scores_match_schema, summaries_add_up],
        jobs=[ingest_report_job, refresh_summaries_job],
        resources={
            "raw_reports": RawReportsResource(directory=raw_dir or settings.raw_dir()),
            "warehouse_db": WarehouseResource(database=database or settings.database_path()),
        },
    )


defs = build_definitions()
