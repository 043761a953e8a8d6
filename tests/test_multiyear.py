"""Two years of the same city: the main command ingests both, links their KPIs across
years, summarises per year, records every attempt in the ledger, and runs idempotently.

The 2021 report is generated from data (tests/nextyear.py), so every expected value
below is derived from that data and the 2020 ground truth, not from the pipeline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import FIXTURE_PDF, REPO, fold
from dagster import DagsterInstance
from nextyear import (
    ADDED,
    CHANGED,
    DROPPED,
    REWORDED,
    build_next_year_report,
    expected_status,
    fixture_rows,
)
from pdfgen import KpiTable, build_report_pdf
from typer.testing import CliRunner
from warehouse_rows import load_rows

from perf_pipeline.cli import app
from perf_pipeline.definitions import build_definitions
from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.raw_folder import file_sha256
from perf_pipeline.warehouse import store

pytestmark = pytest.mark.slow

Y2020, Y2021 = FIXTURE_PDF.name, "milano_performance_2021.pdf"
DUPLICATE_KEY = ["section", "area", "objective", "kpi", "target", "achieved", "score_reported"]
TABLES = ["reports", "kpi_rows", "kpi_scores", "summary_by_report", "summary_by_area",
          "summary_by_objective", "summary_by_status", "kpi_links", "kpi_trends",
          "trend_by_area", "ingestion_ledger"]


@dataclass
class Setup:
    root: Path
    raw: Path
    db: Path
    env: dict[str, str]
    rows_2021: list[dict]
    output: str


def new_setup(root: Path) -> tuple[Path, Path, dict[str, str]]:
    raw, home = root / "raw", root / "dagster_home"
    raw.mkdir()
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)  # the project's instance config
    db = root / "data" / "perf.duckdb"
    env = {"DAGSTER_HOME": str(home), "PERF_PIPELINE_DB": str(db),
           "PERF_PIPELINE_RAW_DIR": str(raw)}
    return raw, db, env


def cli(env: dict[str, str], *args: str, code: int = 0) -> str:
    """The real command, in process (its runs land in env's DAGSTER_HOME)."""
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def query(db: Path, sql: str, **params) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def snapshot(db: Path) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def distinct(rows: list[dict]) -> list[dict]:
    """The KPIs a report counts: a row printed twice (same cells) once."""
    seen, kept = set(), []
    for row in rows:
        key = tuple(row[k] for k in DUPLICATE_KEY)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def area_label(row: dict) -> str:
    return row["area"] or row["section"]


@pytest.fixture(scope="module")
def two_years(tmp_path_factory) -> Setup:
    root = tmp_path_factory.mktemp("multiyear")
    raw, db, env = new_setup(root)
    shutil.copy(FIXTURE_PDF, raw)
    report = build_next_year_report(raw)
    output = cli(env, "ingest")
    return Setup(root, raw, db, env, report.rows, output)


def test_main_command_ingests_both_years(two_years):
    out = two_years.output
    assert "Ingesting 2 report(s)" in out
    assert f"ok     {Y2020}" in out and f"ok     {Y2021}" in out
    assert query(two_years.db, "SELECT report, entity, year FROM reports ORDER BY year") == [
        (Y2020, "Comune di Milano", 2020), (Y2021, "Comune di Milano", 2021)
    ]


def test_generated_report_is_extracted_as_generated(two_years):
    with duckdb.connect(str(two_years.db), read_only=True) as con:
        got = con.execute(
            "SELECT * FROM kpi_rows WHERE report = $r ORDER BY page, row_index", {"r": Y2021}
        ).df()
    want = pd.DataFrame(two_years.rows_2021)
    assert len(got) == len(want) == 68
    assert got["page"].tolist() == want["page"].tolist()
    for col in ["section", "area", "objective", "kpi", "target", "achieved", "score_reported"]:
        assert [fold(v) for v in got[col]] == [fold(v) for v in want[col]], col


def test_summaries_per_year(two_years):
    expected_2021 = [expected_status(r["kpi"]) for r in distinct(two_years.rows_2021)]
    rows = query(two_years.db, "SELECT year, kpis, met, partial, not_met, unscorable "
                               "FROM summary_by_report ORDER BY year")
    assert rows == [
        (2020, 67, 66, 1, 0, 0),  # fixture README: one KPI (79,87%) not fully met
        (2021, len(expected_2021), expected_2021.count("met"), expected_2021.count("partial"),
         expected_2021.count("not met"), 0),
    ]
    assert rows[1] == (2021, 67, 64, 1, 2, 0)
    by_status = dict(query(two_years.db, "SELECT status, kpis FROM summary_by_status "
                                         "WHERE year = 2021"))
    assert by_status == {"met": 64, "partial": 1, "not met": 2}


def trend(db: Path, kpi: str, year: int = 2021) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute("SELECT * FROM kpi_trends WHERE kpi = $kpi AND year = $year",
                            {"kpi": kpi, "year": year}).df()
    assert len(frame) == 1, (kpi, frame)
    return frame.iloc[0].to_dict()


def test_trend_table_links_kpis_across_years(two_years):
    db = two_years.db
    # Same text once the year is normalised: an exact link, in the same series.
    quartieri = trend(db, "Piano Quartieri: avanzamento dei programmi di lavoro del 2021")
    assert (quartieri["match_method"], quartieri["change"]) == ("exact", "unchanged")
    assert quartieri["previous_kpi"] == (
        "Piano Quartieri: avanzamento dei programmi di lavoro del 2020")
    first = trend(db, quartieri["previous_kpi"], 2020)
    assert first["change"] == "first report" and first["series_id"] == quartieri["series_id"]

    # The reworded KPI: fuzzy, above the documented threshold.
    [(old, new)] = REWORDED.items()
    reworded = trend(db, new)
    threshold = query(db, "SELECT kpi_match_threshold()")[0][0]
    assert reworded["match_method"] == "fuzzy" and reworded["previous_kpi"] == old
    assert threshold == 90 and reworded["match_similarity"] == pytest.approx(95.74, abs=0.01)

    # Changed values: the score moves as the data says (15.200 / 19.000 = 80%, 812 >= 800).
    buoni = trend(db, "Buoni spesa distribuiti")
    assert (buoni["change"], buoni["score_change"], buoni["status"]) == ("worsened", -20, "partial")
    alloggi = trend(db, "Consegna degli alloggi agli utenti")
    assert alloggi["change"] == "improved"
    assert alloggi["score_change"] == pytest.approx(100 - 100 * 639 / 800)
    for kpi in ("Contatti censiti nel CRM", "Definizione Layout"):
        row = trend(db, kpi)
        assert (row["change"], row["status"], row["previous_status"]) == (
            "worsened", CHANGED[kpi][3], "met")
    # Similar texts that are different KPIs keep their own predecessor.
    scrivi = trend(db, "Tempi di risposta: Scrivi")
    assert scrivi["previous_kpi"] == "Tempi di risposta: Scrivi" and scrivi["change"] == "unchanged"

    dropped = trend(db, DROPPED)
    assert dropped["change"] == "dropped" and pd.isna(dropped["page"])
    assert dropped["previous_year"] == 2020 and dropped["report"] == Y2021
    added = trend(db, ADDED["kpi"])
    assert added["change"] == "added" and pd.isna(added["previous_report"])

    changes = dict(query(db, "SELECT change, count(*) FROM kpi_trends WHERE year = 2021 "
                             "GROUP BY ALL"))
    worsened = sum(1 for _, _, _, s in CHANGED.values() if s != "met")
    assert changes == {"unchanged": 67 - 1 - worsened - 1, "worsened": worsened,
                       "improved": 1, "added": 1, "dropped": 1}
    assert query(db, "SELECT count(*) FROM kpi_links WHERE previous_report IS NOT NULL") == [
        (66,)
    ]


def share_met(kpis: list[str], status) -> float:
    return round(100 * sum(status(k) == "met" for k in kpis) / len(kpis), 2)


def test_area_summaries_year_over_year(two_years):
    def status_2020(kpi: str) -> str:  # fixture README: only this one is not fully met
        return "partial" if kpi == "Consegna degli alloggi agli utenti" else "met"

    by_area_2021, by_area_2020 = {}, {}
    for row in distinct(two_years.rows_2021):
        by_area_2021.setdefault(area_label(row), []).append(row["kpi"])
    for row in distinct(fixture_rows()):  # labels as printed in 2021 (years renamed)
        by_area_2020.setdefault(area_label(row).replace("2020", "2021"), []).append(row["kpi"])
    with duckdb.connect(str(two_years.db), read_only=True) as con:
        table = con.execute("SELECT * FROM trend_by_area WHERE year = 2021").df()
    assert sorted(table["area"]) == sorted(by_area_2021)
    for _, row in table.iterrows():
        kpis, before = by_area_2021[row["area"]], by_area_2020[row["area"]]
        share = share_met(kpis, expected_status)
        assert (row["kpis"], row["share_met_pct"], row["previous_kpis"]) == (
            len(kpis), pytest.approx(share), len(before)), row["area"]
        assert row["share_met_change_pp"] == pytest.approx(
            round(share - share_met(before, status_2020), 2)), row["area"]
    digitale = table[table["area"] == "MILANO DIGITALE"].iloc[0]
    assert (digitale["added"], digitale["dropped"]) == (1, 1)
    assert table["share_met_change_pp"].min() < 0  # some areas got worse


def test_ledger_has_one_row_per_file_and_attempt(two_years):
    rows = query(two_years.db, "SELECT report, sha256, size_bytes, pages, entity, year, trigger, "
                               "status, kpi_rows, error, finished_at >= started_at "
                               "FROM ingestion_ledger ORDER BY report")
    pdf_2021 = two_years.raw / Y2021
    assert rows == [
        (Y2020, file_sha256(FIXTURE_PDF), FIXTURE_PDF.stat().st_size, 32,
         "Comune di Milano", 2020, "cli", "ingested", 68, None, True),
        (Y2021, file_sha256(pdf_2021), pdf_2021.stat().st_size,
         1 + len({r["page"] for r in two_years.rows_2021}), "Comune di Milano", 2021, "cli",
         "ingested", 68, None, True),
    ]


def test_running_the_main_command_again_changes_nothing(two_years):
    before = snapshot(two_years.db)
    out = cli(two_years.env, "ingest")
    assert "Ingesting 0 report(s)" in out and "(2 unchanged)" in out
    assert f"unchanged {Y2020}" in out
    assert snapshot(two_years.db) == before
    assert "2 report(s), 134 KPIs" in out


def test_parquet_exports_can_be_read_while_a_run_holds_the_database(two_years):
    exports = two_years.db.parent / "exports"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('holding', flush=True); time.sleep(30)", str(two_years.db)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        # The database itself is locked for any other process...
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(two_years.db), read_only=True)
        # ...while the exports written after the last run read fine.
        by_year = duckdb.sql(
            f"SELECT year, kpis, met FROM '{exports / 'summary_by_report.parquet'}' ORDER BY year"
        ).fetchall()
        ledger = duckdb.sql(f"SELECT * FROM '{exports / 'ingestion_ledger.parquet'}'").df()
        trends = duckdb.sql(f"SELECT * FROM '{exports / 'kpi_trends.parquet'}'").df()
    finally:
        holder.kill()
        holder.wait()
    assert by_year == [(2020, 67, 66), (2021, 67, 64)]
    assert set(ledger["status"]) == {"ingested"}
    assert len(trends) == len(query(two_years.db, "SELECT * FROM kpi_trends"))
    assert sorted(p.name for p in exports.iterdir()) == sorted(
        f"{t}.parquet" for t in store.EXPORT_TABLES)


