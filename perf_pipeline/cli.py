"""Command line: `perf-pipeline ingest | forget | extract | query | quality | scorecard`."""

from __future__ import annotations

import csv
import gc
import logging
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import settings


class Engine(StrEnum):
    pdfium = "pdfium"
    pdfminer = "pdfminer"


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Municipal performance reports (PDF) → validated, scored DuckDB warehouse.",
)
# pdfminer logs what it repairs in a damaged file ("Not adding object 72 to xref ..."):
# noise for a user, who gets the report's outcome (a failure says why) instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class _Waiting(logging.Handler):
    """The project's own warnings (a step waiting for a file another process holds) as
    plain lines of the command's output, while it happens."""

    def emit(self, record: logging.LogRecord) -> None:
        _say("warning:", "yellow", record.getMessage(), err_console)


logging.getLogger("perf_pipeline").addHandler(_Waiting(logging.WARNING))
logging.getLogger("perf_pipeline").propagate = False

DatabaseOption = Annotated[
    str | None,
    typer.Option("--db", help=f"DuckDB file [env {settings.DATABASE_ENV}, default "
                             f"{settings.DEFAULT_DATABASE}]"),
]


def _say(label: str, style: str, text: str = "", out: Console = console) -> None:
    """A labelled line. Text objects are never read as console markup, so file names,
    PDF text and library errors print as they are (a `[/'CA', 0.35]` stays that)."""
    out.print(Text.assemble((label, style), " " if text else "", text), highlight=False)


def _fail(message: str, code: int = 1) -> None:
    _say("error:", "bold red", message, err_console)
    raise typer.Exit(code)


