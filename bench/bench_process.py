"""Whole-process timings of the commands users run, paired with the yardstick.

Usage (from the repo root):
    uv run python bench/bench_process.py [PDF ...] [--rounds 7]

Each round runs, one after the other as separate processes: plain pdfplumber
`extract_tables()` over every page (bench/plain_pdfplumber.py), `perf-pipeline extract`,
a cold `perf-pipeline ingest --force` (a new Dagster instance and a new warehouse
folder, so nothing staged or cached is reused), then `perf-pipeline ingest` again with
nothing new (what a user who runs `make run` twice waits for). Ratios are taken round by round, so a
machine that speeds up or slows down moves both sides alike; medians are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, timed_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path,
                        default=sorted((REPO / "raw").glob("*.pdf")))
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "perf_pipeline.cli"]
    figures: dict[str, list[float]] = {"plain": [], "extract": [], "ingest": [], "again": []}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            raw = work / "raw"
            raw.mkdir()
            for pdf in args.pdfs:
                shutil.copy(pdf, raw / pdf.name)
            home = work / "dagster_home"
            home.mkdir()
            shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
            env = dict(os.environ, DAGSTER_HOME=str(home), PERF_PIPELINE_RAW_DIR=str(raw),
                       PERF_PIPELINE_DB=str(work / "data" / "perf.duckdb"))
            figures["plain"].append(timed_process([sys.executable,
                                                   "bench/plain_pdfplumber.py",
                                                   *map(str, args.pdfs)]))
            figures["extract"].append(sum(
                timed_process([*cli, "extract", str(pdf), "-o", str(work / f"{pdf.stem}.csv")])
                for pdf in args.pdfs))
            figures["ingest"].append(timed_process([*cli, "ingest", "--force"], env))
            figures["again"].append(timed_process([*cli, "ingest"], env))
    for name, values in figures.items():
        print(f"{name:<8} median {statistics.median(values):6.3f} s  "
              f"(min {min(values):.3f}, max {max(values):.3f})")
    for name in ("extract", "ingest", "again"):
        ratios = [a / b for a, b in zip(figures[name], figures["plain"], strict=True)]
        print(f"{name} / plain pdfplumber: median {statistics.median(ratios):.3f} "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {args.rounds} rounds")


if __name__ == "__main__":
    main()