def test_same_entity_and_year_twice_is_an_error_and_forget_removes_a_report(two_years, tmp_path):
    """The warehouse holds both years; raw/ now has the 2020 file and a copy of the 2021
    one under another name, and the 2021 file itself is gone."""
    raw, db, env = new_setup(tmp_path)
    db.parent.mkdir()
    shutil.copy(two_years.db, db)
    shutil.copy(two_years.raw / Y2020, raw)
    shutil.copy(two_years.raw / Y2021, raw / "milano_2021_copia.pdf")

    out = cli(env, "ingest", code=1)
    flat = re.sub(r"\s+", " ", out)
    assert "failed milano_2021_copia.pdf" in flat
    assert (f"milano_2021_copia.pdf and {Y2021} are both the 2021 report of Comune di Milano"
            in flat)
    assert f"missing {Y2021} is no longer in" in flat  # reported, rows kept
    [(status, error)] = query(db, "SELECT status, error FROM ingestion_ledger "
                                  "WHERE report = 'milano_2021_copia.pdf'")
    assert status == "failed" and Y2021 in error and "milano_2021_copia.pdf" in error
    assert query(db, "SELECT report FROM reports ORDER BY 1") == [(Y2020,), (Y2021,)]
    assert query(db, "SELECT count(*) FROM kpi_rows WHERE report = $r", r=Y2021) == [(68,)]

    (raw / "milano_2021_copia.pdf").unlink()
    cli(env, "forget", Y2020, code=1)  # still in raw/: refused
    out = cli(env, "forget", Y2021, "milano_2021_copia.pdf")
    assert f"removed {Y2021} (68 KPI rows)" in out
    assert query(db, "SELECT report FROM reports") == [(Y2020,)]
    assert query(db, "SELECT DISTINCT year FROM kpi_trends") == [(2020,)]
    assert query(db, "SELECT status, kpi_rows FROM ledger_latest WHERE report = $r",
                 r=Y2021) == [("removed", 68)]
    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert instance.get_dynamic_partitions(report_partitions.name) == [Y2020]