@contextmanager
def frozen_heap():
    """Keep what is already loaded (Dagster, pandas, the definitions: it all lives until
    the command ends) out of the cyclic garbage collector's way: every full collection
    during a run would scan it again (measured: about 0.15-0.3 s of a one-report ingest).
    Undone at the end, for callers that run commands in process."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


RawOption = Annotated[
    str | None,
    typer.Option("--raw", help=f"Folder of report PDFs [env {settings.RAW_DIR_ENV}, default "
                               f"{settings.DEFAULT_RAW_DIR}]"),
]


@app.command()
def ingest(
    raw: RawOption = None,
    db: DatabaseOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Ingest every file again, even unchanged ones")
    ] = False,
) -> None:
    """Ingest the new and changed PDFs of raw/ into the warehouse (through Dagster, in
    process). A file whose content (sha256) is already in the warehouse is skipped; every
    attempt is recorded in the `ingestion_ledger` table."""
    settings.ensure_dagster_home()
    raw_dir = raw or settings.raw_dir()
    database = db or settings.database_path()
    with one_writer(database):
        _ingest(raw_dir, database, force)


@contextmanager
def one_writer(database: str):
    """One `ingest` / `forget` at a time per warehouse, across processes: a second one
    waits, saying so, then finds the work done (its files are unchanged)."""
    from filelock import FileLock, Timeout

    lock_path = Path(database).parent / f".{Path(database).name}.ingest.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        _say("waiting", "yellow", f"another perf-pipeline ingest or forget is writing "
             f"{database}; this one starts when it ends (Ctrl-C to give up)", err_console)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _ingest(raw_dir: str, database: str, force: bool) -> None:
    from .raw_folder import compare, scan_reports
    from .warehouse import store

    files = scan_reports(raw_dir)
    if not files:
        _fail(f"no PDF files in {raw_dir}/")
    with store.connect(database) as con:
        changes = compare({n: f.key for n, f in files.items()}, store.ingested_files(con))
        missing = [r for r in store.loaded_reports(con) if r not in files]
    to_ingest = sorted(files) if force else changes.to_ingest
    prefetching = None
    if to_ingest:
        from .warehouse import staging

        # Parsing starts now, on other cores, while Dagster loads (the extract step reuses it).
        prefetching = staging.prefetch(
            _extraction_jobs(raw_dir, [files[n] for n in to_ingest],
                             store.sources_root(database)),
            staging.ExtractionStage(staging.default_directory(database)), settings.workers())

    from .defs.runs import (
        IngestResult,
        ingest_all,
        project_instance,
        recover_stale_runs,
        refresh_is_current,
        register_reports,
    )

    skipped = sorted(set(files) - set(to_ingest))
    _say(f"Ingesting {len(to_ingest)} report(s) from {raw_dir}/ into {database}"
         + (f" ({len(skipped)} unchanged)" if skipped else ""), "")
    for name in skipped:
        _say("  unchanged", "dim", name)

    def show(outcome) -> None:
        if outcome.success:
            _say("  ok    ", "green", outcome.report)
        else:
            _say("  failed", "red", outcome.report)
            for line in outcome.errors + [f"check failed: {c}" for c in outcome.failed_checks]:
                _say("        ", "", line)

    try:
        with frozen_heap(), project_instance() as instance:
            with store.connect(database) as con:
                for run_id in recover_stale_runs(instance, con):
                    _say("  recovered", "yellow", f"run {run_id} had died unfinished; "
                         "marked failed, its reports are ingested again")
                # Nothing new, and the last refresh read what a new one would: no run.
                up_to_date = not to_ingest and refresh_is_current(instance, con, database,
                                                                  raw_dir)
            register_reports(instance, sorted(files))
            if up_to_date:
                result = IngestResult(outcomes=[], summaries_refreshed=True, up_to_date=True)
            else:
                from .definitions import build_definitions

                result = ingest_all(build_definitions(database=database, raw_dir=raw_dir),
                                    instance, [files[n] for n in to_ingest], on_report=show)
    finally:
        if prefetching:
            prefetching.shutdown(cancel_futures=True)
    for line in result.summaries_errors:
        _say("  summaries:", "red", line)
    if result.up_to_date:
        _say("  up to date", "dim", "summaries, trends, exports and scorecard (nothing "
             "changed since they were made)")
    for name in missing:
        _say("  missing", "yellow", f"{name} is no longer in {raw_dir}/; its rows stay "
             f"until `perf-pipeline forget {name}`")

    with store.connect(database, read_only=True) as con:
        _print_summary(con)
    if result.failed or not result.summaries_refreshed:
        raise typer.Exit(1)


@app.command()
def forget(
    reports: Annotated[list[str], typer.Argument(help="File names of reports deleted from raw/")],
    raw: RawOption = None,
    db: DatabaseOption = None,
) -> None:
    """Remove the rows of reports whose PDF left raw/, and their partitions; then refresh
    the summaries. The ingestion ledger keeps their history (status 'removed')."""
    settings.ensure_dagster_home()
    raw_dir = raw or settings.raw_dir()
    database = db or settings.database_path()
    with one_writer(database):
        _forget(reports, raw_dir, database)


def _forget(reports: list[str], raw_dir: str, database: str) -> None:
    from .definitions import build_definitions
    from .defs.partitions import report_partitions
    from .defs.runs import project_instance, refresh_summaries
    from .raw_folder import list_reports
    from .warehouse import store

    defs = build_definitions(database=database, raw_dir=raw_dir)
    present = [r for r in reports if r in list_reports(raw_dir)]
    if present:
        _fail(f"{', '.join(present)} is still in {raw_dir}/ and would be ingested again: "
              f"move it out of {raw_dir}/ first")
    with project_instance() as instance, store.connect(database) as con:
        loaded = store.loaded_reports(con)
        partitions = instance.get_dynamic_partitions(report_partitions.name)
        unknown = [r for r in reports if r not in loaded and r not in partitions]
        if unknown:
            _fail(f"neither in the warehouse nor a partition: {', '.join(unknown)}")
        for report in reports:
            rows = store.forget_report(con, report) if report in loaded else 0
            if report in partitions:
                instance.delete_dynamic_partition(report_partitions.name, report)
            _say("  removed", "yellow", f"{report} ({rows} KPI rows)")
    with project_instance() as instance:
        refreshed, errors = refresh_summaries(defs, instance)
    for line in errors:
        _say("  summaries:", "red", line)
    with store.connect(database, read_only=True) as con:
        _print_summary(con)
    if not refreshed:
        raise typer.Exit(1)


def _extraction_jobs(raw_dir: str, files: list, crops_root: Path) -> list:
    """What the prefetch extracts: each file with its options (a file whose options are
    broken is left to the extract step, which reports it)."""
    from .extract import ReportError
    from .warehouse.staging import ExtractionJob

    jobs = []
    for file in files:
        try:
            options = settings.extract_options(raw_dir, file.name)
        except ReportError:
            continue
        jobs.append(ExtractionJob(file.name, Path(raw_dir) / file.name, file.sha256, options,
                                  crops_root))
    return jobs


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
               count(*) FILTER (WHERE NOT is_duplicate AND is_discrepancy) AS discrepancies,
               count(*) FILTER (WHERE NOT is_duplicate AND open_issues > 0) AS flagged
        FROM kpis
        """
    ).df().iloc[0]
    _say(
        f"Warehouse: {totals.reports} report(s), {totals.kpis} KPIs "
        f"({totals.duplicates} duplicate rows not counted): "
        f"{totals.met} met, {totals.partial} partial, {totals.not_met} not met, "
        f"{totals.unscorable} unscorable; {totals.discrepancies} score discrepancies", "")
    if totals.flagged:
        _say(f"{totals.flagged} KPI(s) with open quality issues: `perf-pipeline quality` "
             "lists them, with what to check", "yellow")


