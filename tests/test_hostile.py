"""Hostile and broken inputs: a clear message and a failed report, never a traceback,
never a hang, and never harm to the good reports of the same batch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import FIXTURE_PDF, REPO
from pdfgen import KpiTable, build_report_pdf
from reportlab.pdfgen import canvas

from perf_pipeline.extract import ReportError, extract_report, screen_report

PASSWORD = "segreto d'ufficio"
# Limits for these tests: the fixture (32 pages, ~1 s) stays well inside them.
MAX_PAGES = 100
MAX_SECONDS = 10
TABLE = KpiTable(
    section="Obiettivi di test", area="AREA DI PROVA",
    rows=[["Rendere i servizi più veloci", "Pratiche evase entro 30 giorni", "80%", "86,2%",
           "100%"],
          ["Rendere i servizi più veloci", "Sportelli aperti il sabato", "5", "4", "80%"]],
)


def _no_kpi_tables(path):
    doc = canvas.Canvas(str(path))
    doc.drawString(72, 720, "Relazione sulla performance: testo senza tabelle di indicatori.")
    doc.save()


def _many_pages(path, pages=MAX_PAGES * 3):
    doc = canvas.Canvas(str(path))
    for n in range(pages):
        doc.drawString(72, 720, f"Pagina {n + 1}")
        doc.showPage()
    doc.save()


def _slow_page(path, rules=220):
    """One page of 220 x 220 close ruling lines: a 10 kB file pdfplumber's table finder
    needs minutes for (every crossing becomes a cell)."""
    side = 1000
    doc = canvas.Canvas(str(path), pagesize=(side, side))
    for i in range(rules):
        at = 20 + i * (side - 40) / rules
        doc.line(20, at, side - 20, at)
        doc.line(at, 20, at, side - 20)
    doc.save()


# file name -> (how to make it, expected kind, words the message must contain)
HOSTILE = {
    "vuoto.pdf": (lambda p: p.write_bytes(b""), "empty", ["empty", "0 bytes"]),
    "troncato.pdf": (lambda p: p.write_bytes(FIXTURE_PDF.read_bytes()[:200_000]),
                     "truncated", ["truncated PDF", "200000 bytes"]),
    "appunti.pdf": (lambda p: p.write_text("Verbale della riunione\n"), "not_pdf",
                    ["not a PDF", "Verbale"]),
    "foto.pdf": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64)), "not_pdf",
                 ["not a PDF", "PNG"]),
    "riservato.pdf": (lambda p: build_report_pdf(p, [TABLE], password=PASSWORD), "encrypted",
                      ["password required"]),
    "enorme.pdf": (_many_pages, "too_large", ["300 pages", f"limit of {MAX_PAGES} pages"]),
    "lentissimo.pdf": (_slow_page, "timeout", [f"limit of {MAX_SECONDS} s", "page 1"]),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, (make, _, _) in HOSTILE.items():
        make(folder / name)
    return folder


@pytest.mark.parametrize("name", HOSTILE)
def test_extract_report_names_the_problem(hostile_dir, name):
    _, kind, words = HOSTILE[name]
    started = time.monotonic()
    with pytest.raises(ReportError) as caught:
        extract_report(hostile_dir / name, max_pages=MAX_PAGES, max_seconds=MAX_SECONDS)
    assert caught.value.kind == kind
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert all(w in message for w in words), message
    assert time.monotonic() - started < MAX_SECONDS + 5


def test_a_password_opens_an_encrypted_report(hostile_dir):
    path = hostile_dir / "riservato.pdf"
    extraction = extract_report(path, password=PASSWORD)
    assert extraction.rows["kpi"].tolist() == [r[1] for r in TABLE.rows]
    with pytest.raises(ReportError, match="wrong password") as caught:
        extract_report(path, password="sbagliata")
    assert caught.value.kind == "encrypted"


def test_a_pdf_without_kpi_tables_is_a_success_with_a_warning(tmp_path):
    path = tmp_path / "solo testo.pdf"
    _no_kpi_tables(path)
    extraction = extract_report(path)
    assert extraction.rows.empty
    assert extraction.warnings == ["solo testo.pdf: no KPI table found in 1 pages"]


def cli(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perf_pipeline.cli", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


LIMITS = {"PERF_PIPELINE_MAX_PAGES": str(MAX_PAGES), "PERF_PIPELINE_MAX_SECONDS": str(MAX_SECONDS)}


@pytest.mark.slow
@pytest.mark.parametrize("name", HOSTILE)
def test_cli_extract_fails_in_one_line(hostile_dir, tmp_path, name):
    _, _, words = HOSTILE[name]
    proc = cli("extract", hostile_dir / name, "-o", tmp_path / "out.csv", env=LIMITS)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name}: "), proc.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.slow
def test_cli_extract_reads_the_password_from_an_option_or_passwords_toml(hostile_dir, tmp_path):
    folder = tmp_path / "cartella"
    folder.mkdir()
    shutil.copy(hostile_dir / "riservato.pdf", folder)
    proc = cli("extract", folder / "riservato.pdf", "-o", tmp_path / "a.csv",
               "--password", PASSWORD)
    assert proc.returncode == 0, proc.stderr
    (folder / "passwords.toml").write_text(f'"riservato.pdf" = "{PASSWORD}"\n')
    proc = cli("extract", folder / "riservato.pdf", "-o", tmp_path / "b.csv")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


@pytest.fixture(scope="module")
def batch(hostile_dir, tmp_path_factory):
    """The fixture, a report under a hostile name, a locked report with its password in
    passwords.toml, a PDF without KPI tables, and every hostile file, in one folder."""
    root = tmp_path_factory.mktemp("batch")
    raw = root / "raw"
    shutil.copytree(hostile_dir, raw)
    shutil.copy(FIXTURE_PDF, raw / FIXTURE_PDF.name)
    odd = "Comune d'Àosta \"bilancio\" 2021 – relazione.pdf"
    build_report_pdf(raw / odd, [TABLE])
    build_report_pdf(raw / "con password.pdf", [TABLE], password=PASSWORD,
                     title="La Valutazione della Performance 2021 del Comune di Chiave")
    (raw / "passwords.toml").write_text(f'"con password.pdf" = "{PASSWORD}"\n')
    _no_kpi_tables(raw / "senza tabelle.pdf")
    db = root / "w.duckdb"
    env = {**LIMITS, "DAGSTER_HOME": str(root / "dagster_home")}
    started = time.monotonic()
    proc = cli("ingest", "--raw", raw, "--db", db, env=env, timeout=600)
    return proc, db, odd, time.monotonic() - started


@pytest.mark.slow
def test_batch_fails_each_bad_report_with_its_message(batch):
    proc, _, odd, _ = batch
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out and "Stack Trace" not in out, out
    lines = proc.stdout.splitlines()
    status = {ln.split(None, 1)[1]: ln.split(None, 1)[0] for ln in lines
              if ln.startswith(("  ok ", "  failed "))}
    assert {name for name, s in status.items() if s == "failed"} == set(HOSTILE), out
    for name in (FIXTURE_PDF.name, odd, "con password.pdf", "senza tabelle.pdf"):
        assert status[name] == "ok", out
    for name, (_, _, words) in HOSTILE.items():
        reason = lines[lines.index(f"  failed {name}") + 1]
        assert f"{name}: " in reason and all(w in reason for w in words), reason


@pytest.mark.slow
def test_batch_loads_every_good_report_whole(batch, ground_truth):
    _, db, odd, seconds = batch
    with duckdb.connect(str(db), read_only=True) as con:
        counts = dict(con.execute("SELECT report, count(*) FROM kpi_rows GROUP BY report")
                      .fetchall())
    assert counts == {FIXTURE_PDF.name: len(ground_truth), odd: 2, "con password.pdf": 2}
    assert seconds < 300  # no report hangs the run


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_screening_finds_what_extraction_would_without_parsing_pages(hostile_dir, name):
    """screen_report (what the sensor names unreadable files with) raises the same kind as
    extract_report for every file that cannot be opened; a slow page passes it."""
    _, kind, _ = HOSTILE[name]
    if kind == "timeout":
        screen_report(hostile_dir / name, max_pages=MAX_PAGES)
        return
    with pytest.raises(ReportError) as screened:
        screen_report(hostile_dir / name, max_pages=MAX_PAGES)
    assert screened.value.kind == kind
