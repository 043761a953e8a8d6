"""Extraction throughput: the local process pool against a Dask cluster of 1 and 2 workers.

Usage (from the repo root):
    uv run python bench/bench_dask.py [--reports 100] [--seed 7] [--repeat 3]
        [--local-workers 2]

Writes the synthetic corpus (bench/make_corpus.py) to a temporary folder and extracts and
stages all of it (staging.extract_all, the extract step's work, without Dagster) with:
  * the local pool of --local-workers processes, and one process alone;
  * a `dask scheduler` with 1, and one with 2, `dask worker` processes (1 thread each)
    on 127.0.0.1, started from the venv as a deployment would start them.
Each figure is the median of --repeat rounds (each mode once a round, each run into a
new staging folder); the idle cluster's processes stay up meanwhile. It prints
reports/s and pages/s, the measured seconds per page on one Dask worker, and what that
gives for 8,000 reports of the corpus's mean page count, per worker count (linear in the
workers: what the 1 -> 2 step shows here, not measured beyond).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DASK = REPO / ".venv" / "bin" / "dask"
sys.path.insert(0, str(REPO))

from perf_pipeline.raw_folder import file_sha256  # noqa: E402
from perf_pipeline.warehouse.staging import (  # noqa: E402
    ExtractionJob,
    ExtractionStage,
    extract_all,
)

ESTIMATE_REPORTS = 8000
ESTIMATE_WORKERS = [1, 2, 16, 64]


class LocalDaskCluster:
    """`dask scheduler` and ``workers`` `dask worker` processes (1 thread each)."""

    def __init__(self, folder: Path, workers: int):
        folder.mkdir(parents=True)
        file = folder / "scheduler.json"
        self.processes = [self._start(folder / "scheduler.log", [
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
            "--scheduler-file", str(file)])]
        try:
            self._wait(folder, file, workers)
        except BaseException:
            self.close()
            raise

    def _wait(self, folder: Path, file: Path, workers: int) -> None:
        import distributed

        deadline = time.monotonic() + 60
        while not (file.is_file() and file.read_text().strip()):
            if time.monotonic() > deadline:
                raise RuntimeError((folder / "scheduler.log").read_text())
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        self.processes += [self._start(folder / f"worker{n}.log", [
            "worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
            "--memory-limit", "0"]) for n in range(workers)]
        with distributed.Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)

    @staticmethod
    def _start(log: Path, arguments: list[str]) -> subprocess.Popen:
        with open(log, "wb") as out:
            return subprocess.Popen([str(DASK), *arguments], cwd=REPO, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def close(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(jobs: list[ExtractionJob], folder: Path, workers: int,
        scheduler: str | None = None) -> float:
    """Seconds to extract and stage every job into a new staging folder."""
    stage = ExtractionStage(folder / f"stage-{time.monotonic_ns()}")
    started = time.perf_counter()
    outcomes = list(extract_all(jobs, stage, workers, scheduler))
    seconds = time.perf_counter() - started
    failed = [o for o in outcomes if not o.ok]
    if failed or len(outcomes) != len(jobs):
        raise RuntimeError(f"{len(failed)} failed: {failed[:3]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--local-workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        corpus = tmp_path / "corpus"
        subprocess.run([sys.executable, str(REPO / "bench" / "make_corpus.py"), str(corpus),
                        "--reports", str(args.reports), "--seed", str(args.seed)], check=True)
        paths = sorted(corpus.glob("*.pdf"))
        jobs = [ExtractionJob(p.name, p, file_sha256(p), {}) for p in paths]
        probe = ExtractionStage(tmp_path / "probe")
        list(extract_all(jobs, probe, args.local_workers))  # warms the file cache too
        pages = sum(probe.read(p.name).pages for p in paths)

        clusters = [LocalDaskCluster(tmp_path / f"dask{n}", n) for n in (1, 2)]
        try:
            modes = {f"local pool, {args.local_workers} processes": (args.local_workers, None),
                     "local, 1 process": (1, None),
                     **{f"dask, {len(c.processes) - 1} worker(s)": (1, c.address)
                        for c in clusters}}
            # Round by round, so a busy moment of the machine falls on every mode alike.
            times: dict[str, list[float]] = {name: [] for name in modes}
            for _ in range(args.repeat):
                for name, (workers, scheduler) in modes.items():
                    times[name].append(run(jobs, tmp_path, workers, scheduler))
        finally:
            for cluster in clusters:
                cluster.close()
        seconds = {name: statistics.median(values) for name, values in times.items()}

    print(f"{len(jobs)} reports, {pages} pages ({pages / len(jobs):.1f} per report), "
          f"median of {args.repeat} runs, {os.cpu_count()} cores")
    print(f"{'extraction on':<28} {'seconds':>8} {'reports/s':>10} {'pages/s':>8}")
    for name, s in seconds.items():
        print(f"{name:<28} {s:>8.2f} {len(jobs) / s:>10.2f} {pages / s:>8.1f}")
    per_page = seconds["dask, 1 worker(s)"] / pages
    mean_pages = pages / len(jobs)
    print(f"\none Dask worker: {per_page * 1000:.1f} ms per page, transfer included")
    print(f"{ESTIMATE_REPORTS} reports of {mean_pages:.1f} pages "
          f"({ESTIMATE_REPORTS * mean_pages:,.0f} pages), if it scales linearly:")
    for workers in ESTIMATE_WORKERS:
        total = per_page * ESTIMATE_REPORTS * mean_pages / workers
        print(f"  {workers:>3} worker(s): {total / 60:6.1f} min")


if __name__ == "__main__":
    main()
