"""Extraction speed: the project's extractor vs plain pdfplumber, and the main command's cost.

Usage (from the repo root):
    uv run python bench/bench_extraction.py [PDF ...] [--repeat 3] [--no-main-command]
        [--dagster-yaml FILE]   (the timed ingests' instance config, e.g. on PostgreSQL)

Reports, on the same files and in one run (medians over --repeat runs):
  * pages/s of plain pdfplumber `page.extract_tables()` over every page;
  * pages/s of `perf_pipeline.extract.extract_report` (same pages, KPI rows out);
  * pages/s of the extraction step as ingest runs it: the same extractor in one worker
    process per core (staging.extract_all);
  * wall time of the README's main command (`perf-pipeline ingest` on a folder holding
    these files, fresh DuckDB and Dagster instance each time) vs the bare pdfplumber time:
    "cold" is a new process and a new Dagster instance (Python start, imports and the
    instance's SQLite set-up included), "warm" the same command run in this process
    after a first run on the same files (into another warehouse), i.e. after the first
    import, with the instance that run set up.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import (
    REPO,
    add_instance_option,
    ingest,
    ingest_in_process,
    plain_pdfplumber,
    use_instance_option,
)

from perf_pipeline.extract import extract_report
from perf_pipeline.settings import workers
from perf_pipeline.warehouse.staging import ExtractionJob, ExtractionStage, extract_all


def project_extractor(files: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    rows = 0
    for path in files:
        rows += len(extract_report(path).rows)
    return time.perf_counter() - started, rows


def parallel_extractor(files: list[Path]) -> float:
    """Seconds to extract and stage every file on one worker process per core."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        jobs = [ExtractionJob(p.name, p, "", {}) for p in files]
        failed = [o for o in extract_all(jobs, ExtractionStage(tmp), workers()) if not o.ok]
        assert not failed, failed
        return time.perf_counter() - started


def main_command(files: list[Path], run=ingest, home: Path | None = None) -> float:
    """Wall time of `perf-pipeline ingest` of the files into a new warehouse, with a new
    Dagster instance unless ``home`` (one the warm-up run set up) is given."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        for path in files:
            shutil.copy(path, raw / path.name)
        elapsed = run(raw, home or Path(tmp) / "dagster_home", Path(tmp) / "w.duckdb")
        return elapsed[0] if isinstance(elapsed, tuple) else elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path,
                        default=sorted((REPO / "raw").glob("*.pdf")))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-main-command", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    add_instance_option(parser)
    args = parser.parse_args()
    use_instance_option(args)

    plain, ours, parallel, main_cmd, warm = [], [], [], [], []
    pages = rows = 0
    warm_dir = tempfile.TemporaryDirectory()
    warm_home = Path(warm_dir.name) / "dagster_home"
    if not args.no_main_command:  # the first import and instance set-up, not timed
        main_command(args.pdfs, run=ingest_in_process, home=warm_home)
    for _ in range(args.repeat):
        seconds, pages = plain_pdfplumber(args.pdfs)
        plain.append(seconds)
        seconds, rows = project_extractor(args.pdfs)
        ours.append(seconds)
        parallel.append(parallel_extractor(args.pdfs))
        if not args.no_main_command:
            main_cmd.append(main_command(args.pdfs))
            warm.append(main_command(args.pdfs, run=ingest_in_process, home=warm_home))
    warm_dir.cleanup()

    figures = {
        "files": len(args.pdfs),
        "pages": pages,
        "kpi_rows": rows,
        "repeat": args.repeat,
        "pdfplumber_extract_tables_s": statistics.median(plain),
        "project_extractor_s": statistics.median(ours),
        "pdfplumber_pages_per_s": pages / statistics.median(plain),
        "project_pages_per_s": pages / statistics.median(ours),
    }
    figures["extractor_speed_ratio"] = (
        figures["project_pages_per_s"] / figures["pdfplumber_pages_per_s"])
    figures["workers"] = workers()
    figures["parallel_pages_per_s"] = pages / statistics.median(parallel)
    figures["parallel_speed_ratio"] = (
        figures["parallel_pages_per_s"] / figures["pdfplumber_pages_per_s"])
    if main_cmd:
        figures["main_command_cold_s"] = statistics.median(main_cmd)
        figures["main_command_cold_over_pdfplumber"] = (
            figures["main_command_cold_s"] / figures["pdfplumber_extract_tables_s"])
        figures["main_command_warm_s"] = statistics.median(warm)
        figures["main_command_warm_over_pdfplumber"] = (
            figures["main_command_warm_s"] / figures["pdfplumber_extract_tables_s"])
        # The same against this project's own extractor, one process, nothing else.
        figures["main_command_warm_over_project_extractor"] = (
            figures["main_command_warm_s"] / figures["project_extractor_s"])

    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
