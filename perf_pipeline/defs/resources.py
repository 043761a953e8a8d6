"""Where reports come from and where the warehouse lives; configured, never global."""

from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from .. import raw_folder, settings
from ..warehouse import store
from ..warehouse.staging import ExtractionStage, default_directory


class RawReportsResource(ConfigurableResource):
    """The folder users drop report PDFs into."""

    directory: str
    max_pages: int | None = None  # per report; default PERF_PIPELINE_MAX_PAGES or 2000
    max_seconds: float | None = None  # per report; default PERF_PIPELINE_MAX_SECONDS or 600
    passwords_file: str | None = None  # default PERF_PIPELINE_PASSWORDS, <directory>/passwords.toml
    workers: int | None = None  # extraction processes; default PERF_PIPELINE_WORKERS or cores
    # tcp://host:port of a Dask scheduler to parse on; default PERF_PIPELINE_DASK_SCHEDULER
    dask_scheduler: str | None = None
    # workers stage the rows on shared storage; default PERF_PIPELINE_DASK_SHARED_STAGING
    dask_shared_staging: bool | None = None

    def path(self, report: str) -> Path:
        return Path(self.directory) / report

    def extract_options(self, report: str) -> dict:
        """Password and limits for extract_report (settings.extract_options)."""
        return settings.extract_options(self.directory, report, self.passwords_file,
                                        self.max_pages, self.max_seconds)

    def extract_workers(self) -> int:
        return self.workers or settings.workers()

    def extract_scheduler(self) -> str | None:
        """The Dask scheduler extraction runs on, None for local processes."""
        return self.dask_scheduler or settings.dask_scheduler()

    def extract_shared_staging(self) -> bool:
        if self.dask_shared_staging is not None:
            return self.dask_shared_staging
        return settings.dask_shared_staging()

    def list_reports(self) -> list[str]:
        return raw_folder.list_reports(self.directory)


class WarehouseResource(ConfigurableResource):
    """The DuckDB file, and the staged extractions waiting to be loaded into it.
    Connections are opened per step and closed right after."""

    database: str
    staging_directory: str | None = None  # default <database folder>/staging

    def stage(self) -> ExtractionStage:
        return ExtractionStage(self.staging_directory or default_directory(self.database))

    def connect(self, read_only: bool = False) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return store.connect(self.database, read_only=read_only)
