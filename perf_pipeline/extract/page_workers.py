"""One report's pages read on several processes (a long report on several cores).

The pages are cut into contiguous ranges, one per worker process, and each worker
reads its range with the same page scan as the sequential path (document.py). A table
at the top of a range's first page may continue the last table of the range before,
which that worker cannot know: it reads the page before its range first, with nothing
to continue, and takes that page's last table as its guess. The guess is checked when
the ranges are put together: where the table really handed on differs, the range's
pages are read again here, in order, until the table each page hands on agrees with
the worker's; so the rows are always those of the sequential path.

Workers are forked (no second import of pdfplumber and PDFium), before the time-limit
watchdog thread starts; where fork is not available the report is read sequentially.
A worker that dies (the parser crashed) fails the report as corrupt; one past the time
limit, as a timeout.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from .document import PageScan, PageTable, _describe, _open, _pages, _scan_page, _scan_pages
from .errors import ReportError
from .limits import Budget
from .ocr import PageReader

# A range shorter than this is not worth a process (and one more page read as context).
MIN_PAGES_PER_WORKER = 4
# Beyond the report's own time limit, how long to wait for a worker's answer.
ANSWER_GRACE_SECONDS = 5.0


@dataclass
class RangeScan:
    scans: list[PageScan]
    guess: tuple | None  # carry_key of the table the worker assumed was handed on
    reader: PageReader


def worker_count(requested: int, pages: int) -> int:
    """How many processes are worth starting for a report of this many pages."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(requested, pages // MIN_PAGES_PER_WORKER))


@contextmanager
def page_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Forked workers, started now (before any other thread of this process), ended on
    exit: killed if one is still reading."""
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    pool.submit(os.getpid).result()  # with fork, every worker starts at the first task
    processes = set(multiprocessing.active_children()) - before
    try:
        yield pool
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def carry_key(table: PageTable | None) -> tuple | None:
    """What the next page's scan reads of the table handed on to it (document._find_tables)."""
    if table is None:
        return None
    return (tuple(table.grid.col_edges), table.size, repr(table.rivers), repr(table.mapping),
            table.unruled)


def scan_in_ranges(pool: ProcessPoolExecutor, workers: int, path: Path, password: str | None,
                   engine: str, n_pages: int, reader: PageReader,
                   pages_from: Callable[[int, int], Iterator]) -> list[PageScan]:
    """Every page's scan, as _scan_pages would give it, read by the pool's workers.
    ``pages_from(start, stop)`` gives this process's own pages, for what is read again."""
    size, extra = divmod(n_pages, workers)
    bounds = [i * size + min(i, extra) for i in range(workers + 1)]
    ranges = list(zip(bounds, bounds[1:], strict=False))
    futures = [pool.submit(_scan_range, path, password, engine, start, stop, reader.budget)
               for start, stop in ranges]
    scans: list[PageScan] = []
    for (start, stop), future in zip(ranges, futures, strict=True):
        part = _answer(future, reader.budget, path)
        reader.merge(part.reader)
        if scans and carry_key(scans[-1].carry) != part.guess:
            part.scans = _read_again(part.scans, scans[-1].carry, pages_from(start, stop),
                                     reader)
        scans += part.scans
    return scans


def _scan_range(path: Path, password: str | None, engine: str, start: int, stop: int,
                budget: Budget) -> RangeScan:
    """In a worker: pages start..stop-1 (0-based), after the page before as context."""
    reader = PageReader(budget)
    with budget.enforced():
        try:
            pdf = _open(path, password)
            with pdf, ExitStack() as stack:
                pages = _pages(pdf, path, password, engine, stack, max(start - 1, 0), stop)
                guess = None
                if start > 0:  # read for the table it hands on; its OCR is not counted
                    guess = _scan_pages(islice(pages, 1), PageReader(budget))[0].carry
                scans = _scan_pages(pages, reader, guess)
        except ReportError:
            raise
        except Exception as exc:
            raise ReportError(
                "corrupt", f"{path.name}: cannot parse PDF ({_describe(exc)})") from None
    return RangeScan(scans, carry_key(guess), reader)


def _answer(future: Future, budget: Budget, path: Path) -> RangeScan:
    try:
        return future.result(timeout=max(budget.remaining(), 0.0) + ANSWER_GRACE_SECONDS)
    except FutureTimeout:
        raise budget.timeout() from None
    except BrokenProcessPool:
        # All the pool's answers are lost then, so which pages is not known.
        raise ReportError("corrupt", f"{path.name}: the PDF parser crashed (a process "
                          "reading its pages ended)") from None


def _read_again(theirs: list[PageScan], carry: PageTable | None, pages: Iterator,
                reader: PageReader) -> list[PageScan]:
    """A worker's guess of the table handed on was wrong: its pages in order here, with
    the right one, until a page hands on the same table as in the worker's reading."""
    mine: list[PageScan] = []
    for worker_scan, page in zip(theirs, pages, strict=False):
        mine.append(_scan_page(page, reader, carry))
        page.close()
        carry = mine[-1].carry
        if carry_key(carry) == carry_key(worker_scan.carry):
            return mine + theirs[len(mine):]
    return mine
