"""Staged extractions: each report's extracted rows on disk, between extraction and load.

The extract step writes one file per report; the blocking check and the load step read
them back one at a time. So a run can carry any number of reports without holding their
rows in memory, and a report is parsed once: a staged extraction of the same content
(sha256) by the same extractor code is reused when a run is retried after a later step
failed.

A staged file is written under a lock of its own (filelock), so a second process that
wants the same report (a second ingest, or the command line's prefetch: `prefetch`)
waits for the first and reuses its result instead of parsing it again.

Extraction runs here, on a pool of local processes, or on a Dask cluster (cluster.py)
when a scheduler is configured; either way the outcomes and the staged files are alike.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path

from filelock import FileLock

from .. import settings
from ..extract import Extraction, ReportError, extract_report

# Worker processes are replaced after this many reports each, so memory a PDF leaves
# behind in the parser's C libraries cannot pile up over a large batch.
REPORTS_PER_WORKER = 50
# Staged file names: this much of the report's name (readable), then a hash of all of it,
# so any file name the file system allows fits (names may be 255 bytes already).
NAME_CHARS = 60
log = logging.getLogger(__name__)


@cache
def extractor_fingerprint() -> str:
    """The extraction code and its parser versions: a staged result from other code is stale."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).parents[1] / "extract").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("pdfplumber", "pdfminer.six", "pypdfium2"):
        digest.update(f"{package}={metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class StagedExtraction:
    sha256: str
    fingerprint: str
    extraction: Extraction
    staged_at: str  # when it was parsed (UTC, ISO 8601): the same in every run reusing it


def default_directory(database: str | Path) -> Path:
    """Where extractions are staged unless configured: beside the database."""
    return Path(database).parent / "staging"


class ExtractionStage:
    """<directory>/<readable part of the report's name>-<hash of it>.pickle, each
    written atomically, beside its .lock."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def path(self, report: str) -> Path:
        readable = "".join(c if c.isalnum() or c in "-_." else "_" for c in report)
        digest = hashlib.sha256(report.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return self.directory / f"{readable[:NAME_CHARS]}-{digest}.pickle"

    def lock(self, report: str) -> FileLock:
        """Held while the report is extracted and staged."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return FileLock(self.path(report).with_suffix(".lock"))

    def write(self, extraction: Extraction, sha256: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path(extraction.report)
        partial = final.with_suffix(".tmp")
        with open(partial, "wb") as fh:
            staged = StagedExtraction(sha256, extractor_fingerprint(), extraction,
                                      datetime.now(UTC).isoformat(timespec="microseconds"))
            pickle.dump(staged, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, final)

    def read_staged(self, report: str) -> StagedExtraction:
        """A report's staged extraction with the content hash it was read from (raises
        FileNotFoundError when none is)."""
        with open(self.path(report), "rb") as fh:
            return pickle.load(fh)  # our own file, written by write()

    def read(self, report: str) -> Extraction:
        return self.read_staged(report).extraction

    def reusable_after_lock(self, report: str, sha256: str) -> bool:
        """reusable(), once whoever is staging this report now (a prefetch, another run)
        has finished."""
        with self.lock(report):
            return self.reusable(report, sha256)

    def reusable(self, report: str, sha256: str) -> bool:
        """A staged extraction of exactly this content by this extractor exists."""
        try:
            with open(self.path(report), "rb") as fh:
                staged = pickle.load(fh)
        except Exception:  # noqa: BLE001 - unreadable, truncated, or from older code
            return False
        return staged.sha256 == sha256 and staged.fingerprint == extractor_fingerprint()


@dataclass(frozen=True)
class ExtractionJob:
    report: str
    path: Path
    sha256: str
    options: dict
    # Where the rows' pictures go (report/crops.py), drawn by the worker after parsing.
    crops_root: Path | None = None


@dataclass(frozen=True)
class ExtractionOutcome:
    report: str
    error_kind: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_kind is None


def extract_and_stage(job: ExtractionJob, stage_dir: Path) -> ExtractionOutcome:
    """Extract one report and stage its rows (runs in a worker process), unless another
    process staged this content meanwhile."""
    stage = ExtractionStage(stage_dir)
    with stage.lock(job.report):
        if stage.reusable(job.report, job.sha256):
            return ExtractionOutcome(job.report)
        try:
            extraction = extract_report(job.path, **job.options)
        except ReportError as exc:
            return ExtractionOutcome(job.report, exc.kind, str(exc))
        stage.write(extraction, job.sha256)
        if job.crops_root is not None:
            _draw_crops(job, extraction)
    return ExtractionOutcome(job.report)


def _draw_crops(job: ExtractionJob, extraction: Extraction) -> None:
    """The rows' pictures, while the lock still tells the run to wait for this report.
    A picture is a reader's aid: one that cannot be drawn here is drawn, or reported,
    by the scoring step."""
    from ..report.crops import write_extraction_crops

    try:
        write_extraction_crops(job.path, extraction.records, job.sha256, job.crops_root,
                               job.options.get("password"))
    except Exception as exc:  # noqa: BLE001 - see above
        log.info("%s: pictures left to the scoring step (%s)", job.report, exc)


def _pool(workers: int) -> ProcessPoolExecutor:
    context = get_context("forkserver")
    context.set_forkserver_preload(["perf_pipeline.warehouse.staging"])
    # gc.freeze: the preloaded modules live as long as the worker; full collections
    # would otherwise scan them again and again while pages are parsed.
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=gc.freeze)


def prefetch(jobs: list[ExtractionJob], stage: ExtractionStage,
             workers: int) -> ProcessPoolExecutor | None:
    """Start extracting and staging the jobs in the background; the extract step then
    finds them staged (or waits on their lock). The command line starts this before it
    loads Dagster, so parsing overlaps that start-up on another core. A report that fails
    here is extracted again by the step, which reports the failure. The caller shuts the
    pool down. Not with a Dask cluster configured: the step parses there."""
    if not jobs or settings.dask_scheduler():
        return None
    pool = _pool(min(workers, len(jobs)))
    for job in jobs:
        pool.submit(extract_and_stage, job, stage.directory)
    return pool


def extract_all(jobs: list[ExtractionJob], stage: ExtractionStage, workers: int,
                scheduler: str | None = None, shared_staging: bool = False):
    """Extract and stage every job, on up to ``workers`` processes, or on the Dask cluster
    at ``scheduler`` (cluster.py; dask is imported only then); yields each outcome as it
    finishes. One job, or one worker, runs in this process (no pool to start)."""
    if scheduler:
        from .cluster import extract_on_cluster

        yield from extract_on_cluster(jobs, stage, scheduler, shared_staging)
        return
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            try:
                yield extract_and_stage(job, stage.directory)
            except Exception as exc:  # noqa: BLE001 - the same as a worker's crash
                yield crashed(job, exc)
        return
    # A fresh pool per chunk, rather than max_tasks_per_child, which can hang the
    # executor on CPython 3.11 when a worker retires with work still queued.
    chunk = workers * REPORTS_PER_WORKER
    for start in range(0, len(jobs), chunk):
        batch = jobs[start:start + chunk]
        with _pool(min(workers, len(batch))) as pool:
            futures = {pool.submit(extract_and_stage, job, stage.directory): job
                       for job in batch}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that raised or died
                    yield crashed(futures[future], exc)


def crashed(job: ExtractionJob, exc: Exception) -> ExtractionOutcome:
    """An extractor bug, or a worker killed under it, fails that report, not the batch."""
    return ExtractionOutcome(job.report, "internal", f"{job.report}: extraction crashed "
                             f"({type(exc).__name__}: {exc})")
