"""What the row pictures (report/crops.py) and the scorecard cost.

Usage (from the repo root):
    uv run python bench/bench_crops.py [PDF ...] [--rounds 5] [--baseline /work/main]

1. The pictures alone, in process: every row of each PDF rendered into an empty folder
   (ms per row, ms per report), then the same call when they are all there (the cost of
   every later run of the same content); then a batch of --batch reports at once, on
   one process and on --workers.
2. Whole `perf-pipeline ingest --force` processes, with --baseline a checkout of the code
   before this change (its own .venv): round by round, this code then the baseline, each
   in a new Dagster instance and warehouse folder (cold: the pictures are drawn), then
   each again on its own folder (warm: the pictures and the scorecard are there).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def picture_costs(pdfs: list[Path], rounds: int) -> None:
    from perf_pipeline.extract import extract_report
    from perf_pipeline.report import crops
    from perf_pipeline.warehouse import store

    for pdf in pdfs:
        extraction = extract_report(pdf)
        with store.connect(":memory:") as con:
            store.load_reports(con, [extraction], {extraction.report: "bench"})
            rows = store.source_rows(con, extraction.report)
        cold, warm, size = [], [], 0
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                written = crops.write_crops(pdf, rows, tmp)
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert crops.write_crops(pdf, rows, tmp) == 0
                warm.append(time.perf_counter() - started)
                size = sum(p.stat().st_size for p in Path(tmp).rglob("*.png"))
        print(f"{pdf.name}: {written} rows, {size / 1e6:.1f} MB of PNG; render "
              f"{1000 * statistics.median(cold):.0f} ms a report "
              f"({1000 * statistics.median(cold) / max(written, 1):.1f} ms a row; min "
              f"{1000 * min(cold):.0f}, max {1000 * max(cold):.0f}), already there "
              f"{1000 * statistics.median(warm):.1f} ms")


def batch_costs(pdfs: list[Path], copies: int, workers: int) -> None:
    """The pictures of ``copies`` reports in one call, as a run of many new reports
    renders them: on 1 process, then on ``workers``."""
    from perf_pipeline.extract import extract_report
    from perf_pipeline.report import crops
    from perf_pipeline.warehouse import store

    extraction = extract_report(pdfs[0])
    with store.connect(":memory:") as con:
        store.load_reports(con, [extraction], {extraction.report: "bench"})
        rows = store.source_rows(con, extraction.report)
    for count in sorted({1, workers}):
        with tempfile.TemporaryDirectory() as tmp:
            jobs = [crops.CropJob(f"r{i}", pdfs[0], rows, Path(tmp) / str(i))
                    for i in range(copies)]
            started = time.perf_counter()
            written = sum(n for _, n, _ in crops.write_all(jobs, count))
            elapsed = time.perf_counter() - started
        print(f"{copies} reports ({written} rows) on {count} process(es): {elapsed:.2f} s, "
              f"{1000 * elapsed / copies:.0f} ms a report")


def ingest(python: Path, checkout: Path, work: Path, pdfs: list[Path]) -> float:
    raw, home = work / "raw", work / "dagster_home"
    if not home.exists():
        raw.mkdir(parents=True)
        home.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, raw / pdf.name)
        shutil.copy(checkout / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ, DAGSTER_HOME=str(home), PERF_PIPELINE_RAW_DIR=str(raw),
               PERF_PIPELINE_DB=str(work / "data" / "perf.duckdb"))
    started = time.perf_counter()
    done = subprocess.run([str(python), "-m", "perf_pipeline.cli", "ingest", "--force"],
                          cwd=checkout, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"ingest in {checkout} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def ingest_costs(pdfs: list[Path], rounds: int, baseline: Path) -> None:
    sides = {"this": (Path(sys.executable), REPO),
             "baseline": (baseline / ".venv" / "bin" / "python", baseline)}
    figures = {f"{side} {kind}": [] for side in sides for kind in ("cold", "warm")}
    for _ in range(rounds):
        for side, (python, checkout) in sides.items():
            with tempfile.TemporaryDirectory() as tmp:
                figures[f"{side} cold"].append(ingest(python, checkout, Path(tmp), pdfs))
                figures[f"{side} warm"].append(ingest(python, checkout, Path(tmp), pdfs))
    for name, values in figures.items():
        print(f"ingest --force {name:<14} median {statistics.median(values):6.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f})")
    for kind in ("cold", "warm"):
        ratios = [a / b for a, b in zip(figures[f"this {kind}"], figures[f"baseline {kind}"],
                                        strict=True)]
        print(f"{kind}: this / baseline median {statistics.median(ratios):.3f} "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {rounds} rounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path,
                        default=sorted((REPO / "raw").glob("*.pdf")))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code before the "
                        "pictures, with its .venv: times whole ingests against it")
    parser.add_argument("--batch", type=int, default=20, help="reports in the batch timing")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    picture_costs(args.pdfs, args.rounds)
    batch_costs(args.pdfs, args.batch, args.workers)
    if args.baseline:
        ingest_costs(args.pdfs, args.rounds, args.baseline.resolve())


if __name__ == "__main__":
    main()
