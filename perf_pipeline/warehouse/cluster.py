"""Extraction on a Dask cluster: each report's parsing submitted to dask.distributed
workers instead of this machine's processes.

The PDF's bytes travel with the task (workers need not see raw/); a worker parses them
from a temporary file of the report's name and sends the Extraction back, which this
process stages exactly as the local path does, so the load step (the one DuckDB writer)
is unchanged. With ``shared_staging`` the workers stage the rows themselves, in the
staging directory, which must then be storage they and this process share.

Failures stay per report: a ReportError on the worker is that report's result (not
retried: the same bytes fail the same way); an exception is retried ``retries`` times,
then fails that report (`internal`); a worker that dies under a report has it rescheduled
by the scheduler up to its ``distributed.scheduler.allowed-failures`` (default 3), then
the report fails (`worker_lost`). If no report finishes for ``stall_seconds`` (no
workers, all of them stuck) the rest fail (`cluster`) instead of the run hanging.

dask is imported only here, and this module only when a scheduler is configured.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, KilledWorker, wait

from ..extract import Extraction, ReportError, extract_report
from ..extract.errors import check_pdf_file
from ..extract.limits import DEFAULT_MAX_SECONDS
from .staging import (
    ExtractionJob,
    ExtractionOutcome,
    ExtractionStage,
    crashed,
    extractor_fingerprint,
)

# Task keys start with this, so the dashboard and the task stream group them.
TASK_PREFIX = "extract_report"
# An exception on a worker (an extractor bug, a broken library) is retried this often.
RETRIES = 2
CONNECT_SECONDS = 30.0
# Beyond a report's own time limit (enforced on the worker) and one rescheduling after a
# lost worker: time for the transfer and a worker to come back.
STALL_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class WorkerResult:
    """What a worker sends back: the rows (None when it staged them itself or failed),
    or the ReportError's kind and message; and the extractor code it ran."""

    fingerprint: str
    extraction: Extraction | None = None
    error_kind: str | None = None
    error: str | None = None


def parse_on_worker(report: str, pdf: bytes, sha256: str, options: dict,
                    stage_dir: str | None = None) -> WorkerResult:
    """Runs on a Dask worker: extract_report on the bytes, under the report's own name
    (the extractor reads entity and year from it too)."""
    with tempfile.TemporaryDirectory(prefix="perf-pipeline-") as folder:
        path = Path(folder) / report
        path.write_bytes(pdf)
        try:
            extraction = extract_report(path, **options)
        except ReportError as exc:
            return WorkerResult(extractor_fingerprint(), error_kind=exc.kind, error=str(exc))
    if stage_dir is not None:
        ExtractionStage(stage_dir).write(extraction, sha256)
        return WorkerResult(extractor_fingerprint())
    return WorkerResult(extractor_fingerprint(), extraction)


def stall_limit(jobs: list[ExtractionJob]) -> float:
    """Seconds without any report finishing after which the cluster counts as stuck: two
    attempts at the slowest allowed report (one lost with its worker), plus grace."""
    longest = max((job.options.get("max_seconds") or DEFAULT_MAX_SECONDS for job in jobs),
                  default=DEFAULT_MAX_SECONDS)
    return 2 * longest + STALL_GRACE_SECONDS


