"""Extraction on a Dask cluster (warehouse/cluster.py), on a real one started here: a
`dask scheduler` and two `dask worker` processes from the venv on 127.0.0.1.

The main command with PERF_PIPELINE_DASK_SCHEDULER loads the same rows as a local run
and the scheduler ran one task per report; a worker killed under a report has it run
again elsewhere, or, once the scheduler's allowed failures are used up, fails that
report alone; a cluster with no workers, or no scheduler at all, fails the reports
instead of hanging the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from pdfgen import KpiTable, build_report_pdf
from test_multiyear import new_setup, query

from perf_pipeline.extract import extract_report
from perf_pipeline.raw_folder import file_sha256
from perf_pipeline.warehouse.staging import ExtractionJob, ExtractionStage

distributed = pytest.importorskip("distributed")

DASK = REPO / ".venv" / "bin" / "dask"
START_SECONDS = 60
CITIES = ["Bergamo", "Como", "Lodi", "Pavia", "Cremona", "Mantova"]
# Columns a run stamps with its own time or id: not the parse's result.
RUN_COLUMNS = {"loaded_at", "run_id", "ingested_at", "staged_at"}


def deck(path: Path, city: str, year: int, tables: int) -> Path:
    """A report of ``tables`` KPI tables (about one page each), its values from its name."""
    header = ["Obiettivo", "KPI", "Target", "Target Raggiunto", f"Risultato {year}"]
    specs = [KpiTable(f"Sezione {t % 4}", f"Area {t % 3}", [
        ["Obiettivo", f"Indicatore {t}.{k} di {city}", str(10 + t + k), str(12 + t * k),
         f"{100 - (t + k) % 30}%"] for k in range(3)], header=header)
        for t in range(tables)]
    build_report_pdf(path, specs, title=f"La Valutazione della Performance {year} "
                                        f"del Comune di {city}")
    return path


class Cluster:
    """A scheduler and its workers as processes of their own session each (killed as
    process groups when done); ``scheduler_env`` is the scheduler's Dask config."""

    def __init__(self, folder: Path, workers: int, **scheduler_env: str):
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        self.client = None
        try:
            self._start_all(workers, scheduler_env)
        except BaseException:
            self.close()
            raise

    def _start_all(self, workers: int, scheduler_env: dict[str, str]) -> None:
        file = self.folder / "scheduler.json"
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                                  "0", "--no-dashboard", "--scheduler-file", str(file)],
                    scheduler_env)
        deadline = time.monotonic() + START_SECONDS
        while not file.is_file() or not file.read_text().strip():
            assert time.monotonic() < deadline, self.logs()
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        for n in range(workers):
            self._start(f"worker{n}", [str(DASK), "worker", self.address, "--nworkers", "1",
                                       "--nthreads", "1", "--no-dashboard",
                                       "--memory-limit", "0"], {})
        self.client = distributed.Client(self.address, timeout=START_SECONDS,
                                         set_as_default=False)
        if workers:
            self.client.wait_for_workers(workers, timeout=START_SECONDS)

    def _start(self, name: str, command: list[str], config: dict[str, str]) -> None:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes.append(subprocess.Popen(
            command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **config}))
        log.close()

    def logs(self, tail: int = 2000) -> str:
        """The end of each process's log (``tail`` characters; 0: all)."""
        return "\n".join(p.read_text(errors="replace")[-tail:]
                         for p in sorted(self.folder.glob("*.log")))

    def worker_pids(self) -> dict[str, int]:
        return self.client.run(os.getpid)

    def close(self) -> None:
        if self.client:
            self.client.close()
            self.client = None
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):  # closed before
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def cluster_factory(tmp_path) -> Iterator:
    started = []

    def start(workers: int = 2, **scheduler_env: str) -> Cluster:
        folder = tmp_path / f"cluster{len(started)}"
        folder.mkdir()
        started.append(Cluster(folder, workers, **scheduler_env))
        return started[-1]

    yield start
    for cluster in started:
        cluster.close()


