"""The DuckDB warehouse: apply the SQL in sql/, load a report, score it, summarise.

All SQL lives in sql/; this module only runs it, in transactions, so a report is
replaced atomically and a failure leaves every other report as it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
from rapidfuzz import fuzz
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_delay, wait_fixed

from ..quality.corrections import corrections_path, digests
from ..quality.rules import rules_records
from ..raw_folder import file_sha256, input_key
from .sql import create_quality_checks, read_sql, sql_dir

if TYPE_CHECKING:
    from ..extract import Extraction


SCHEMA_FILES = ["00_schema.sql", "00_names.sql", "01_macros.sql", "02_corrections.sql",
                "02_views.sql", "05_ledger.sql", "08_quality_issues.sql"]
SUMMARY_TABLES = ["summary_by_report", "summary_by_area", "summary_by_objective",
                  "summary_by_status"]
AREA_TREND_TABLES = ["trend_by_area"]
# The checks over all reports read this many rows at a time (whole entities): pandera
# costs about 25 ms a call, and the tables grow with every report loaded.
CHUNK_ROWS = 20_000
# What is written as Parquet after every summaries run, for readers while runs write.
EXPORT_TABLES = [*SUMMARY_TABLES, "kpi_trends", "trend_by_area", "ingestion_ledger",
                 "quality_issues"]
# A second pipeline process holding the working file is waited for, not failed on.
LOCK_TIMEOUT_SECONDS = 60.0
log = logging.getLogger(__name__)


@cache
def schema_fingerprint() -> str:
    """sha256 of the schema SQL and the seed files: what a warehouse was built from
    (read once per process: every step's connection asks)."""
    digest = hashlib.sha256()
    seeds = sorted((sql_dir() / "seeds").glob("*.csv"))
    for path in [*(sql_dir() / name for name in SCHEMA_FILES), *seeds]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(repr(rules_records()).encode())
    return digest.hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply the schema unless this warehouse was built from exactly this SQL already
    (applying it costs tens of milliseconds, and every step opens the file)."""
    fingerprint = schema_fingerprint()
    with suppress(duckdb.CatalogException):
        rows = con.execute("SELECT fingerprint FROM warehouse_schema").fetchall()
        if rows == [(fingerprint,)]:
            return
    with transaction(con):
        apply_schema(con)
        con.execute("CREATE OR REPLACE TABLE warehouse_schema AS SELECT $f AS fingerprint",
                    {"f": fingerprint})


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables, macros and views (idempotent) and reload the seed tables."""
    create_quality_checks(con)
    for name in SCHEMA_FILES:
        con.execute(read_sql(name))
    con.execute(
        "CREATE OR REPLACE TABLE direction_overrides AS "
        "SELECT * FROM read_csv($path, header = true, all_varchar = true)",
        {"path": str(sql_dir() / "seeds" / "direction_overrides.csv")},
    )
    con.execute(
        "CREATE OR REPLACE TABLE kpi_match_overrides AS "
        "SELECT * FROM read_csv($path, header = true, columns = {'entity': 'VARCHAR', "
        "'year': 'INTEGER', 'kpi': 'VARCHAR', 'previous_kpi': 'VARCHAR', 'reason': 'VARCHAR'})",
        {"path": str(sql_dir() / "seeds" / "kpi_match_overrides.csv")},
    )


def working_path(database: str | Path) -> Path:
    """The pipeline's own copy of the warehouse: <db dir>/.work/<db file name>."""
    return Path(database).parent / ".work" / Path(database).name


@contextmanager
def connect(database: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the pipeline's working copy of the warehouse ``database``; a writer also makes
    sure the schema is in place, and publishes what it wrote when it is done.

    Users read ``database`` itself, a snapshot (see publish): no reader, however long it
    keeps the file open, can make the pipeline wait or fail on DuckDB's file lock.
    """
    if str(database) == ":memory:":
        con = duckdb.connect(":memory:")
        published = working = None
    else:
        published, working = Path(database), working_path(database)
        working.parent.mkdir(parents=True, exist_ok=True)
        if not working.exists() and published.exists():
            # A warehouse from before snapshots: its file (with what its WAL still
            # holds, once checkpointed) becomes the working copy.
            if published.with_name(published.name + ".wal").exists():
                with duckdb.connect(str(published)) as old:
                    old.execute("CHECKPOINT")
            _copy_atomically(published, working)
        con = _open(str(working), read_only)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        try:
            if published is not None and not read_only:
                publish(con, working, published)
        finally:
            con.close()


def publish(con: duckdb.DuckDBPyConnection, working: Path, published: Path) -> None:
    """Replace the published file with a copy of the working one, atomically, while this
    connection still holds the working file (no other writer can change it meanwhile).
    A reader that has the old file open goes on reading it (its data as of its
    connection); one that connects again sees the new one. Costs one file copy, and
    none when nothing changed since the last publish."""
    con.execute("CHECKPOINT")  # everything committed is in the file, not in its WAL
    now, then = working.stat(), published.stat() if published.exists() else None
    if then and (then.st_size, then.st_mtime_ns) == (now.st_size, now.st_mtime_ns):
        return
    _copy_atomically(working, published)


def _copy_atomically(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.copying")
    shutil.copy2(source, partial)  # keeps the mtime: publish() compares it
    os.replace(partial, target)


def _held_by_another_process(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _say_what_we_wait_for(state: RetryCallState) -> None:
    # Once, then every ~10 s: what is held, by whom (DuckDB names the process).
    if state.attempt_number == 1 or state.attempt_number % 50 == 0:
        holder = str(state.outcome.exception()).rsplit("Conflicting lock is held in", 1)[-1]
        holder = holder.split(". See also", 1)[0]
        log.warning("waiting for the working warehouse %s: another pipeline process holds "
                    "it (%s); %.0f s so far, giving up after %.0f s", state.args[0],
                    holder.strip().splitlines()[0][:200], state.seconds_since_start,
                    LOCK_TIMEOUT_SECONDS)


@retry(retry=retry_if_exception(_held_by_another_process), wait=wait_fixed(0.2),
       stop=stop_after_delay(LOCK_TIMEOUT_SECONDS), before_sleep=_say_what_we_wait_for,
       reraise=True)
def _open(database: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A second pipeline process holding the working file (another run, a step of the
    UI while the command line runs) is a transient failure: waited for, with a log line,
    for up to LOCK_TIMEOUT_SECONDS. Readers of the published file never hold it."""
    return duckdb.connect(database, read_only=read_only)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _delete_report(con: duckdb.DuckDBPyConnection, report: str) -> None:
    for table in ("kpi_scores", "kpi_rows", "reports"):
        con.execute(f"DELETE FROM {table} WHERE report = $report", {"report": report})


class DuplicateReportError(ValueError):
    """Two files are the same entity's report for the same year."""


def _duplicate_message(report: str, other: str, entity: str, year: int | None) -> str:
    return (
        f"{report} and {other} are both the {year} report of {entity}: the warehouse "
        f"keeps one report per entity and year. Remove one of the two files from raw/ "
        f"(if it is {other}, then run `perf-pipeline forget {other}`) and ingest again."
    )


def _check_entity_year_is_free(
    con: duckdb.DuckDBPyConnection, report: str, entity: str, year: int | None
) -> None:
    """A warehouse holds one report per (entity, year); a second file is an error, never
    a silent overwrite. (An unknown year is not compared.)"""
    other = con.execute(
        "SELECT report FROM reports WHERE entity = $entity AND year = $year AND report <> $report",
        {"entity": entity, "year": year, "report": report},
    ).fetchall()
    if other:
        raise DuplicateReportError(_duplicate_message(report, other[0][0], entity, year))


def entity_year_conflicts(
    con: duckdb.DuckDBPyConnection, identities: dict[str, tuple[str, int | None]]
) -> dict[str, str]:
    """Report -> error, for each report of a batch (report -> (entity, year)) that would
    be a second report of its entity and year: one already in the warehouse, or a file of
    the batch that comes first by name."""
    errors: dict[str, str] = {}
    first_of: dict[tuple[str, int], str] = {}
    for report in sorted(identities):
        entity, year = identities[report]
        try:
            _check_entity_year_is_free(con, report, entity, year)
        except DuplicateReportError as exc:
            errors[report] = str(exc)
            continue
        if year is not None:
            first = first_of.setdefault((entity, year), report)
            if first != report:
                errors[report] = _duplicate_message(report, first, entity, year)
    return errors


def load_report(con: duckdb.DuckDBPyConnection, extraction: Extraction) -> int:
    """Replace one report's metadata and KPI rows in a single transaction."""
    return load_reports(con, [extraction])[extraction.report]


def load_reports(con: duckdb.DuckDBPyConnection, extractions: list[Extraction],
                 sha256: dict[str, str] | None = None) -> dict[str, int]:
    """Replace several reports' metadata and KPI rows in a single transaction; returns
    report -> rows loaded. ``sha256``: report -> the content each extraction was read
    from (else the file is hashed now)."""
    for extraction in extractions:
        identity = extraction.identity
        _check_entity_year_is_free(con, extraction.report, identity.entity, identity.year)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    reports = pd.DataFrame({
        "report": [e.report for e in extractions],
        "entity": [e.identity.entity for e in extractions],
        "year": pd.array([e.identity.year for e in extractions], dtype="Int64"),
        "title": [e.identity.title for e in extractions],
        "entity_source": [e.identity.entity_source for e in extractions],
        "year_source": [e.identity.year_source for e in extractions],
        "pages": [e.pages for e in extractions],
        "kpi_tables": [e.kpi_tables for e in extractions],
        "sha256": [(sha256 or {}).get(e.report) or file_sha256(e.path) for e in extractions],
        "loaded_at": [loaded_at] * len(extractions),
    })
    rows = pd.concat([e.rows for e in extractions], ignore_index=True)
    con.register("incoming_reports", reports)
    con.register("incoming_rows", rows)
    try:
        with transaction(con):
            for table in ("kpi_scores", "kpi_rows", "reports"):
                con.execute(f"DELETE FROM {table} WHERE list_contains($reports, report)",
                            {"reports": list(reports["report"])})
            con.execute("INSERT INTO reports BY NAME SELECT * FROM incoming_reports")
            con.execute("INSERT INTO kpi_rows BY NAME SELECT * FROM incoming_rows")
    finally:
        con.unregister("incoming_reports")
        con.unregister("incoming_rows")
    return {e.report: len(e.rows) for e in extractions}


def score_reports(con: duckdb.DuckDBPyConnection, reports: list[str],
                  corrections: list[dict] | None = None) -> pd.DataFrame:
    """Recompute the reports' scores (replacing earlier ones) in one statement, with the
    lines of corrections.csv (quality/corrections.py) that name them, and return their
    KPIs."""
    with transaction(con):
        replace_corrections(con, corrections or [], reports)
        con.execute("DELETE FROM kpi_scores WHERE list_contains($reports, report)",
                    {"reports": reports})
        con.execute(read_sql("03_score_kpis.sql"), {"reports": reports})
    return report_kpis(con, reports)


def score_report(con: duckdb.DuckDBPyConnection, report: str) -> pd.DataFrame:
    """Recompute one report's scores and return its KPIs."""
    return score_reports(con, [report])


def report_kpis(con: duckdb.DuckDBPyConnection, reports: str | list[str]) -> pd.DataFrame:
    """The scored KPIs of one report, or of several."""
    return con.execute(
        "SELECT * FROM kpis WHERE list_contains($reports, report) "
        "ORDER BY report, page, row_index",
        {"reports": [reports] if isinstance(reports, str) else list(reports)},
    ).df()


def quality_findings(con: duckdb.DuckDBPyConnection, reports: list[str],
                     severity: str) -> pd.DataFrame:
    """Rows of quality_issues of one severity, of some reports."""
    return con.execute(
        "SELECT * FROM quality_issues WHERE severity = $severity "
        "AND list_contains($reports, report)",
        {"severity": severity, "reports": reports}).df()


def trend_findings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The findings across years (kpi_missing, target_changed), as rebuilt with the
    trends: the rows quality_issues shows for them, without computing the others."""
    return con.execute("SELECT * FROM trend_findings").df()


def refresh_summaries(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild every summary table from the scored KPIs, atomically; returns each
    table's row count."""
    with transaction(con):
        con.execute(read_sql("04_summaries.sql"))
    return {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            for name in SUMMARY_TABLES}


def _entity_chunks(con: duckdb.DuckDBPyConnection, table: str) -> list[list[str | None]]:
    """The table's entities in groups of about CHUNK_ROWS rows (whole entities each)."""
    chunks: list[list[str | None]] = [[]]
    rows = 0
    for entity, count in con.execute(
            f"SELECT entity, count(*) FROM {table} GROUP BY ALL ORDER BY 1").fetchall():
        if rows and rows + count > CHUNK_ROWS:
            chunks.append([])
            rows = 0
        chunks[-1].append(entity)
        rows += count
    return [chunk for chunk in chunks if chunk]


def _rows_of(con: duckdb.DuckDBPyConnection, table: str, entities: list) -> pd.DataFrame:
    # coalesce: a row without an entity is checked too (and fails the check).
    return con.execute(f"SELECT * FROM {table} WHERE list_contains($e, coalesce(entity, ''))",
                       {"e": [e or "" for e in entities]}).df()


def summaries_by_entity(con: duckdb.DuckDBPyConnection,
                        tables: list[str]) -> Iterator[dict[str, pd.DataFrame]]:
    """The summary tables in chunks of whole entities (a report belongs to one entity, so
    its totals are all in the same chunk)."""
    for entities in _entity_chunks(con, "summary_by_objective"):
        yield {name: _rows_of(con, name, entities) for name in tables}


def delete_report(con: duckdb.DuckDBPyConnection, report: str) -> None:
    with transaction(con):
        _delete_report(con, report)


# --- the ingestion ledger (sql/05_ledger.sql) ---------------------------------------

LEDGER_STATUSES = ["running", "ingested", "failed", "quarantined", "skipped", "removed"]
LEDGER_FIELDS = ("sha256", "size_bytes", "pages", "entity", "year", "kpi_rows", "error")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record_attempt(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    report: str,
    status: str,
    trigger: str,
    **fields,
) -> None:
    """Create or update the ledger row of one report in one run; each step adds what it
    knows.

    ``fields``: sha256, size_bytes, pages, entity, year, kpi_rows, error (None keeps
    the earlier value). Any status but 'running' stamps finished_at.
    """
    assert status in LEDGER_STATUSES, status
    unknown = set(fields) - set(LEDGER_FIELDS)
    assert not unknown, unknown
    now = utc_now()
    con.execute(
        """
        INSERT INTO ingestion_ledger (attempt_id, run_id, report, sha256, size_bytes, pages,
            entity, year, trigger, started_at, finished_at, status, kpi_rows, error)
        VALUES ($attempt_id, $run_id, $report, $sha256, $size_bytes, $pages, $entity, $year,
            $trigger, $now, $finished_at, $status, $kpi_rows, $error)
        ON CONFLICT (attempt_id) DO UPDATE SET
            status = excluded.status,
            finished_at = excluded.finished_at,
            sha256 = coalesce(excluded.sha256, sha256),
            size_bytes = coalesce(excluded.size_bytes, size_bytes),
            pages = coalesce(excluded.pages, pages),
            entity = coalesce(excluded.entity, entity),
            year = coalesce(excluded.year, year),
            kpi_rows = coalesce(excluded.kpi_rows, kpi_rows),
            error = coalesce(excluded.error, error)
        """,
        {
            "attempt_id": f"{run_id}:{report}",
            "run_id": run_id,
            "report": report,
            "trigger": trigger,
            "now": now,
            "finished_at": None if status == "running" else now,
            "status": status,
            **{k: fields.get(k) for k in LEDGER_FIELDS},
        },
    )


def run_attempts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, tuple[str, str | None]]:
    """Report -> (status, error) of every report attempted in one run."""
    rows = con.execute("SELECT report, status, error FROM ingestion_ledger WHERE run_id = $run",
                       {"run": run_id}).fetchall()
    return {report: (status, error) for report, status, error in rows}


def running_attempts(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Run id -> reports of the ledger rows still 'running'."""
    rows = con.execute("SELECT run_id, list(report ORDER BY report) FROM ingestion_ledger "
                       "WHERE status = 'running' GROUP BY run_id").fetchall()
    return dict(rows)


def fail_attempts(con: duckdb.DuckDBPyConnection, run_id: str, error: str) -> None:
    """Close the 'running' ledger rows of a run that is no longer alive."""
    con.execute("UPDATE ingestion_ledger SET status = 'failed', error = $error, "
                "finished_at = $now WHERE run_id = $run AND status = 'running'",
                {"error": error, "now": utc_now(), "run": run_id})


def ingested_files(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """File name -> input key (raw_folder.input_key: sha256 and corrections digest) of
    the files whose current rows and scores come from that content and corrections."""
    return {report: input_key(sha256, corrections) for report, sha256, corrections
            in con.execute("SELECT report, sha256, corrections_sha FROM ingested_files")
            .fetchall()}


# --- Reviewers' corrections (quality/corrections.py, sql/02_corrections.sql) ----------


def replace_corrections(con: duckdb.DuckDBPyConnection, lines: list[dict],
                        reports: list[str] | None) -> None:
    """Put the lines of corrections.csv for ``reports`` in the table `corrections`, with
    each report's digest (None: the lines naming no loaded report, which the scoring of
    no report writes). Part of the caller's transaction."""
    if reports is None:
        loaded = set(loaded_reports(con))
        con.execute("DELETE FROM corrections WHERE report NOT IN (SELECT report FROM reports)")
        mine = [line for line in lines if line["report"] not in loaded]
    else:
        con.execute("DELETE FROM corrections WHERE list_contains($r, report)", {"r": reports})
        mine = [line for line in lines if line["report"] in reports]
        found = digests(mine)
        for report in reports:
            con.execute("UPDATE reports SET corrections_sha = $d WHERE report = $r",
                        {"d": found.get(report, ""), "r": report})
    if mine:
        frame = pd.DataFrame(mine).astype({"page": "Int64", "line": "int64"})
        con.register("incoming_corrections", frame)
        try:
            con.execute("INSERT INTO corrections BY NAME SELECT report, line, page, kpi, "
                        '"column", corrected_value, note, problem FROM incoming_corrections')
        finally:
            con.unregister("incoming_corrections")


def loaded_reports(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r for (r,) in con.execute("SELECT report FROM reports ORDER BY report").fetchall()]


def forget_report(con: duckdb.DuckDBPyConnection, report: str) -> int:
    """Delete one report's rows (its file is gone) and record it; returns the rows removed."""
    with transaction(con):
        (rows,) = con.execute(
            "SELECT count(*) FROM kpi_rows WHERE report = $report", {"report": report}
        ).fetchall()[0]
        _delete_report(con, report)
        record_attempt(con, f"forget-{uuid.uuid4()}", report, "removed", trigger="cli",
                       kpi_rows=rows)
    return rows


# --- KPI trends across years (sql/06_kpi_trends.sql, sql/07_area_trends.sql) --------


def _kpi_similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b)


