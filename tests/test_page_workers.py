"""A report's pages read on several processes give the rows of the sequential read.

The layouts of tests/layouts.py split tables over page breaks (header repeated or not,
rows and merged cells cut), so with one page per worker every continuation crosses a
range boundary and the workers' guess of the table handed on is checked and, where
wrong, read again (page_workers.py).
"""

from __future__ import annotations

import multiprocessing
import os

import pytest
from conftest import FIXTURE_PDF
from layouts import VARIANTS, KpiTableData, Layout, build_layout_pdf, build_variant, load_tables
from test_fuzz import mutants

from perf_pipeline.extract import ReportError, extract_report, page_workers


def outcome(path, **options):
    """The rows, warnings and page figures of an extraction, or the error it raised."""
    try:
        e = extract_report(path, **options)
    except ReportError as exc:
        return ("error", exc.kind, str(exc))
    return (e.records, e.warnings, e.pages, e.kpi_tables, e.identity, e.ocr_pages)


@pytest.fixture
def one_page_ranges(monkeypatch):
    """Every page may be a range of its own."""
    monkeypatch.setattr(page_workers, "MIN_PAGES_PER_WORKER", 1)


@pytest.fixture
def reads_again(monkeypatch):
    """How many ranges were read again here because a worker guessed wrong."""
    calls = []
    original = page_workers._read_again

    def counted(*args):
        calls.append(args[0][0].number)
        return original(*args)

    monkeypatch.setattr(page_workers, "_read_again", counted)
    return calls


@pytest.mark.parametrize("name", list(VARIANTS))
def test_layouts_read_in_ranges_match_sequential(tmp_path, name, one_page_ranges,
                                                 reads_again):
    pdf, tables = build_variant(tmp_path / f"{name}.pdf", name)
    sequential = outcome(pdf)
    assert len(sequential[0]) == sum(len(t.rows) for t in tables)
    pages = sequential[2]
    for workers in (2, 3, pages):
        assert outcome(pdf, workers=workers) == sequential, workers


@pytest.mark.parametrize("rules", ["grid", "horizontal"])
def test_wrong_guesses_are_read_again(tmp_path, rules, one_page_ranges, reads_again):
    """One long table over several pages, its header printed once: a worker whose
    context page is itself a continuation guesses no table handed on, and its range is
    read again here; the rows still match, and every row is read."""
    tables = load_tables()
    long = KpiTableData(tables[0].section, tables[0].area,
                        [row for t in tables for row in t.rows])
    pdf = build_layout_pdf(tmp_path / f"long {rules}.pdf",
                           Layout(rules=rules, repeat_header=False), [long])
    sequential = outcome(pdf)
    assert len(sequential[0]) == len(long.rows)
    assert sequential[2] >= 4
    assert outcome(pdf, workers=sequential[2]) == sequential
    assert reads_again, "no worker guessed wrong"


def test_fixture_in_two_ranges_matches_sequential():
    assert outcome(FIXTURE_PDF, workers=2) == outcome(FIXTURE_PDF)


def test_mutants_fail_or_load_as_sequential(tmp_path):
    """Broken copies of the fixture: the same rows, or the same error kind."""
    for name, data in mutants(FIXTURE_PDF.read_bytes(), 6, seed=7).items():
        path = tmp_path / name
        path.write_bytes(data)
        sequential, ranged = outcome(path), outcome(path, workers=2)
        if sequential[0] == "error":
            assert ranged[:2] == sequential[:2], name
        else:
            assert ranged == sequential, name
    assert multiprocessing.active_children() == []


def _crash(path, password, engine, start, stop, budget):
    if start > 0:
        os._exit(3)  # as a segfault in the parser would end the worker
    return original_scan_range(path, password, engine, start, stop, budget)


original_scan_range = page_workers._scan_range


def test_a_crashed_worker_fails_the_report_as_corrupt(monkeypatch):
    monkeypatch.setattr(page_workers, "_scan_range", _crash)
    with pytest.raises(ReportError) as caught:
        extract_report(FIXTURE_PDF, workers=2)
    assert caught.value.kind == "corrupt"
    assert "the PDF parser crashed" in str(caught.value)
    assert multiprocessing.active_children() == []


def _stuck(path, password, engine, start, stop, budget):
    import time

    time.sleep(60)


def test_a_stuck_worker_is_a_timeout_and_is_killed(monkeypatch):
    monkeypatch.setattr(page_workers, "_scan_range", _stuck)
    monkeypatch.setattr(page_workers, "ANSWER_GRACE_SECONDS", 0.5)
    with pytest.raises(ReportError) as caught:
        extract_report(FIXTURE_PDF, workers=2, max_seconds=1)
    assert caught.value.kind == "timeout"
    assert multiprocessing.active_children() == []


def test_short_reports_stay_in_one_process():
    assert page_workers.worker_count(8, page_workers.MIN_PAGES_PER_WORKER * 2 - 1) == 1
    assert page_workers.worker_count(8, 32) == min(8, 32 // page_workers.MIN_PAGES_PER_WORKER)
    assert page_workers.worker_count(2, 500) == 2


def test_extract_uses_the_free_cores_unless_told(monkeypatch):
    from perf_pipeline import settings

    monkeypatch.delenv(settings.WORKERS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.5, 0.5))
    assert settings.free_workers() == 4
    monkeypatch.setattr(os, "getloadavg", lambda: (2.6, 0.5, 0.5))
    assert settings.free_workers() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 0.5, 0.5))
    assert settings.free_workers() == 1
    monkeypatch.setenv(settings.WORKERS_ENV, "3")
    assert settings.free_workers() == 3
