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


# A run as the daemon launches it for the raw/ sensor: the job, in its own process.
SENSOR_RUN = """
import sys
from dagster import DagsterInstance
from perf_pipeline.definitions import build_definitions
from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.defs.runs import run_tags
from perf_pipeline.raw_folder import scan_reports

raw, db, name = sys.argv[1:]
instance = DagsterInstance.get()
instance.add_dynamic_partitions(report_partitions.name, [name])
defs = build_definitions(database=db, raw_dir=raw)
defs.resolve_job_def("ingest_report").execute_in_process(
    partition_key=name, instance=instance, tags=run_tags(scan_reports(raw)[name], "sensor"))
"""


@pytest.mark.slow
def test_a_killed_sensor_run_is_closed_by_the_next_tick_and_its_report_ingested(tmp_path):
    """kill -9 of the process running a sensor-launched run leaves it STARTED, which with
    one run at a time would block every later run, and makes its report look queued.
    The sensor's next tick marks it failed and asks for the report again, though its
    cursor has seen the file, with a run key not used before (the daemon launches it)."""
    from dagster import build_sensor_context

    from perf_pipeline.definitions import build_definitions
    from perf_pipeline.defs.runs import PROCESS_TAG
    from perf_pipeline.defs.sensors import dump_cursor, raw_reports_sensor, run_key
    from perf_pipeline.raw_folder import scan_reports

    raw, db, home, env = project_with_fixture(tmp_path)
    files = scan_reports(raw)
    with instance_for_test(temp_dir=str(home)) as instance:
        # What the tick that asked for the killed run requested.
        first_key = run_key(instance, files[FIXTURE_PDF.name])
        victim = subprocess.Popen([sys.executable, "-c", SENSOR_RUN, str(raw), str(db),
                                   FIXTURE_PDF.name], cwd=REPO, env=env,
                                  start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until its first step has tagged the run
            started = instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
            if started and PROCESS_TAG in started[0].dagster_run.tags:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the run never started")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        [run_id] = [r.dagster_run.run_id for r in started]
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED

        defs = build_definitions(database=str(db), raw_dir=str(raw))
        # That tick's cursor holds the file.
        context = build_sensor_context(instance=instance, definitions=defs,
                                       resources=defs.resources, cursor=dump_cursor(files))
        result = raw_reports_sensor(context)
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
        [again] = result.run_requests
        assert again.partition_key == FIXTURE_PDF.name
        assert again.run_key != first_key
        done = defs.resolve_job_def("ingest_report").execute_in_process(
            partition_key=again.partition_key, tags=again.tags, instance=instance)
        assert done.success
    assert query(db, "SELECT count(*) FROM kpi_rows") == [(68,)]
    # The killed run's ledger row, if it wrote one, was closed by the next run.
    assert query(db, "SELECT count(*) FROM ingestion_ledger WHERE status = 'running'") == [(0,)]


@pytest.mark.slow
def test_an_instance_left_half_created_is_completed_by_the_next_command(tmp_path):
    """A command killed while Dagster creates its SQLite tables (seen once under load in
    the test above) leaves some tables missing and no migration stamp; the next command
    completes the instance instead of failing with "run `dagster instance migrate`"."""
    import sqlite3

    from dagster import DagsterInstance

    _, db, home, env = project_with_fixture(tmp_path)
    with DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs_count()
    index = sqlite3.connect(home / "history" / "runs" / "index.db")
    for table in ("alembic_version", "dynamic_partitions", "asset_check_executions"):
        index.execute(f"DROP TABLE {table}")
    index.commit()
    index.close()
    with (DagsterInstance.from_config(str(home)) as instance,
          pytest.raises(Exception, match="instance migrate")):
        instance.get_dynamic_partitions("reports")
    done = ingest(env)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, out + err
    assert "Traceback" not in out + err
    assert "was left half-created" in err and "ok     milano_performance_2020.pdf" in out
    assert query(db, "SELECT count(*) FROM kpi_rows") == [(68,)]
