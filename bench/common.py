"""What the benchmarks share: the pdfplumber baseline and a timed `perf-pipeline ingest`."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber

REPO = Path(__file__).resolve().parents[1]
# The dagster.yaml each timed ingest's instance gets (--dagster-yaml: e.g. one with
# `storage: postgres`, to time the instance on PostgreSQL).
INSTANCE_CONFIG = {"path": REPO / "dagster_home" / "dagster.yaml"}


def add_instance_option(parser) -> None:
    parser.add_argument("--dagster-yaml", type=Path, help="instance config for the timed "
                        "ingests (default: the project's dagster_home/dagster.yaml)")


def use_instance_option(args) -> None:
    if args.dagster_yaml:
        INSTANCE_CONFIG["path"] = args.dagster_yaml.resolve()


def plain_pdfplumber(files: list[Path]) -> tuple[float, int]:
    """Seconds and pages of plain pdfplumber `extract_tables()` on every page."""
    started = time.perf_counter()
    pages = 0
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                pages += 1
                page.close()
    return time.perf_counter() - started, pages


# Runs one command and prints the peak RSS (KB) of its process tree: getrusage() of the
# benchmark itself would report the largest of every child it ever ran.
PEAK_RSS = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(code)")


def ingest(raw: Path, home: Path, db: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB, the largest process of its tree) of
    `perf-pipeline ingest`."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(INSTANCE_CONFIG["path"], home / "dagster.yaml")
    env = dict(os.environ, DAGSTER_HOME=str(home), PERF_PIPELINE_DB=str(db),
               PERF_PIPELINE_RAW_DIR=str(raw))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, sys.executable, "-m",
                           "perf_pipeline.cli", "ingest"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"ingest failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) // 1024


def ingest_in_process(raw: Path, home: Path, db: Path) -> float:
    """Wall seconds of the main command run in this (already warm) process."""
    from perf_pipeline.cli import app

    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(INSTANCE_CONFIG["path"], home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = app(["ingest", "--raw", str(raw), "--db", str(db)], standalone_mode=False)
    elapsed = time.perf_counter() - started
    if code:
        sys.exit(f"ingest failed:\n{out.getvalue()}")
    return elapsed


def timed_process(command: list[str], env: dict | None = None) -> float:
    """Seconds one whole process takes, run from the repo root; its failure ends the bench."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed
