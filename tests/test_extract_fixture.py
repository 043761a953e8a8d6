"""The extractor on the 2020 Milano deck reproduces the hand-checked ground truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from conftest import CELL_COLUMNS, FIXTURE_PDF, REPO, fold

from perf_pipeline.extract import CORE_COLUMNS


def test_every_cell_matches_ground_truth(fixture_extraction, ground_truth):
    rows = fixture_extraction.rows
    assert len(rows) == 68
    assert rows["page"].tolist() == ground_truth["slide"].astype(int).tolist()
    mismatches = [
        (i, col, rows.iloc[i][col], ground_truth.iloc[i][col])
        for i in range(len(rows))
        for col in CELL_COLUMNS
        if fold(rows.iloc[i][col]) != fold(ground_truth.iloc[i][col])
    ]
    assert mismatches == []


def test_soft_wraps_are_spaces_and_list_breaks_are_kept(fixture_extraction, ground_truth):
    rows = fixture_extraction.rows
    # Exact, without folding: wrapped cells are joined by single spaces, and the one
    # cell printed as a three-item list keeps its line breaks.
    for col in CELL_COLUMNS:
        assert rows[col].tolist() == ground_truth[col].tolist(), col
    assert rows["target"].str.contains("\n").sum() == 1


def test_two_level_kpi_column_is_flattened(fixture_extraction):
    page17 = fixture_extraction.rows.query("page == 17")
    assert page17["kpi"].tolist() == [
        "Tempi di risposta: Chiamate Telefoniche",
        "Tempi di risposta: Scrivi",
        "Tempi di risposta: Mail Istituzionali censite nel CRM",
        "Tempi di risposta: Social",
        "Tasso di risposta",
    ]
    # The merged objective cell is filled down over all five KPI rows.
    assert page17["objective"].nunique() == 1


def test_table_printed_twice_is_kept_and_marked(fixture_extraction):
    rows = fixture_extraction.rows
    dupes = rows[rows["is_duplicate"]]
    assert len(dupes) == 1
    dup = dupes.iloc[0]
    first = rows.query("page == 10").iloc[0]
    assert dup["page"] == 11 and dup["duplicate_of"] == f"p10r{first['row_index']}"
    assert not first["is_duplicate"]
    assert rows.drop_duplicates(["section", "area", "objective", "kpi"]).shape[0] == 67


def test_rows_keep_provenance(fixture_extraction):
    rows = fixture_extraction.rows
    assert (rows["report"] == "milano_performance_2020.pdf").all()
    # Row boxes lie on the 960x540 slide, inside the table, in reading order per page.
    assert ((rows["x0"] >= 0) & (rows["x1"] <= 960) & (rows["top"] < rows["bottom"])).all()
    assert (rows["bottom"] <= 540).all()
    for _, page in rows.groupby("page"):
        assert page["row_index"].tolist() == list(range(1, len(page) + 1))
        assert page["top"].is_monotonic_increasing
    assert not rows[["report", "page", "row_index"]].duplicated().any()


def test_identity_read_from_the_document(fixture_extraction):
    identity = fixture_extraction.identity
    assert identity.entity == "Comune di Milano"
    assert identity.year == 2020
    assert identity.entity_source == "document"
    assert fixture_extraction.pages == 32
    assert fixture_extraction.kpi_tables == 28


def test_identity_falls_back_to_file_name(tmp_path):
    from pdfgen import KpiTable, build_report_pdf

    from perf_pipeline.extract import extract_report

    pdf = build_report_pdf(
        tmp_path / "bergamo_relazione_2019.pdf",
        [
            KpiTable(
                "Sezione",
                "",
                [["Ob", "Un KPI", "10", "12", "100%"]],
                header=["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato"],
            )
        ],
        title="Relazione sulla performance",
    )
    identity = extract_report(pdf).identity
    assert (identity.entity, identity.entity_source) == ("Bergamo", "file name")
    assert (identity.year, identity.year_source) == (2019, "file name")


def test_extract_command_writes_csv(tmp_path, ground_truth):
    out = tmp_path / "rows.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "perf_pipeline.cli", "extract", str(FIXTURE_PDF), "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns[: len(CORE_COLUMNS)]) == CORE_COLUMNS
    assert len(frame) == 68
    assert frame["kpi"].tolist() == ground_truth["kpi"].tolist()
    assert frame["target"].tolist() == ground_truth["target"].tolist()
    assert "68 KPI rows" in proc.stdout


def test_extra_columns_are_kept_apart(tmp_path):
    from pdfgen import KpiTable, build_report_pdf

    from perf_pipeline.extract import extract_report

    pdf = build_report_pdf(
        tmp_path / "pesi.pdf",
        [
            KpiTable(
                "Sezione",
                "Area",
                [
                    ["Ob", "KPI uno", "10", "12", "30", "100%"],
                    ["Ob", "KPI due", "5", "4", "70", "80%"],
                ],
                header=["Obiettivo", "KPI", "Target", "Target Raggiunto", "Peso", "Risultato 2021"],
            )
        ],
    )
    rows = extract_report(pdf).rows
    assert rows["score_reported"].tolist() == ["100%", "80%"]
    assert [json.loads(e) for e in rows["extra"]] == [{"Peso": "30"}, {"Peso": "70"}]
