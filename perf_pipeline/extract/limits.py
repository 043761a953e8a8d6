"""How much one report may cost: a page limit and a time limit, enforced cleanly.

A report over either limit fails on its own with a ReportError; the run goes on with
the other reports. The time limit is checked between pages, and a watchdog thread
also interrupts a single page that takes too long: it raises an exception in the
extracting thread (CPython's PyThreadState_SetAsyncExc), which lands between two
Python steps of pdfminer/pdfplumber. Signals would do that only in the main thread,
and test runners and servers keep SIGALRM for themselves.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .errors import ReportError

DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_SECONDS = 600.0


class OutOfTime(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` eats it."""


@dataclass
class Budget:
    report: str
    max_pages: int = DEFAULT_MAX_PAGES
    max_seconds: float = DEFAULT_MAX_SECONDS
    started: float = field(default_factory=time.monotonic)
    page: int = 0  # the page being read, for the message

    def remaining(self) -> float:
        return self.max_seconds - (time.monotonic() - self.started)

    def check_pages(self, count: int) -> None:
        if count > self.max_pages:
            raise ReportError(
                "too_large",
                f"{self.report}: {count} pages, over the limit of {self.max_pages} pages "
                "per report (raise PERF_PIPELINE_MAX_PAGES to read it)",
            )

    def next_page(self, number: int) -> None:
        """Called before each page: fail cleanly once the time is used up."""
        self.page = number
        if self.remaining() <= 0:
            raise self.timeout()

    def timeout(self) -> ReportError:
        where = f" (stopped at page {self.page})" if self.page else ""
        return ReportError(
            "timeout",
            f"{self.report}: extraction took longer than the limit of {self.max_seconds:g} s"
            f"{where}; raise PERF_PIPELINE_MAX_SECONDS to allow more",
        )

    @contextmanager
    def enforced(self) -> Iterator[None]:
        """Run the block under the time limit; a page stuck in the parser is interrupted."""
        watchdog = _Watchdog(threading.get_ident(), self.remaining())
        try:
            try:
                yield
            finally:
                watchdog.stop()
        except OutOfTime:
            raise self.timeout() from None


class _Watchdog:
    """Raises OutOfTime in a thread once ``seconds`` have passed, unless stopped first."""

    def __init__(self, thread_id: int, seconds: float):
        self._target = thread_id
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._fired = False
        threading.Thread(target=self._run, args=(max(seconds, 0.0),), daemon=True,
                         name="report-time-limit").start()

    def _run(self, seconds: float) -> None:
        if self._stopped.wait(seconds):
            return
        with self._lock:
            if not self._stopped.is_set():
                self._fired = True
                _async_raise(self._target, OutOfTime)

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            fired = self._fired
        if fired:  # not raised yet (the block ended meanwhile): take it back
            _async_raise(self._target, None)


def _async_raise(thread_id: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None)