def extract_on_cluster(jobs: list[ExtractionJob], stage: ExtractionStage, scheduler: str,
                       shared_staging: bool = False, retries: int = RETRIES,
                       stall_seconds: float | None = None,
                       connect_seconds: float = CONNECT_SECONDS) -> Iterator[ExtractionOutcome]:
    """Extract every job on the Dask cluster at ``scheduler`` (tcp://host:port) and stage
    it; yields each outcome as it arrives, like staging.extract_all."""
    if not jobs:
        return
    stall_seconds = stall_seconds or stall_limit(jobs)
    try:
        client = Client(scheduler, timeout=connect_seconds, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        for job in jobs:
            yield ExtractionOutcome(job.report, "cluster", f"{job.report}: cannot reach the "
                                    f"Dask scheduler at {scheduler} ({exc})")
        return
    with client:
        queue = iter(jobs)
        running: dict = {}  # future -> job
        stage_dir = str(stage.directory) if shared_staging else None

        threads = Threads(client)

        def submit_more() -> Iterator[ExtractionOutcome]:
            # One report per worker thread at a time: a worker that dies is charged for
            # every report it holds (Dask's rule), so it holds only the one it parses;
            # and a run of thousands keeps only that many PDFs in memory here and on the
            # scheduler.
            if len(running) >= threads.count():
                return
            for job in queue:
                pdf = _read(job)
                if isinstance(pdf, ExtractionOutcome):
                    yield pdf
                    continue
                future = client.submit(parse_on_worker, job.report, pdf, job.sha256,
                                       job.options, stage_dir, retries=retries, pure=False,
                                       key=f"{TASK_PREFIX}-{uuid.uuid4().hex}")
                running[future] = job
                if len(running) >= threads.count():
                    return

        yield from submit_more()
        while running:
            try:
                with client.as_current():  # wait() takes the current client
                    done, _ = wait(list(running), timeout=stall_seconds,
                                   return_when="FIRST_COMPLETED")
            except TimeoutError:
                client.cancel(list(running))
                message = (f"no report finished on the Dask cluster at {scheduler} for "
                           f"{stall_seconds:g} s (no workers, or all of them stuck)")
                for job in running.values():
                    yield ExtractionOutcome(job.report, "cluster", f"{job.report}: {message}")
                for job in queue:  # a file that is no PDF still says so
                    yield _checked(job) or \
                        ExtractionOutcome(job.report, "cluster", f"{job.report}: {message}")
                return
            for future in done:
                yield _outcome(running.pop(future), future, stage)
            yield from submit_more()


class Threads:
    """The cluster's worker threads (at least 1), asked again at most once a second, as
    workers come and go."""

    def __init__(self, client: Client):
        self.client = client
        self.asked = float("-inf")
        self.known = 1

    def count(self) -> int:
        if time.monotonic() - self.asked >= 1.0:
            self.known = max(1, sum(self.client.nthreads().values()))
            self.asked = time.monotonic()
        return self.known


def _checked(job: ExtractionJob) -> ExtractionOutcome | None:
    """The failure of a file that is missing, empty or no PDF (checked here, as
    extract_report would: no round trip to the cluster), else None."""
    try:
        check_pdf_file(job.path)
    except ReportError as exc:
        return ExtractionOutcome(job.report, exc.kind, str(exc))
    return None


def _read(job: ExtractionJob) -> bytes | ExtractionOutcome:
    """The PDF's bytes to send, or why there are none."""
    failed = _checked(job)
    if failed:
        return failed
    try:
        return job.path.read_bytes()
    except OSError as exc:
        return ExtractionOutcome(job.report, "unreadable",
                                 f"{job.report}: cannot read file ({exc.strerror})")


def _outcome(job: ExtractionJob, future, stage: ExtractionStage) -> ExtractionOutcome:
    try:
        result: WorkerResult = future.result()
    except KilledWorker as exc:
        return ExtractionOutcome(job.report, "worker_lost", f"{job.report}: the Dask "
                                 f"worker(s) parsing it died, every time it was tried ({exc})")
    except Exception as exc:  # noqa: BLE001 - raised on the worker, retries used up
        return crashed(job, exc)
    if result.fingerprint != extractor_fingerprint():
        return ExtractionOutcome(job.report, "cluster", f"{job.report}: the Dask worker runs "
                                 f"other extractor code ({result.fingerprint}, here "
                                 f"{extractor_fingerprint()}): install this perf-pipeline there")
    if result.error_kind:
        return ExtractionOutcome(job.report, result.error_kind, result.error)
    if result.extraction is not None:
        with stage.lock(job.report):
            stage.write(result.extraction, job.sha256)
    return ExtractionOutcome(job.report)
