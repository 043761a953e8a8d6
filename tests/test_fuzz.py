"""Seeded mutants of the fixture (byte flips, truncations, deleted ranges) and the broken
files users really drop beside good reports: through `extract` and one `ingest`, no
traceback, no hang, no console markup taken from the file, and the good reports load."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import duckdb
import pytest
from conftest import FIXTURE_PDF, REPO, project_with_fixture
from pdfgen import KpiTable, build_report_pdf
from reportlab.pdfgen import canvas

MUTANTS = 24
SEED = 20261202
EXTRACT_TIMEOUT = 60  # seconds per file: the fixture takes about 1
LIMITS = {"PERF_PIPELINE_MAX_SECONDS": "20"}
# What a traceback or rich's own error about a markup tag would print.
CRASH_SIGNS = ("Traceback", "MarkupError", "closing tag")


def mutants(data: bytes, count: int, seed: int) -> dict[str, bytes]:
    """name -> mutated copy of ``data``, the same for the same seed."""
    rng = random.Random(seed)
    out = {}
    for n in range(count):
        kind = ("flip", "truncate", "delete")[n % 3]
        mutated = bytearray(data)
        if kind == "flip":
            for _ in range(rng.randint(1, 40)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        elif kind == "truncate":
            del mutated[rng.randrange(16, len(mutated)):]
        else:
            start = rng.randrange(len(mutated))
            del mutated[start:start + rng.randint(1, 4096)]
        out[f"mutant_{n:02d}_{kind}.pdf"] = bytes(mutated)
    return out


def run(*args, env=None, timeout=EXTRACT_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perf_pipeline.cli", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **LIMITS, **(env or {})})


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    output = proc.stdout + proc.stderr
    assert not any(sign in output for sign in CRASH_SIGNS), output
    assert proc.returncode in (0, 1), output


@pytest.mark.slow
def test_extract_survives_seeded_mutants(tmp_path):
    results = {}
    for name, data in mutants(FIXTURE_PDF.read_bytes(), MUTANTS, SEED).items():
        pdf = tmp_path / name
        pdf.write_bytes(data)
        proc = run("extract", pdf, "-o", tmp_path / f"{name}.csv")
        assert_clean(proc)
        if proc.returncode:
            # One line saying which file and why, with the text of the error as it is.
            [line] = proc.stderr.strip().splitlines()
            assert line.startswith(f"error: {name}: "), line
        results[name] = proc.returncode
    # The mutants are varied enough to exercise both outcomes.
    assert 0 in results.values() and 1 in results.values(), results


def _zero_pages(path):
    """A well-formed PDF (with its cross-reference table) whose page tree is empty."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def _blank_page(path):
    doc = canvas.Canvas(str(path))
    doc.showPage()
    doc.save()


@pytest.mark.slow
def test_one_ingest_loads_the_good_reports_beside_broken_ones(tmp_path):
    raw, db, _, env = project_with_fixture(tmp_path)
    # Any name the file system allows: 250 bytes, with markup-like brackets in it.
    long_name = ("[bold red]Relazione [blink]" + " performance" * 40)[:246] + ".pdf"
    build_report_pdf(raw / long_name, [KpiTable(
        "Sezione", "Area", [["Ob", "Pratiche evase", "10", "12", "100%"]],
        header=["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2020"])],
        title="La Valutazione della Performance 2020 del Comune di Bergamo")
    broken = {name: data for name, data in mutants(FIXTURE_PDF.read_bytes(), 6, SEED).items()
              if "flip" not in name}  # a flipped copy may still be a valid Milano 2020
    for name, data in broken.items():
        (raw / name).write_bytes(data)
    (raw / "vuoto.pdf").write_bytes(b"")
    (raw / "appunti.pdf").write_text("[/'CA', 0.35] not a PDF at all\n")
    _zero_pages(raw / "nessuna pagina.pdf")
    _blank_page(raw / "pagina bianca.pdf")
    proc = run("ingest", env=env, timeout=600)
    assert_clean(proc)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"  ok     {FIXTURE_PDF.name}" in out and f"  ok     {long_name}" in out, out
    for name in ["vuoto.pdf", "appunti.pdf", "nessuna pagina.pdf", "pagina bianca.pdf"]:
        assert f"  failed {name}" in out, out
    assert "nessuna pagina.pdf: the PDF has no pages" in out
    assert "pagina bianca.pdf: no text on any of its 1 pages" in out
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = dict(con.execute(
            "SELECT report, count(*) FROM kpi_rows GROUP BY report").fetchall())
        ledger = dict(con.execute(
            "SELECT report, arg_max(status, started_at) FROM ingestion_ledger "
            "GROUP BY report").fetchall())
    assert loaded == {FIXTURE_PDF.name: 68, long_name: 1}
    assert ledger[FIXTURE_PDF.name] == ledger[long_name] == "ingested"
    assert all(ledger[name] == "failed" for name in ["vuoto.pdf", "appunti.pdf",
                                                     "nessuna pagina.pdf"])
    # Nothing changed: a second ingest does nothing new and still explains the failures.
    again = run("ingest", env=env, timeout=600)
    assert_clean(again)
    assert f"  ok     {FIXTURE_PDF.name}" not in again.stdout
