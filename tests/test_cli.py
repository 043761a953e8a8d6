"""The query command: read-only SQL on the warehouse, clear errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO
from warehouse_rows import load_rows

from perf_pipeline.warehouse import store


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perf_pipeline.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with store.connect(path) as con:
        load_rows(con, tmp_path, "uno.pdf", [
            {"kpi": "Alloggi consegnati", "target": "800", "achieved": "639",
             "score_reported": "79,87%"},
            {"kpi": "Pratiche evase", "target": "> 350", "achieved": "450",
             "score_reported": "100%"},
        ])
    return path


def test_query_prints_rows(db):
    proc = cli("query", "SELECT kpi, status, score_recomputed FROM kpis ORDER BY kpi",
               "--db", str(db), "--csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "kpi,status,score_recomputed",
        "Alloggi consegnati,partial,79.875",
        "Pratiche evase,met,100.0",
    ]


def test_query_is_read_only_and_errors_are_one_line(db):
    proc = cli("query", "DELETE FROM kpi_rows", "--db", str(db))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error:") and "read-only" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli("query", "SELEC nonsense", "--db", str(db))
    assert proc.returncode == 1 and "syntax error" in proc.stderr.lower()
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM kpi_rows").fetchall()[0][0] == 2


def test_query_without_a_warehouse_says_so(tmp_path):
    proc = cli("query", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert proc.returncode == 1
    assert "does not exist yet" in proc.stderr and "perf-pipeline ingest" in proc.stderr