def _register_kpi_similarity(con: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.InvalidInputException):  # not registered on this connection yet
        con.remove_function("kpi_similarity")
    con.create_function("kpi_similarity", _kpi_similarity, ["VARCHAR", "VARCHAR"], "DOUBLE",
                        side_effects=False)


def refresh_trends(con: duckdb.DuckDBPyConnection) -> None:
    """Re-link every KPI to the previous year's and rebuild kpi_links / kpi_trends."""
    _register_kpi_similarity(con)
    with transaction(con):
        con.execute(read_sql("06_kpi_trends.sql"))


def trends_overview(con: duckdb.DuckDBPyConnection, preview_rows: int) -> dict:
    """What the UI shows of kpi_trends / kpi_links, computed in SQL: kpi_trends has a
    row per KPI and year of every report, too many to hold for a look."""
    return {
        "rows": con.execute("SELECT count(*) FROM kpi_trends").fetchall()[0][0],
        "links": con.execute("SELECT count(*) FROM kpi_links").fetchall()[0][0],
        "links_by_method": dict(con.execute(
            "SELECT method, count(*) FROM kpi_links GROUP BY ALL ORDER BY ALL").fetchall()),
        "changes_by_year": con.execute(
            "SELECT year, change, count(*) AS kpis FROM kpi_trends GROUP BY ALL "
            "ORDER BY ALL").df(),
        "what_changed": con.execute(
            "SELECT * FROM kpi_trends WHERE change NOT IN ('unchanged', 'first report') "
            "ORDER BY entity, year, page NULLS LAST LIMIT $n", {"n": preview_rows}).df(),
    }


