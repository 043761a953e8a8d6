"""Real processes and signals: an ingest killed with SIGKILL at several moments leaves
nothing stale once the next command has run, and two ingests started together do the
work once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import FIXTURE_PDF, REPO, project_with_fixture
from dagster import DagsterRunStatus, RunsFilter, instance_for_test

KILL_AFTER_SECONDS = [0.5, 1.5, 2.5, 3.5, 5.0]  # start-up, extraction, load, scoring, summaries


def ingest(env, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "perf_pipeline.cli", "ingest"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def query(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
@pytest.mark.parametrize("after", KILL_AFTER_SECONDS)
def test_an_ingest_killed_at_any_moment_leaves_nothing_stale(tmp_path, after):
    _, db, home, env = project_with_fixture(tmp_path)
    victim = ingest(env, start_new_session=True)
    time.sleep(after)
    os.killpg(victim.pid, signal.SIGKILL)  # the command and its extraction workers
    victim.wait(timeout=30)
    rerun = ingest(env)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out + err
    assert "Traceback" not in out + err
    assert query(db, "SELECT count(*) FROM kpi_rows") == [(68,)]
    assert query(db, "SELECT count(*) FROM ingestion_ledger WHERE status = 'running'") == [(0,)]
    with instance_for_test(temp_dir=str(home)) as instance:
        live = instance.get_run_records(RunsFilter(statuses=[
            DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.NOT_STARTED]))
    assert live == []


@pytest.mark.slow
def test_two_ingests_at_once_do_the_work_once(tmp_path):
    _, db, _, env = project_with_fixture(tmp_path)
    first, second = ingest(env), ingest(env)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    stdout = [out for out, _ in outs]
    # One of them ingested the report; the other waited, said so, and found it done.
    assert sorted(f"  ok     {FIXTURE_PDF.name}" in out for out in stdout) == [False, True]
    waited = [err for (out, err) in outs if f"  ok     {FIXTURE_PDF.name}" not in out]
    assert "another perf-pipeline ingest or forget is writing" in waited[0]
    assert query(db, "SELECT count(*), count(DISTINCT run_id) FROM ingestion_ledger") == [
        (1, 1)]