@app.command()
def extract(
    pdf: Annotated[Path, typer.Argument(help="A report PDF")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write")],
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF")] = None,
    engine: Annotated[
        Engine, typer.Option(help="Who reads the page objects for pdfplumber: pdfium (fast) "
                                  "or pdfminer (pdfplumber's own, the reference)")
    ] = "pdfium",
) -> None:
    """Write the KPI rows of one PDF to CSV, without touching the warehouse."""
    from .extract import ROW_COLUMNS, ReportError, extract_report

    try:
        # Limits from the environment, a password from passwords.toml beside the PDF.
        options = settings.extract_options(pdf.parent, pdf.name)
        # One report: its pages on the free cores (PERF_PIPELINE_WORKERS).
        extraction = extract_report(
            pdf, **{**options, "password": password or options["password"]},
            engine=Engine(engine).value, workers=settings.free_workers(),
        )
    except ReportError as exc:
        _fail(str(exc))
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ROW_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(extraction.records)
    for warning in extraction.warnings:
        _say("warning:", "yellow", warning, err_console)
    identity = extraction.identity
    _say(f"{len(extraction.records)} KPI rows from {extraction.kpi_tables} tables in "
         f"{extraction.pages} pages ({identity.entity or 'unknown entity'}, "
         f"{identity.year or 'unknown year'}) → {output}", "")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse (read-only)")],
    db: DatabaseOption = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table")] = False,
) -> None:
    """Run SQL on the warehouse, read-only, and print the result."""
    import duckdb

    database = db or settings.database_path()
    if not Path(database).exists():
        _fail(f"{database} does not exist yet; run `perf-pipeline ingest` first")
    try:
        # The published snapshot, as any other reader opens it (never the working copy).
        with duckdb.connect(database, read_only=True) as con:
            frame = con.execute(sql).df()
    except duckdb.Error as exc:
        _fail(str(exc).strip())
    if csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    table = Table(show_lines=False)
    for col in frame.columns:
        table.add_column(Text(str(col)), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    console.print(table)
    _say(f"({len(frame)} rows)", "")


@app.command()
def quality(
    reports: Annotated[list[str] | None, typer.Argument(
        help="Report file names (default: every report)")] = None,
    db: DatabaseOption = None,
    include_info: Annotated[bool, typer.Option(
        "--info", help="Also list info findings (unscorable rows, values printed n.d.)")
    ] = False,
) -> None:
    """List the quality findings of the warehouse (table `quality_issues`): where (report,
    page, KPI), which cell and its printed value, the check and what to do."""
    import duckdb

    database = db or settings.database_path()
    if not Path(database).exists():
        _fail(f"{database} does not exist yet; run `perf-pipeline ingest` first")
    with duckdb.connect(database, read_only=True) as con:
        found = con.execute(
            """SELECT report, page, kpi, "column", value, "check", severity, message,
                      correction
               FROM quality_issues
               WHERE (len($reports) = 0 OR list_contains($reports, report))
                 AND (severity = 'warning' OR $info)""",
            {"reports": reports or [], "info": include_info}).fetchall()
    current = None
    for report, page, kpi, column, value, check, severity, message, correction in found:
        if report != current:
            _say(report, "bold")
            current = report
        where = f"  page {page}: {' '.join(str(kpi).split())[:70]}" if page else \
            f"  {' '.join(str(kpi).split())[:70]}"
        cell = f" [{column}: {' '.join(str(value).split())!r}]" if column else ""
        if correction is not None and check != "corrected":
            cell += f" (corrected: {correction!r})"
        _say(where + cell, "")
        _say(f"    {severity} {check}:", "yellow" if severity == "warning" else "dim", message)
    _say(f"{len(found)} finding(s)", "")


@app.command()
def scorecard(
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write the site into")],
    db: DatabaseOption = None,
    raw: RawOption = None,
    language: Annotated[str, typer.Option(
        "--lang", help="Labels and number format: it (Italian) or en (English)")] = "it",
) -> None:
    """Write the scorecard, a static site to open from disk (index.html): per entity and
    year the KPIs met, partial, not met and unscorable, by area, year over year, and
    every KPI linked to the picture of its row and its PDF page."""
    import duckdb

    from .report.scorecard import ScorecardError, write_scorecard
    from .warehouse.store import sources_root

    database = db or settings.database_path()
    if not Path(database).exists():
        _fail(f"{database} does not exist yet; run `perf-pipeline ingest` first")
    try:
        with duckdb.connect(database, read_only=True) as con:
            index = write_scorecard(con, sources_root(database), out, language,
                                    raw or settings.raw_dir())
    except (ScorecardError, duckdb.Error, OSError) as exc:
        _fail(str(exc).strip())
    _say(str(index.resolve()), "")


def main() -> None:
    """The console script: a bug of ours, or an error no command foresaw, is one plain
    line saying so, never a traceback (the Dagster run history keeps the details)."""
    try:
        app()  # usage errors, typer.Exit and Ctrl-C are typer's to report
    except Exception as exc:  # noqa: BLE001 - the last line of defence of the CLI
        _say("internal error:", "bold red", f"{type(exc).__name__}: {exc} (a bug of "
             "perf-pipeline, not of your file: please report it with the command you ran)",
             err_console)
        sys.exit(2)


if __name__ == "__main__":
    main()
