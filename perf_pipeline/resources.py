"""Where reports come from and where the warehouse lives; configured, never global."""


from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from . import warehouse

PDF_SUFFIX = ".pdf"


class RawReportsResource(ConfigurableResource):
    """The folder users drop report PDFs into."""

    directory: str

    def path(self, report: str) -> Path:
        return Path(self.directory) / report

    def list_reports(self) -> list[str]:
        folder = Path(self.directory)
        if not folder.is_dir():
            return []
        return sorted(
            p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() == PDF_SUFFIX
        )


class WarehouseResource(ConfigurableResource):
    """The DuckDB file. Connections are opened per step and closed right after."""

    database: str

    def connect(self, read_only: bool = False) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return warehouse.connect(self.database, read_only=read_only)
