"""The Dagster definitions, materialised in process on real files and a real DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import FIXTURE_PDF, REPO
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    instance_for_test,
    materialize,
    multiprocess_executor,
)
from pdfgen import KpiTable, build_report_pdf

from perf_pipeline.definitions import build_definitions
from perf_pipeline.defs.assets import extracted_kpi_rows, kpi_scores, report_pdf, warehouse_kpi_rows
from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.defs.resources import RawReportsResource, WarehouseResource
from perf_pipeline.quality.rules import RULES

HEADER = ["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2021"]


@pytest.fixture
def instance():
    with instance_for_test() as instance:
        yield instance


def test_definitions_validate():
    env = dict(os.environ, DAGSTER_HOME=str(REPO / "dagster_home"))
    proc = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Validation successful" in proc.stderr + proc.stdout


def test_definitions_wire_every_asset_and_check():
    defs = build_definitions(database=":memory:", raw_dir="raw")
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "report_pdf",
        "extracted_kpi_rows",
        "warehouse_kpi_rows",
        "kpi_scores",
        "kpi_summaries",
        "kpi_trends",
        "area_trends",
        "warehouse_exports",
        "scorecard",
    }
    checks = {c.asset_key.to_user_string(): c for c in graph.asset_check_keys}
    assert set(checks) == {"extracted_kpi_rows", "kpi_scores", "kpi_summaries", "kpi_trends"}
    # The pandera models' checks block; one non-blocking check per warning rule.
    blocking = {k.name for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert blocking == {"extracted_rows_match_schema", "scores_match_schema",
                        "summaries_add_up", "trends_match_schema"}
    warnings = {k.name for k in graph.asset_check_keys} - blocking
    assert warnings == {r.name for r in RULES if r.severity == "warning"}
    for key in graph.asset_check_keys:
        assert graph.get_check_spec(key).description, key


def test_a_backfill_runs_one_report_per_run():
    """A UI backfill of many reports launches a run per report, so a bad one fails only
    its own partition (Dagster fails or materialises a run's partitions together); the
    command line's runs over a range of partitions are not backfills (test_batch.py)."""
    defs = build_definitions(database=":memory:", raw_dir="raw")
    for asset in ("extracted_kpi_rows", "warehouse_kpi_rows", "kpi_scores"):
        policy = defs.resolve_assets_def(asset).backfill_policy
        assert policy.max_partitions_per_run == 1, asset


def test_executor_comes_from_the_environment(monkeypatch):
    def executor_of(job: str, executor=None) -> str:
        defs = build_definitions(database=":memory:", executor=executor)
        return defs.resolve_job_def(job).executor_def.name

    assert executor_of("ingest_report") == "in_process"  # the default
    monkeypatch.setenv("PERF_PIPELINE_EXECUTOR", "multiprocess")
    assert {executor_of("ingest_report"), executor_of("refresh_summaries")} == {"multiprocess"}
    # A deployment's own definitions may pass any executor (k8s, celery, ...).
    limited = multiprocess_executor.configured({"max_concurrent": 1}, name="one_at_a_time")
    assert executor_of("ingest_report", limited) == "one_at_a_time"
    monkeypatch.setenv("PERF_PIPELINE_EXECUTOR", "celery")
    with pytest.raises(ValueError, match="PERF_PIPELINE_EXECUTOR must be one of in_process, "
                                         "multiprocess, not 'celery'"):
        build_definitions()


def run_report(instance: DagsterInstance, raw_dir, db, report: str):
    instance.add_dynamic_partitions(report_partitions.name, [report])
    defs = build_definitions(database=str(db), raw_dir=str(raw_dir))
    return defs.resolve_job_def("ingest_report").execute_in_process(
        partition_key=report, instance=instance, raise_on_error=False
    )


def test_fixture_report_materialises_with_passing_checks(instance, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURE_PDF, raw)
    db = tmp_path / "w.duckdb"
    result = run_report(instance, raw, db, FIXTURE_PDF.name)
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    passed = {e.check_name: e.passed for e in evaluations}
    assert {name: passed.pop(name) for name in [
        "extracted_rows_match_schema", "scores_match_schema", "summaries_add_up",
        "trends_match_schema"]} == dict.fromkeys([
            "extracted_rows_match_schema", "scores_match_schema", "summaries_add_up",
            "trends_match_schema"], True)
    # The fixture has no finding of any warning rule (its one discrepancy is truncation).
    assert passed == {r.name: True for r in RULES if r.severity == "warning"}
    assert {e.severity for e in evaluations if e.check_name in passed} == {
        AssetCheckSeverity.WARN}
    materialised = {
        m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()
    }
    # The report's partition, then the tables over every loaded report.
    assert set(materialised) == {"extracted_kpi_rows", "warehouse_kpi_rows", "kpi_scores",
                                 "kpi_summaries", "kpi_trends", "area_trends",
                                 "warehouse_exports", "scorecard"}
    meta = materialised["extracted_kpi_rows"].materialization.metadata
    assert meta["dagster/row_count"].value == 68
    assert meta["entity"].value == "Comune di Milano"
    assert "Piano Quartieri" in meta["preview"].value
    assert "dagster/column_schema" in (
        build_definitions()
        .resolve_assets_def("extracted_kpi_rows")
        .specs_by_key[AssetKey("extracted_kpi_rows")]
        .metadata
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM kpi_scores").fetchall()[0][0] == 68

    summaries = (
        build_definitions(database=str(db), raw_dir=str(raw))
        .resolve_job_def("refresh_summaries")
        .execute_in_process(instance=instance)
    )
    assert summaries.success
    assert [e.passed for e in summaries.get_asset_check_evaluations()] == [True] * 4


def test_broken_rows_fail_the_check_and_block_the_load(instance, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    build_report_pdf(
        raw / "rotto.pdf",
        [
            KpiTable(
                "Sezione",
                "Area",
                [
                    ["Ob", "KPI buono", "10", "12", "100%"],
                    ["Ob", "", "10", "12", "100%"],  # empty KPI cell
                    ["Ob", "KPI con punteggio illeggibile", "10", "12", "l00 %?"],
                ],
                header=HEADER,
            )
        ],
    )
    db = tmp_path / "w.duckdb"
    result = run_report(instance, raw, db, "rotto.pdf")
    assert not result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "extracted_rows_match_schema" and not evaluation.passed
    cases = evaluation.metadata["failure_cases"].value
    # 1 of 3 rows without KPI text and 1 of 3 unreadable scores: more than the rules'
    # shares (0.2), so the columns are taken as not found.
    assert "l00 %?" in cases and "kpi_text_present" in cases and "score_reported_parses" in cases
    assert evaluation.metadata["failure_count"].value == 2
    reason = evaluation.metadata["quarantine_reason"].value
    assert reason.startswith("rotto.pdf: kpi_text_present (threshold 0.2): more than this share")
    # Nothing downstream ran: no warehouse rows, no scores.
    materialised = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert materialised == {"extracted_kpi_rows"}
    if db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM kpi_rows").fetchall()[0][0] == 0


def test_materialize_the_assets_directly(instance, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    build_report_pdf(
        raw / "piccolo.pdf",
        [
            KpiTable(
                "Sezione",
                "Area",
                [
                    ["Ob", "Alloggi consegnati", "800", "639", "79,87%"],
                    ["Ob", "Pratiche evase", "> 350", "450", "100%"],
                ],
                header=HEADER,
            )
        ],
    )
    instance.add_dynamic_partitions(report_partitions.name, ["piccolo.pdf"])
    db = tmp_path / "w.duckdb"
    result = materialize(
        [
            report_pdf,
            extracted_kpi_rows,
            warehouse_kpi_rows,
            kpi_scores,
        ],
        partition_key="piccolo.pdf",
        instance=instance,
        resources={
            "raw_reports": RawReportsResource(directory=str(raw)),
            "warehouse_db": WarehouseResource(database=str(db)),
        },
        selection=[extracted_kpi_rows, warehouse_kpi_rows, kpi_scores],
    )
    assert result.success
    check = result.get_asset_check_evaluations()
    assert all(e.passed for e in check)
    assert AssetCheckKey(AssetKey("kpi_scores"), "scores_match_schema") in {
        e.asset_check_key for e in check
    }
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = con.execute("SELECT kpi, status FROM kpis ORDER BY row_index").fetchall()
    assert statuses == [("Alloggi consegnati", "partial"), ("Pratiche evase", "met")]


def test_previews_mark_cut_text_and_show_no_nan():
    import pandas as pd

    from perf_pipeline.defs.assets import PREVIEW_ROWS, preview
    from perf_pipeline.defs.checks import PREVIEW_CHARS

    long_kpi = "Percentuale di pratiche evase entro i termini di legge " * 3
    frame = pd.DataFrame({"kpi": [long_kpi, "corto\nsu due righe"] * PREVIEW_ROWS,
                          "score_recomputed": [float("nan"), 80.0] * PREVIEW_ROWS})
    text = preview(frame, ["kpi", "score_recomputed"]).value
    assert "nan" not in text.lower()
    assert " ".join(long_kpi.split())[:PREVIEW_CHARS - 1] + "…" in text
    assert "corto su due righe" in text
    assert text.endswith(f"(first {PREVIEW_ROWS} of {2 * PREVIEW_ROWS} rows)")
