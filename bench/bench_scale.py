"""Scale: the main command over a corpus, one report added to it, and peak memory.

Usage (from the repo root):
    uv run python bench/bench_scale.py [--reports 10] [--big-pages 500] [--seed 7]
        [--repeat 3] [--dagster-yaml FILE]

Writes a synthetic corpus (bench/make_corpus.py) to a temporary folder, then reports:
  * bare pdfplumber `extract_tables()` seconds over the corpus, and the wall time of
    `perf-pipeline ingest` on it (fresh DuckDB and Dagster instance);
  * the seconds to recompute the cross-report tables in SQL with the corpus loaded;
  * incremental: with the corpus loaded, the time to ingest one more report, against
    ingesting that report alone into an empty warehouse (medians of --repeat);
  * peak RSS of `perf-pipeline ingest` on one report of --big-pages pages, and (to see
    that memory does not grow with the batch) on the corpus and on one report alone.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from common import (  # noqa: E402
    REPO,
    add_instance_option,
    ingest,
    plain_pdfplumber,
    use_instance_option,
)
from make_corpus import synthetic_tables  # noqa: E402
from pdfgen import build_report_pdf  # noqa: E402

from perf_pipeline.warehouse import store  # noqa: E402


def write_corpus(folder: Path, reports: int, seed: int) -> list[Path]:
    subprocess.run([sys.executable, str(REPO / "bench" / "make_corpus.py"), str(folder),
                    "--reports", str(reports), "--seed", str(seed)], check=True,
                   capture_output=True)
    return sorted(folder.glob("*.pdf"))


def summaries_sql_seconds(db: Path) -> float:
    """Seconds to recompute every table over all loaded reports (summaries, KPI links
    and trends, area trends) in SQL, as the ingest run does."""
    with store.connect(db) as con:
        started = time.perf_counter()
        store.refresh_summaries(con)
        store.refresh_trends(con)
        store.refresh_area_trends(con)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--big-pages", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the incremental case")
    add_instance_option(parser)
    args = parser.parse_args()
    use_instance_option(args)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        files = write_corpus(tmp_path / "corpus", args.reports + 1, args.seed)
        extra, corpus = files[-1], files[:-1]
        raw = tmp_path / "raw"
        raw.mkdir()
        for path in corpus:
            shutil.copy(path, raw)
        figures: dict[str, float | int] = {"reports": len(corpus)}
        figures["pdfplumber_extract_tables_s"], _ = plain_pdfplumber(corpus)
        loaded = tmp_path / "loaded"  # the warehouse, its staging and exports
        figures["main_command_s"], figures["main_command_peak_rss_mb"] = ingest(
            raw, tmp_path / "home", loaded / "w.duckdb")
        figures["main_command_over_pdfplumber"] = (
            figures["main_command_s"] / figures["pdfplumber_extract_tables_s"])
        figures["summaries_sql_s"] = summaries_sql_seconds(loaded / "w.duckdb")

        # Median of --repeat: each time from a copy of the loaded warehouse and instance
        # (so the extra report is really new), against a fresh one for the report alone.
        shutil.copy(extra, raw)
        added, alone_runs = [], []
        for i in range(args.repeat):
            shutil.copytree(loaded, tmp_path / f"loaded{i}")
            shutil.copytree(tmp_path / "home", tmp_path / f"home_loaded{i}")
            added.append(ingest(raw, tmp_path / f"home_loaded{i}",
                                tmp_path / f"loaded{i}" / "w.duckdb")[0])
            alone = tmp_path / f"alone{i}"
            alone.mkdir()
            shutil.copy(extra, alone)
            seconds, figures["one_alone_peak_rss_mb"] = ingest(
                alone, tmp_path / f"home_alone{i}", tmp_path / f"w_alone{i}" / "w.duckdb")
            alone_runs.append(seconds)
        figures["add_one_to_loaded_s"] = statistics.median(added)
        figures["one_alone_s"] = statistics.median(alone_runs)
        figures["incremental_ratio"] = figures["add_one_to_loaded_s"] / figures["one_alone_s"]

        big = tmp_path / "big"
        big.mkdir()
        build_report_pdf(big / "big.pdf",
                         synthetic_tables(random.Random(args.seed), 2020, args.big_pages - 1),
                         title="La Valutazione della Performance 2020 del Comune di Grande")
        figures["big_report_pages"] = args.big_pages
        figures["big_report_ingest_s"], figures["big_report_peak_rss_mb"] = ingest(
            big, tmp_path / "home2", tmp_path / "w2.duckdb")

    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")


if __name__ == "__main__":
    main()