# One task at a time per worker thread: a killed worker loses only the report it parses.
ONE_TASK_PER_THREAD = {"DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}


def jobs_for(raw: Path) -> list[ExtractionJob]:
    return [ExtractionJob(p.name, p, file_sha256(p), {}) for p in sorted(raw.glob("*.pdf"))]


def kill_under_long_task(cluster: Cluster, killed: list, after: float = 0.5) -> threading.Thread:
    """Kills (SIGKILL) the worker process of the first extraction that has been running
    for ``after`` seconds, while it still runs; records (key, worker address)."""
    def watch() -> None:
        pids = cluster.worker_pids()
        seen: dict[tuple[str, str], float] = {}
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            now = time.monotonic()
            for address, keys in cluster.client.processing().items():
                for key in keys:
                    if now - seen.setdefault((address, key), now) >= after \
                            and address in pids:
                        os.kill(pids[address], signal.SIGKILL)
                        killed.append((key, address))
                        return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def rows_of(stage: ExtractionStage, report: str) -> list:
    rows = stage.read(report).rows
    return rows.astype(str).to_dict("records")


@pytest.mark.slow
def test_ingest_on_the_cluster_loads_what_a_local_run_loads(cluster_factory, tmp_path):
    cluster = cluster_factory()
    local, dask = tmp_path / "local", tmp_path / "dask"
    local.mkdir()
    dask.mkdir()
    raw, db_local, env_local = new_setup(local)
    for n, city in enumerate(CITIES):
        deck(raw / f"{city.lower()}_{2020 + n % 2}.pdf", city, 2020 + n % 2, 2 + n)
    raw_dask, db_dask, env_dask = new_setup(dask)
    shutil.copytree(raw, raw_dask, dirs_exist_ok=True)

    def ingest(env: dict[str, str], **extra: str) -> str:
        done = subprocess.run([str(REPO / ".venv" / "bin" / "perf-pipeline"), "ingest"],
                              cwd=REPO, env={**os.environ, **env, **extra},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    with distributed.get_task_stream(cluster.client) as stream:
        out = ingest(env_dask, PERF_PIPELINE_DASK_SCHEDULER=cluster.address)
    ingest(env_local, PERF_PIPELINE_DASK_SCHEDULER="")
    assert out.count("  ok     ") == len(CITIES), out

    tasks = [t for t in stream.data if t["key"].startswith("extract_report-")]
    assert len(tasks) == len(CITIES)  # each report parsed once, on the cluster
    assert {t["worker"] for t in tasks} <= set(cluster.worker_pids())
    columns = [c for (c,) in query(db_local, "SELECT column_name FROM "
                                   "information_schema.columns WHERE table_name = 'kpi_rows'")
               if c not in RUN_COLUMNS]
    select = f"SELECT {', '.join(columns)} FROM kpi_rows ORDER BY ALL"
    local_rows = query(db_local, select)
    assert len(local_rows) == sum(3 * (2 + n) for n in range(len(CITIES)))
    assert query(db_dask, select) == local_rows
    assert query(db_dask, "SELECT report, status FROM ingestion_ledger ORDER BY report") == \
        query(db_local, "SELECT report, status FROM ingestion_ledger ORDER BY report")


@pytest.mark.slow
def test_a_worker_killed_mid_report_has_it_parsed_again(cluster_factory, tmp_path):
    from perf_pipeline.warehouse.cluster import extract_on_cluster

    cluster = cluster_factory(**ONE_TASK_PER_THREAD)
    raw = tmp_path / "raw"
    raw.mkdir()
    for n, city in enumerate(CITIES[:4]):
        deck(raw / f"{city.lower()}_2020.pdf", city, 2020, 150 if n == 0 else 40)
    stage = ExtractionStage(tmp_path / "staging")
    killed: list = []
    with distributed.get_task_stream(cluster.client) as stream:
        watcher = kill_under_long_task(cluster, killed)
        outcomes = list(extract_on_cluster(jobs_for(raw), stage, cluster.address,
                                           stall_seconds=120))
        watcher.join()
    assert killed, cluster.logs()
    assert [o for o in outcomes if not o.ok] == []
    assert len(outcomes) == 4
    # The killed report finished later on a worker that is not the one killed.
    key, address = killed[0]
    [finished] = [t for t in stream.data if t["key"] == key]
    assert finished["worker"] != address
    for path in sorted(raw.glob("*.pdf")):
        assert rows_of(stage, path.name) == \
            extract_report(path).rows.astype(str).to_dict("records")


@pytest.mark.slow
def test_a_report_whose_workers_keep_dying_fails_alone(cluster_factory, tmp_path):
    from perf_pipeline.warehouse.cluster import extract_on_cluster

    # No second chance after a lost worker: the first death fails the report.
    cluster = cluster_factory(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0",
                              **ONE_TASK_PER_THREAD)
    raw = tmp_path / "raw"
    raw.mkdir()
    for n, city in enumerate(CITIES[:4]):
        deck(raw / f"{city.lower()}_2020.pdf", city, 2020, 150 if n == 0 else 40)
    stage = ExtractionStage(tmp_path / "staging")
    killed: list = []
    watcher = kill_under_long_task(cluster, killed)
    outcomes = {o.report: o for o in extract_on_cluster(jobs_for(raw), stage,
                                                        cluster.address, stall_seconds=120)}
    watcher.join()
    assert killed, cluster.logs()
    failed = [o for o in outcomes.values() if not o.ok]
    assert len(outcomes) == 4 and len(failed) == 1
    [lost] = failed
    assert lost.report == "bergamo_2020.pdf"  # the long one, under which it was killed
    assert lost.error_kind == "worker_lost"
    assert lost.error.startswith(f"{lost.report}: the Dask worker(s) parsing it died")
    for report in set(outcomes) - {lost.report}:
        assert len(stage.read(report).rows) == 3 * 40
    assert not stage.path(lost.report).exists()


@pytest.mark.slow
def test_workers_can_stage_the_rows_on_shared_storage(cluster_factory, tmp_path):
    from perf_pipeline.warehouse.cluster import RETRIES, extract_on_cluster

    cluster = cluster_factory(workers=1)
    raw = tmp_path / "raw"
    raw.mkdir()
    deck(raw / "como_2021.pdf", "Como", 2021, 3)
    (raw / "lodi_2021.pdf").write_bytes(b"%PDF-1.7\nno objects at all\n%%EOF\n")
    deck(raw / "pavia_2021.pdf", "Pavia", 2021, 1)
    stage = ExtractionStage(tmp_path / "staging")
    jobs = jobs_for(raw)
    # An exception on the worker (here: an option extract_report refuses) is retried.
    jobs[2] = ExtractionJob(jobs[2].report, jobs[2].path, jobs[2].sha256, {"engine": "none"})
    with distributed.get_task_stream(cluster.client) as stream:
        outcomes = {o.report: o for o in extract_on_cluster(
            jobs, stage, cluster.address, shared_staging=True)}
    assert outcomes["como_2021.pdf"].ok
    assert rows_of(stage, "como_2021.pdf") == \
        extract_report(raw / "como_2021.pdf").rows.astype(str).to_dict("records")
    # A PDF the parser rejects fails as it does locally, and is not retried.
    assert outcomes["lodi_2021.pdf"].error_kind == "corrupt"
    assert len([t for t in stream.data if t["key"].startswith("extract_report-")]) >= 2
    crash = outcomes["pavia_2021.pdf"]
    assert crash.error_kind == "internal"
    assert "extraction crashed (ValueError: unknown engine 'none'" in crash.error
    assert cluster.logs(tail=0).count("Compute Failed") == RETRIES + 1
    assert not stage.path("pavia_2021.pdf").exists()


@pytest.mark.slow
def test_no_workers_or_no_scheduler_fails_the_reports_instead_of_hanging(
        cluster_factory, tmp_path):
    from perf_pipeline.warehouse.cluster import extract_on_cluster

    cluster = cluster_factory(workers=0)
    raw = tmp_path / "raw"
    raw.mkdir()
    for city in CITIES[:3]:
        deck(raw / f"{city.lower()}_2020.pdf", city, 2020, 2)
    (raw / "vuoto.pdf").write_bytes(b"")
    stage = ExtractionStage(tmp_path / "staging")
    started = time.monotonic()
    outcomes = {o.report: o for o in extract_on_cluster(jobs_for(raw), stage,
                                                        cluster.address, stall_seconds=3)}
    assert time.monotonic() - started < 30
    assert outcomes.pop("vuoto.pdf").error_kind == "empty"  # checked here, never sent
    assert {o.error_kind for o in outcomes.values()} == {"cluster"}
    assert all("no report finished on the Dask cluster" in o.error for o in outcomes.values())

    cluster.close()  # the scheduler is gone: each report says it cannot be reached
    outcomes = list(extract_on_cluster(jobs_for(raw), stage, cluster.address,
                                       connect_seconds=2))
    assert len(outcomes) == 4 and {o.error_kind for o in outcomes} == {"cluster"}
    assert all(f"cannot reach the Dask scheduler at {cluster.address}" in o.error
               for o in outcomes)
