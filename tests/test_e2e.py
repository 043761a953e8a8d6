"""End to end: the README's main command on raw/, checked against the ground truth."""

from __future__ import annotations

import math
import os
import shutil
import subprocess

import duckdb
import pytest
from conftest import CELL_COLUMNS, FIXTURE_PDF, REPO, fold

pytestmark = pytest.mark.slow

# (page, KPI start) -> (target kind, target number, achieved kind, achieved number,
#                       method, recomputed score, status); numbers checked by hand.
# fmt: off
HAND_PICKED = {
    (3, "Piano Quartieri"): ("percent", 70, "percent", 93.6, "ratio_higher_is_better", 100, "met"),
    (4, "Livello di qualità dei report sulle"):
        ("threshold", 70, "percent", 78, "threshold", 100, "met"),
    (5, "Definizione Layout"): ("date", None, "yes_no", None, "deadline", 100, "met"),
    (13, "Sviluppo degli itinerari"):
        ("number", 35, "number", 37.25, "ratio_higher_is_better", 100, "met"),
    (15, "Capacità di utilizzo"): ("threshold", 10, "percent", -3.7, "threshold", 100, "met"),
    (15, "Tempestività dei pagamenti"):
        ("percent", -5, "percent", -14.1, "ratio_lower_is_better", 100, "met"),
    (15, "Capacità di accertamento"):
        ("threshold", 90, "percent", 102.7, "threshold", 100, "met"),
    (17, "Tempi di risposta: Chiamate"):
        ("duration", 5, "duration", 2.4, "ratio_lower_is_better", 100, "met"),
    (17, "Tempi di risposta: Scrivi"):
        ("duration", 15, "duration", 13.1, "ratio_lower_is_better", 100, "met"),
    (19, "Tempo medio di lavorazione istanze"):
        ("duration", 6, "duration", 6, "ratio_lower_is_better", 100, "met"),
    (20, "Buoni spesa"): ("number", 19000, "number", 19365, "ratio_higher_is_better", 100, "met"),
    (20, "N° utenti ricollocati"): ("threshold", 350, "number", 450, "threshold", 100, "met"),
    (23, "Servizi da garantire"): ("text", None, "yes_no", None, "qualitative_yes_no", 100, "met"),
    (25, "N. di docenti coinvolti"):
        ("text", None, "percent", 100, "qualitative_completion", 100, "met"),
    (26, "Analisi e definizione"): ("date", None, "date", None, "deadline", 100, "met"),
    (27, "Consegna degli alloggi"):
        ("number", 800, "number", 639, "ratio_higher_is_better", 79.875, "partial"),
    (28, "Estensione del Lavoro Agile"):
        ("text", None, "percent", 100, "qualitative_completion", 100, "met"),
    (31, "Avvio delle attività sperimentali"):
        ("threshold", 5, "number", 14, "threshold", 100, "met"),
}
# fmt: on


def run_main_command(tmp_path, db):
    env = dict(os.environ, PERF_PIPELINE_DB=str(db), DAGSTER_HOME=str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", tmp_path / "dagster_home")
    proc = subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc.stdout


def snapshot(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: con.execute(f"SELECT * EXCLUDE (loaded_at) FROM {table} ORDER BY ALL").fetchall()
            if table == "reports"
            else con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in (
                "reports",
                "kpi_rows",
                "kpi_scores",
                "summary_by_report",
                "summary_by_area",
                "summary_by_objective",
                "summary_by_status",
            )
        }


@pytest.fixture(scope="module")
def warehouse_after_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("e2e")
    db = tmp_path / "perf.duckdb"
    stdout = run_main_command(tmp_path, db)
    return tmp_path, db, stdout


def test_main_command_prints_a_summary(warehouse_after_run):
    _, _, stdout = warehouse_after_run
    assert "milano_performance_2020.pdf" in stdout
    assert (
        "1 report(s), 67 KPIs (1 duplicate rows not counted): 66 met, 1 partial, "
        "0 not met, 0 unscorable; 0 score discrepancies"
    ) in stdout


def test_warehouse_matches_ground_truth(warehouse_after_run, ground_truth):
    _, db, _ = warehouse_after_run
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT * FROM kpis WHERE report = $r ORDER BY page, row_index", {"r": FIXTURE_PDF.name}
        ).df()
        report = con.execute("SELECT entity, year, pages FROM reports").fetchall()
        discrepancies = con.execute("SELECT count(*) FROM score_discrepancies").fetchall()[0][0]
        by_report = con.execute(
            "SELECT kpis, met, partial, not_met, unscorable FROM summary_by_report"
        ).fetchall()
    assert report == [("Comune di Milano", 2020, 32)]
    assert len(rows) == 68
    assert (~rows["is_duplicate"]).sum() == 67
    assert rows["page"].tolist() == ground_truth["slide"].astype(int).tolist()
    for col in CELL_COLUMNS:
        assert [fold(v) for v in rows[col]] == [fold(v) for v in ground_truth[col]], col
    partial = rows[rows["status"] == "partial"]
    assert partial["kpi"].tolist() == ["Consegna degli alloggi agli utenti"]
    assert partial["score_recomputed"].iloc[0] == pytest.approx(79.875)
    assert partial["score_reported_number"].iloc[0] == pytest.approx(79.87)
    assert discrepancies == 0
    assert by_report == [(67, 66, 1, 0, 0)]


def test_hand_picked_rows_are_parsed_and_scored(warehouse_after_run):
    _, db, _ = warehouse_after_run
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT * FROM kpis WHERE NOT is_duplicate").df()
    assert len(HAND_PICKED) >= 15
    for (page, kpi_start), expected in HAND_PICKED.items():
        match = rows[(rows["page"] == page) & rows["kpi"].str.startswith(kpi_start)]
        assert len(match) == 1, (page, kpi_start)
        row = match.iloc[0]
        t_kind, t_num, a_kind, a_num, method, score, status = expected
        actual = (
            row["target_kind"],
            row["target_number"],
            row["achieved_kind"],
            row["achieved_number"],
            row["method"],
            row["score_recomputed"],
            row["status"],
        )
        for want, got in zip(expected, actual, strict=True):
            if want is None:
                assert got is None or (isinstance(got, float) and math.isnan(got)), (
                    page,
                    kpi_start,
                )
            elif isinstance(want, str):
                assert got == want, (page, kpi_start, want, got)
            else:
                assert got == pytest.approx(want), (page, kpi_start, want, got)
    deadline = rows[(rows["page"] == 26) & rows["kpi"].str.startswith("Analisi")].iloc[0]
    assert str(deadline["target_date"])[:10] == str(deadline["achieved_date"])[:10] == "2020-12-31"
    assert rows[rows["page"] == 17]["target_unit"].tolist()[:2] == ["minutes", "days"]


def test_running_again_changes_nothing(warehouse_after_run):
    tmp_path, db, _ = warehouse_after_run
    before = snapshot(db)
    run_main_command(tmp_path, db)
    assert snapshot(db) == before