def trends_by_entity(con: duckdb.DuckDBPyConnection) -> Iterator[pd.DataFrame]:
    """kpi_trends in chunks of whole entities (what a check can hold however many reports
    are loaded; the trend rules never cross entities)."""
    for entities in _entity_chunks(con, "kpi_trends"):
        yield _rows_of(con, "kpi_trends", entities)


def refresh_area_trends(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    with transaction(con):
        con.execute(read_sql("07_area_trends.sql"))
    return {name: con.execute(f"SELECT * FROM {name}").df() for name in AREA_TREND_TABLES}


# --- Parquet exports: what to read while runs hold the DuckDB file -------------------


def exports_dir(database: str | Path) -> Path:
    return Path(database).parent / "exports"


def charts_dir(database: str | Path) -> Path:
    """The chart cache (report/charts.py), beside the database."""
    return Path(database).parent / "charts"


def scorecard_dir(database: str | Path) -> Path:
    """Where each ingest writes the scorecard site (report/scorecard.py)."""
    return Path(database).parent / "scorecard"


def refresh_inputs(con: duckdb.DuckDBPyConnection, database: str | Path,
                   raw_dir: str | Path) -> str:
    """What the tables over all reports are made from: the reports loaded and the
    attempts made (the view refresh_state), the pipeline's code, SQL and templates,
    raw/corrections.csv, and where the database and raw/ are. A refresh recorded with
    the same digest made the tables, exports and scorecard as a new one would."""
    digest = hashlib.sha256(repr(con.execute("SELECT * FROM refresh_state").fetchall()).encode())
    package = Path(__file__).parents[1]
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.html"),
                        *package.rglob("*.css"), *sql_dir().rglob("*.sql"),
                        *sql_dir().rglob("*.csv")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    corrections = corrections_path(raw_dir)
    digest.update(corrections.read_bytes() if corrections.is_file() else b"no corrections")
    digest.update(f"{Path(database).resolve()}\0{Path(raw_dir).resolve()}".encode())
    return digest.hexdigest()[:16]


def refresh_outputs_present(database: str | Path) -> bool:
    """The exports and the scorecard a refresh writes are on disk (not deleted since)."""
    exports = exports_dir(database)
    return ((scorecard_dir(database) / "index.html").is_file()
            and all((exports / f"{name}.parquet").is_file() for name in EXPORT_TABLES))


def sources_root(database: str | Path) -> Path:
    """The folder `source_image` paths (report/crops.py) are relative to: the
    warehouse file's own."""
    return Path(database).parent


def source_rows(con: duckdb.DuckDBPyConnection, report: str) -> pd.DataFrame:
    """Every row of one report with its page geometry and the name of its picture."""
    return con.execute(
        "SELECT page, table_index, row_index, x0, top, x1, bottom, source_image "
        "FROM kpi_facts WHERE report = $report ORDER BY page, row_index",
        {"report": report}).df()


def export_tables(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, Path]:
    """Write EXPORT_TABLES as <directory>/<table>.parquet, each replaced atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for table in EXPORT_TABLES:
        final = directory / f"{table}.parquet"
        partial = directory / f".{table}.parquet.tmp"
        con.table(table).write_parquet(str(partial))
        os.replace(partial, final)  # a reader sees the old file or the new one, never half
        written[table] = final
    return written


def report_info(con: duckdb.DuckDBPyConnection, report: str) -> dict:
    """The `reports` row of one report (entity, year, sha256, ...)."""
    return reports_info(con, [report]).get(report, {})


def reports_info(con: duckdb.DuckDBPyConnection, reports: list[str]) -> dict[str, dict]:
    """Report -> its `reports` row, for several reports in one query."""
    frame = con.execute("SELECT * FROM reports WHERE list_contains($reports, report)",
                        {"reports": reports}).df()
    return {row["report"]: row for row in frame.to_dict("records")}
