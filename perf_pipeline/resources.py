"""Where reports come from and where the warehouse lives; configured, never global."""


from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from . import settings, warehouse
from .staging import ExtractionStage

PDF_SUFFIX = ".pdf"


class RawReportsResource(ConfigurableResource):
    """The folder users drop report PDFs into."""

    directory: str
    max_pages: int | None = None  # per report; default PERF_PIPELINE_MAX_PAGES or 2000
    max_seconds: float | None = None  # per report; default PERF_PIPELINE_MAX_SECONDS or 600
    passwords_file: str | None = None  # default PERF_PIPELINE_PASSWORDS, <directory>/passwords.toml
    workers: int | None = None  # extraction processes; default PERF_PIPELINE_WORKERS or cores

    def path(self, report: str) -> Path:
        return Path(self.directory) / report

    def extract_options(self, report: str) -> dict:
        """Password and limits for extract_report: resource config, else the environment
        (settings.py). Raises ReportError('config') for a broken passwords file."""
        from .extract import ReportError

        try:
            passwords = settings.load_passwords(
                Path(self.passwords_file) if self.passwords_file
                else settings.passwords_file(self.directory))
            limits = {
                "max_pages": self.max_pages or settings.max_pages(),
                "max_seconds": self.max_seconds or settings.max_seconds(),
            }
        except ValueError as exc:
            raise ReportError("config", str(exc)) from None
        return {"password": passwords.get(report),
                **{k: v for k, v in limits.items() if v is not None}}

    def extract_workers(self) -> int:
        return self.workers or settings.workers()

    def list_reports(self) -> list[str]:
        folder = Path(self.directory)
        if not folder.is_dir():
            return []
        return sorted(
            p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() == PDF_SUFFIX
        )


class WarehouseResource(ConfigurableResource):
    """The DuckDB file, and the staged extractions waiting to be loaded into it.
    Connections are opened per step and closed right after."""

    database: str
    staging_directory: str | None = None  # default <database folder>/staging

    def stage(self) -> ExtractionStage:
        return ExtractionStage(self.staging_directory
                               or Path(self.database).parent / "staging")

    def connect(self, read_only: bool = False) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return warehouse.connect(self.database, read_only=read_only)
