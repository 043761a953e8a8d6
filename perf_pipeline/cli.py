"""Command line: `perf-pipeline ingest | extract | query`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from . import settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Municipal performance reports (PDF) → validated, scored DuckDB warehouse.",
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--db", help=f"DuckDB file [env {settings.DATABASE_ENV}, default "
                             f"{settings.DEFAULT_DATABASE}]"),
]


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def ingest(
    raw: Annotated[
        str | None,
        typer.Option(help=f"Folder of report PDFs [env {settings.RAW_DIR_ENV}, default "
                          f"{settings.DEFAULT_RAW_DIR}]"),
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Ingest every PDF in raw/ into the warehouse (through Dagster, in process)."""
    settings.ensure_dagster_home()
    from dagster import DagsterInstance

    from . import warehouse
    from .definitions import build_definitions
    from .ingest import ingest_all

    raw_dir = raw or settings.raw_dir()
    database = db or settings.database_path()
    defs = build_definitions(database=database, raw_dir=raw_dir)
    reports = defs.resources["raw_reports"].list_reports()
    if not reports:
        _fail(f"no PDF files in {raw_dir}/")
    console.print(f"Ingesting {len(reports)} report(s) from {raw_dir}/ into {database}")

    def show(outcome) -> None:
        if outcome.success:
            console.print(f"  [green]ok[/]     {outcome.report}")
        else:
            console.print(f"  [red]failed[/] {outcome.report}")
            for line in outcome.errors + [f"check failed: {c}" for c in outcome.failed_checks]:
                console.print(f"         {line}", highlight=False)

    with DagsterInstance.get() as instance:
        result = ingest_all(defs, instance, reports, on_report=show)
    for line in result.summaries_errors:
        console.print(f"  [red]summaries:[/] {line}", highlight=False)

    with warehouse.connect(database, read_only=True) as con:
        _print_summary(con)
    if result.failed or not result.summaries_refreshed:
        raise typer.Exit(1)


def _print_summary(con) -> None:
    totals = con.execute(
        """
        SELECT (SELECT count(*) FROM reports) AS reports,
               count(*) FILTER (WHERE NOT is_duplicate) AS kpis,
               count(*) FILTER (WHERE is_duplicate) AS duplicates,
               count(*) FILTER (WHERE NOT is_duplicate AND status = 'met') AS met,
               count(*) FILTER (WHERE NOT is_duplicate AND status = 'partial') AS partial,
               count(*) FILTER (WHERE NOT is_duplicate AND status = 'not met') AS not_met,
               count(*) FILTER (WHERE NOT is_duplicate AND status = 'unscorable') AS unscorable,
               count(*) FILTER (WHERE NOT is_duplicate AND is_discrepancy) AS discrepancies
        FROM kpis
        """
    ).df().iloc[0]
    console.print(
        f"Warehouse: {totals.reports} report(s), {totals.kpis} KPIs "
        f"({totals.duplicates} duplicate rows not counted): "
        f"{totals.met} met, {totals.partial} partial, {totals.not_met} not met, "
        f"{totals.unscorable} unscorable; {totals.discrepancies} score discrepancies"
    )


@app.command()
def extract(
    pdf: Annotated[Path, typer.Argument(help="A report PDF")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write")],
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF")] = None,
) -> None:
    """Write the KPI rows of one PDF to CSV, without touching the warehouse."""
    from .extract import ReportError, extract_report

    try:
        extraction = extract_report(pdf, password=password)
    except ReportError as exc:
        _fail(str(exc))
    output.parent.mkdir(parents=True, exist_ok=True)
    extraction.rows.to_csv(output, index=False, lineterminator="\n")
    for warning in extraction.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    identity = extraction.identity
    console.print(
        f"{len(extraction.rows)} KPI rows from {extraction.kpi_tables} tables in "
        f"{extraction.pages} pages ({identity.entity or 'unknown entity'}, "
        f"{identity.year or 'unknown year'}) → {output}",
        highlight=False,
    )


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse (read-only)")],
    db: DatabaseOption = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table")] = False,
) -> None:
    """Run SQL on the warehouse, read-only, and print the result."""
    import duckdb

    from . import warehouse

    database = db or settings.database_path()
    if not Path(database).exists():
        _fail(f"{database} does not exist yet; run `perf-pipeline ingest` first")
    try:
        with warehouse.connect(database, read_only=True) as con:
            frame = con.execute(sql).df()
    except duckdb.Error as exc:
        _fail(str(exc).strip())
    if csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    table = Table(show_lines=False)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"({len(frame)} rows)")


if __name__ == "__main__":
    app()