def test_failed_and_quarantined_attempts_are_in_the_ledger(tmp_path):
    raw, db, env = new_setup(tmp_path)
    (raw / "non_un_pdf.pdf").write_text("questo non è un PDF\n")
    build_report_pdf(raw / "rotto.pdf", [KpiTable("Sezione", "Area", [
        ["Ob", "KPI buono", "10", "12", "100%"],
        ["Ob", "", "10", "12", "100%"],  # empty KPI cell: the pandera check fails
    ], header=["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2021"])])
    cli(env, "ingest", code=1)
    rows = query(db, "SELECT report, status, error, kpi_rows, finished_at IS NOT NULL "
                     "FROM ledger_latest ORDER BY report")
    assert [r[:2] for r in rows] == [("non_un_pdf.pdf", "failed"), ("rotto.pdf", "quarantined")]
    # Both went in one run; the unreadable file stopped it, so rotto.pdf was skipped there
    # and checked in a second run of its own.
    history = query(db, "SELECT report, status, error FROM ingestion_ledger "
                        "ORDER BY started_at, report")
    assert [r[:2] for r in history] == [("non_un_pdf.pdf", "failed"), ("rotto.pdf", "skipped"),
                                        ("rotto.pdf", "quarantined")]
    assert history[1][2] == "not loaded: non_un_pdf.pdf of the same run failed"
    assert "not a PDF" in rows[0][2]
    assert rows[1][2].startswith("extracted_rows_match_schema failed: kpi_text_present "
                                 "(threshold 0.2): more than this share of a report's "
                                 "rows have no KPI text")
    assert rows[1][3] == 2 and rows[0][4] and rows[1][4]
    assert query(db, "SELECT count(*) FROM kpi_rows") == [(0,)]
    assert query(db, "SELECT count(*) FROM ingested_files") == [(0,)]  # so tried again next time


