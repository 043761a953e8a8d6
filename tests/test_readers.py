"""Readers never block the pipeline: a second DuckDB process keeps the documented
warehouse file open (read-only, or read-write as the duckdb CLI opens it) while ingests
run; they neither wait nor fail, and the reader sees a consistent state: the data as of
its connection, the latest once it connects again."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import REPO, project_with_fixture
from nextyear import build_next_year_report

READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print(con.execute("SELECT count(*) FROM reports").fetchone()[0], flush=True)
sys.stdin.readline()  # held open until told
print(con.execute("SELECT count(*) FROM reports").fetchone()[0], flush=True)
con.close()
again = duckdb.connect(sys.argv[1], read_only=True)
print(again.execute("SELECT count(*) FROM reports").fetchone()[0], flush=True)
"""
# Far below the 60 s a writer waits for a locked file: the ingest did not wait.
NO_WAIT_SECONDS = 45


def ingest(env) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "perf_pipeline.cli", "ingest"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    return done, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_an_open_reader_neither_blocks_nor_sees_half_an_ingest(tmp_path, mode):
    raw, db, _, env = project_with_fixture(tmp_path)
    first, _ = ingest(env)
    assert first.returncode == 0, first.stdout + first.stderr

    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), mode],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "1"
        build_next_year_report(raw)
        second, seconds = ingest(env)
        assert second.returncode == 0, second.stdout + second.stderr
        assert seconds < NO_WAIT_SECONDS
        assert "lock" not in (second.stdout + second.stderr).lower()
        reader.stdin.write("go on\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # its snapshot, whole
        assert reader.stdout.readline().strip() == "2"  # connected again: the latest
        assert reader.wait(30) == 0
    finally:
        reader.kill()
    # The command-line query reads the same published file.
    done = subprocess.run([sys.executable, "-m", "perf_pipeline.cli", "query",
                           "SELECT count(*) AS n FROM reports", "--csv"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["n", "2"], done.stdout + done.stderr


HOLD_THE_WORKING_COPY = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(3)
con.close()
"""


@pytest.mark.slow
def test_a_writer_waiting_for_another_pipeline_process_says_so(tmp_path):
    """Two pipeline processes do take turns on the working copy: the one that waits
    prints what it waits for, then goes on."""
    from perf_pipeline.warehouse import store

    raw, db, _, env = project_with_fixture(tmp_path)
    working = store.working_path(db)
    working.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WORKING_COPY, str(working)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    done, _ = ingest(env)
    assert holder.wait(30) == 0
    assert done.returncode == 0, done.stdout + done.stderr
    assert "waiting for the working warehouse" in done.stderr
    assert "another pipeline process holds it" in done.stderr
