"""Beyond one machine, what can be tested on one: each step of a run in its own process
(as Dagster's k8s and celery executors run them), configured only through the
environment, and the Dagster instance on PostgreSQL instead of SQLite.

The PostgreSQL cases need a server: PERF_PIPELINE_TEST_POSTGRES_URL names a role that
may create databases (`.ci/postgres.sh` starts one and prints it); each test gets a
database of its own. Without it they are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from test_batch import report
from test_multiyear import cli, query

from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.defs.runs import batch_run_options, ingested_sha256
from perf_pipeline.raw_folder import file_sha256

POSTGRES_URL_ENV = "PERF_PIPELINE_TEST_POSTGRES_URL"
STEPS = {"extracted_kpi_rows", "warehouse_kpi_rows", "kpi_scores", "all_reports_tables"}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    admin_url = os.environ.get(POSTGRES_URL_ENV)
    if not admin_url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_URL_ENV} (see .ci/postgres.sh)")
    import psycopg2
    from sqlalchemy.engine import make_url

    name = f"perf_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        admin.cursor().execute(f"CREATE DATABASE {name}")
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        admin.close()


def instance_config(postgres_url: str | None = None) -> str:
    """The project's dagster.yaml, with its storage moved to PostgreSQL if asked."""
    config = (REPO / "dagster_home" / "dagster.yaml").read_text()
    if postgres_url:
        config += f"\nstorage:\n  postgres:\n    postgres_url: {json.dumps(postgres_url)}\n"
    return config


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def instance_home(request, tmp_path, monkeypatch) -> Path:
    """DAGSTER_HOME (set for this process too) with the instance's storage on SQLite
    (the default) or on a PostgreSQL database of its own."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_config(url))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def two_reports(tmp_path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    report(raw / "a_bergamo.pdf", "Bergamo", 2020, ["KPI uno", "KPI due"])
    report(raw / "b_lodi.pdf", "Lodi", 2021, ["KPI tre", "KPI quattro", "KPI cinque"])
    return raw


def environment(home: Path, raw: Path, db: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(home), "PERF_PIPELINE_DB": str(db),
            "PERF_PIPELINE_RAW_DIR": str(raw), **extra}


@pytest.mark.slow
def test_each_step_runs_in_its_own_process(instance_home, two_reports, tmp_path):
    """`dagster job execute` of the code location as deployed (perf_pipeline.definitions,
    configured by the environment alone) with PERF_PIPELINE_EXECUTOR=multiprocess: every
    step is a new process sharing nothing in memory with the others, yet the run ingests
    both reports, and the instance knows which content of each file it read."""
    db = tmp_path / "w.duckdb"
    env = environment(instance_home, two_reports, db, PERF_PIPELINE_EXECUTOR="multiprocess")
    names = sorted(p.name for p in two_reports.glob("*.pdf"))
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(report_partitions.name, names)
        done = subprocess.run(
            [sys.executable, "-m", "dagster", "job", "execute", "-m",
             "perf_pipeline.definitions", "-a", "defs", "-j", "ingest_report",
             "--tags", json.dumps(batch_run_options(names)["tags"])],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        [run] = instance.get_runs()
        assert run.status == DagsterRunStatus.SUCCESS
        step_pids = {e.step_key: e.dagster_event.pid for e in instance.all_logs(
            run.run_id, of_type=DagsterEventType.STEP_START)}
        for name in names:
            assert ingested_sha256(instance, name) == file_sha256(two_reports / name)
    assert set(step_pids) == STEPS
    assert len(set(step_pids.values())) == len(STEPS)  # four processes, one step each
    assert os.getpid() not in step_pids.values()
    assert query(db, "SELECT report, count(*) FROM kpi_rows GROUP BY report ORDER BY report"
                 ) == [("a_bergamo.pdf", 2), ("b_lodi.pdf", 3)]
    assert query(db, "SELECT report, status FROM ingestion_ledger ORDER BY report") == [
        ("a_bergamo.pdf", "ingested"), ("b_lodi.pdf", "ingested")]
    assert query(db, "SELECT count(*) FROM summary_by_report") == [(2,)]


@pytest.mark.postgres
def test_main_command_with_the_instance_on_postgres(postgres_url, two_reports, tmp_path,
                                                    monkeypatch):
    """The README's main command with `storage: postgres` in dagster.yaml: runs, events
    and partitions live in PostgreSQL, and a second run finds nothing new there."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_config(postgres_url))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    db = tmp_path / "w.duckdb"
    env = environment(home, two_reports, db)
    first = cli(env, "ingest")
    assert "ok     a_bergamo.pdf" in first and "ok     b_lodi.pdf" in first
    second = cli(env, "ingest")
    assert "(2 unchanged)" in second and "up to date" in second
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        # The second command, with nothing new, started no run: the refresh recorded
        # by the first one (in PostgreSQL) is current.
        assert [(r.job_name, r.status) for r in instance.get_runs()] == [
            ("ingest_report", DagsterRunStatus.SUCCESS)]
        assert instance.get_dynamic_partitions(report_partitions.name) == [
            "a_bergamo.pdf", "b_lodi.pdf"]
    assert query(db, "SELECT count(*) FROM kpi_scores") == [(5,)]