HOLD_THE_WAREHOUSE = """
import sys, time
import duckdb

con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(2)
con.close()
print(time.time(), flush=True)
"""


def test_a_run_waits_for_another_run_that_writes_the_warehouse(tmp_path):
    """Another process holds the DuckDB file: the ingest run's steps wait for it instead
    of failing on the file lock."""
    raw, db, env = new_setup(tmp_path)
    build_report_pdf(raw / "esempio.pdf", [KpiTable("Sezione", "Area", [
        ["Ob", "Pratiche evase", "10", "12", "100%"]
    ], header=["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2021"])],
        title="La Valutazione della Performance 2021 del Comune di Esempio")
    store.working_path(db).parent.mkdir(parents=True)
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    # The other writer holds the pipeline's working copy (readers of the published file
    # never block: test_readers.py).
    other = subprocess.Popen([sys.executable, "-c", HOLD_THE_WAREHOUSE,
                              str(store.working_path(db))],
                             env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "holding"
        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            instance.add_dynamic_partitions(report_partitions.name, ["esempio.pdf"])
            result = defs.resolve_job_def("ingest_report").execute_in_process(
                partition_key="esempio.pdf", instance=instance, raise_on_error=False)
        assert other.wait(60) == 0
        released = float(other.stdout.readline())
    finally:
        other.kill()
    assert result.success
    [(status, started)] = query(db, "SELECT status, epoch(started_at) FROM ingestion_ledger")
    assert status == "ingested"
    assert started >= released - 0.5, "the first ledger write should have waited for the file"


def cells(rows: list[tuple[str, str, str]]) -> list[dict]:
    return [{"kpi": k, "target": t, "achieved": a} for k, t, a in rows]


def test_fuzzy_threshold_numbers_and_overrides(tmp_path):
    """The matching rules of sql/06_kpi_trends.sql on hand-made rows."""
    a20, a21 = "a_2020.pdf", "a_2021.pdf"
    with store.connect(":memory:") as con:
        load_rows(con, tmp_path, a20, cells([
            ("Tempi di risposta: Scrivi", "15 giorni", "13 giorni"),
            ("N. di pratiche rilasciate entro 15 giorni", "70%", "73%"),
            ("N. nuove entrate abilitate ai pagamenti on line", "2", "2"),
            ("Case sfitte recuperate", "30%", "36%"),
            ("Definizione Layout", "SI", "SI"),
        ]), year=2020)
        load_rows(con, tmp_path, a21, cells([
            # 87.5 against '...: Scrivi': below the threshold, a new KPI
            ("Tempi di risposta: Social", "5 giorni", "2 giorni"),
            # 97 against '... 15 giorni', but the numbers differ
            ("N. di pratiche rilasciate entro 30 giorni", "80%", "86%"),
            ("Numero di nuove entrate abilitate ai pagamenti online", "2", "3"),
            ("Case assegnate", "30%", "15%"),
            ("Definizione Layout", "SI", "SI"),
        ]), year=2021)
        con.execute(
            "INSERT INTO kpi_match_overrides VALUES "
            "('Comune di Test', 2021, 'Case assegnate', 'Case sfitte recuperate', 'renamed'), "
            "('Comune di Test', 2021, 'Definizione Layout', '', 'a different layout')"
        )
        store.refresh_trends(con)
        trends = con.execute("SELECT * FROM kpi_trends").df()
    current = trends[(trends["year"] == 2021) & (trends["change"] != "dropped")].set_index("kpi")
    assert current.loc["Tempi di risposta: Social", "change"] == "added"
    assert current.loc["N. di pratiche rilasciate entro 30 giorni", "change"] == "added"
    fuzzy = current.loc["Numero di nuove entrate abilitate ai pagamenti online"]
    assert (fuzzy["match_method"], fuzzy["match_similarity"]) == ("fuzzy", pytest.approx(95.74))
    case = current.loc["Case assegnate"]
    assert (case["match_method"], case["previous_kpi"], case["change"]) == (
        "override", "Case sfitte recuperate", "worsened")
    layout = current.loc["Definizione Layout"]
    assert (layout["match_method"], layout["change"]) == ("override", "added")
    dropped = set(trends[trends["change"] == "dropped"]["kpi"])
    assert dropped == {"Tempi di risposta: Scrivi", "N. di pratiche rilasciate entro 15 giorni",
                       "Definizione Layout"}


def test_trend_check_reads_one_entity_at_a_time_and_still_fails(two_years):
    """check_trends validates kpi_trends entity by entity (so it never holds the whole
    table); a bad row of any chunk fails it, with a row number that counts across
    chunks."""
    from perf_pipeline.defs.checks import check_trends

    with duckdb.connect(str(two_years.db), read_only=True) as con:
        trends = con.execute("SELECT * FROM kpi_trends ORDER BY ALL").df()
    other = trends.assign(entity="Comune di Altrove")
    assert check_trends([trends, other]).passed
    broken = other.copy()
    broken.loc[broken.index[3], ["change", "kpi"]] = ["got better", "KPI rotto"]
    result = check_trends([trends, broken])
    assert not result.passed
    assert result.metadata["rows_checked"].value == 2 * len(trends)
    cases = result.metadata["failure_cases"].value
    # The case names the KPI of the bad row of the second chunk (row numbers count across
    # chunks), never a frame index.
    [line] = [ln for ln in cases.splitlines() if "got better" in ln]
    assert "KPI rotto" in line
