"""Several reports in one run (the command line's batches): side-by-side extraction,
per-report results, a bad report stopping the run and the command loading the others
at once, staged extractions reused instead of parsed again."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, instance_for_test
from pdfgen import KpiTable, build_report_pdf
from test_multiyear import cli, new_setup, query

from perf_pipeline.definitions import build_definitions
from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.defs.runs import batch_run_options, contiguous_batches
from perf_pipeline.warehouse.staging import ExtractionStage

HEADER = ["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato {year}"]


def report(path: Path, city: str, year: int, kpis: list[str], broken: bool = False) -> Path:
    rows = [["Ob", kpi, "10", "12", "100%"] for kpi in kpis]
    if broken:
        rows.append(["Ob", "", "10", "12", "100%"])  # an empty KPI cell fails the check
    build_report_pdf(path, [KpiTable("Sezione", "Area", rows,
                                     header=[h.format(year=year) for h in HEADER])],
                     title=f"La Valutazione della Performance {year} del Comune di {city}")
    return path


def test_contiguous_batches_follow_the_partition_order():
    order = ["a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"]
    assert contiguous_batches(order, {"a.pdf", "b.pdf", "d.pdf"}) == [["a.pdf", "b.pdf"],
                                                                      ["d.pdf"]]
    assert contiguous_batches(order, set()) == []
    assert contiguous_batches(order, set(order), most=2) == [order[:2], order[2:4], order[4:]]
    assert batch_run_options(["d.pdf"]) == {"partition_key": "d.pdf"}
    assert batch_run_options(["a.pdf", "b.pdf"])["tags"] == {
        "dagster/asset_partition_range_start": "a.pdf",
        "dagster/asset_partition_range_end": "b.pdf"}


@pytest.fixture
def three_reports(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    report(raw / "a_bergamo.pdf", "Bergamo", 2020, ["KPI uno", "KPI due"])
    report(raw / "b_como.pdf", "Como", 2020, ["KPI tre"], broken=True)
    report(raw / "c_lodi.pdf", "Lodi", 2020, ["KPI quattro", "KPI cinque", "KPI sei"])
    return raw


def test_one_run_reports_each_report_and_a_bad_one_stops_the_load(three_reports, tmp_path):
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(three_reports))
    names = sorted(p.name for p in three_reports.glob("*.pdf"))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(report_partitions.name, names)
        result = defs.resolve_job_def("ingest_report").execute_in_process(
            instance=instance, raise_on_error=False, **batch_run_options(names))
        assert not result.success
        # Every report was extracted and staged, with its own partition's metadata.
        materialised = {(m.asset_key, m.partition): m.metadata
                        for m in result.get_asset_materialization_events()
                        for m in [m.materialization]}
        assert set(materialised) == {(AssetKey("extracted_kpi_rows"), n) for n in names}
        rows = {p: meta["dagster/row_count"].value for (_, p), meta in materialised.items()}
        assert rows == {"a_bergamo.pdf": 2, "b_como.pdf": 2, "c_lodi.pdf": 3}
        assert materialised[(AssetKey("extracted_kpi_rows"), "c_lodi.pdf")][
            "entity"].value == "Comune di Lodi"
        # One evaluation per report, and the run's: only b_como.pdf failed.
        evaluations = {e.partition: e.passed for e in result.get_asset_check_evaluations()}
        assert evaluations == {"a_bergamo.pdf": True, "b_como.pdf": False,
                               "c_lodi.pdf": True, None: False}
    assert query(db, "SELECT count(*) FROM kpi_rows") == [(0,)]
    assert query(db, "SELECT report, status, error FROM ingestion_ledger ORDER BY report") == [
        ("a_bergamo.pdf", "skipped", "not loaded: b_como.pdf of the same run failed"),
        ("b_como.pdf", "quarantined",
         "extracted_rows_match_schema failed: kpi_text_present (threshold 0.2): more than "
         "this share of a report's rows have no KPI text: the columns were not found; "
         "what to do: check the table layout on the PDF's pages; add a correction or "
         "report the layout (1 failure case(s) in the run)"),
        ("c_lodi.pdf", "skipped", "not loaded: b_como.pdf of the same run failed"),
    ]


def test_the_command_retries_the_good_reports_from_their_staged_rows(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw / "a_bergamo.pdf", "Bergamo", 2020, ["KPI uno", "KPI due"])
    report(raw / "b_como.pdf", "Como", 2020, ["KPI tre"], broken=True)
    report(raw / "c_lodi.pdf", "Lodi", 2020, ["KPI quattro"])
    report(raw / "d_lodi_copia.pdf", "Lodi", 2020, ["KPI quattro"])
    out = cli(env, "ingest", code=1)
    assert "  ok     a_bergamo.pdf" in out and "  ok     c_lodi.pdf" in out
    assert "  failed b_como.pdf" in out and "  failed d_lodi_copia.pdf" in out
    assert "d_lodi_copia.pdf and c_lodi.pdf are both the 2020 report of Comune di Lodi" in out
    assert query(db, "SELECT report, count(*) FROM kpi_rows GROUP BY report ORDER BY report") \
        == [("a_bergamo.pdf", 2), ("c_lodi.pdf", 1)]
    runs = query(db, "SELECT report, list(status ORDER BY started_at) FROM ingestion_ledger "
                     "GROUP BY report ORDER BY report")
    # Run 1 (a-d): b_como.pdf quarantined. Then a_bergamo.pdf alone, and c-d, where the
    # second Lodi 2020 report fails. Then c_lodi.pdf alone.
    assert runs == [("a_bergamo.pdf", ["skipped", "ingested"]),
                    ("b_como.pdf", ["quarantined"]),
                    ("c_lodi.pdf", ["skipped", "skipped", "ingested"]),
                    ("d_lodi_copia.pdf", ["skipped", "failed"])]
    # The retries read the staged extraction: each file was parsed once (the command's
    # prefetch or the first run), and every run of it read that one parse.
    with instance_for_test(temp_dir=env["DAGSTER_HOME"]) as instance:
        records = instance.fetch_materializations(AssetKey("extracted_kpi_rows"), limit=20)
        parses = {}
        for r in records.records:
            parses.setdefault(r.partition_key, []).append(
                r.asset_materialization.metadata["staged_at"].value)
    assert len(parses["a_bergamo.pdf"]) == 2 and len(set(parses["a_bergamo.pdf"])) == 1
    assert len(parses["c_lodi.pdf"]) == 3 and len(set(parses["c_lodi.pdf"])) == 1
    [(sha256,)] = query(db, "SELECT sha256 FROM reports WHERE report = 'a_bergamo.pdf'")
    assert ExtractionStage(db.parent / "staging").reusable("a_bergamo.pdf", sha256)


def test_a_failed_summary_check_leaves_area_trends_and_exports_alone(tmp_path, monkeypatch):
    """The four tables over all reports are one step: when a blocking check of the
    summaries fails, the later tables and the Parquet exports are not written."""
    from dagster import AssetCheckResult

    import perf_pipeline.defs.assets as assets

    raw = tmp_path / "raw"
    raw.mkdir()
    report(raw / "a_bergamo.pdf", "Bergamo", 2020, ["KPI uno"])
    db = tmp_path / "w.duckdb"
    monkeypatch.setattr(assets, "check_summaries", lambda tables: AssetCheckResult(
        asset_key="kpi_summaries", check_name="summaries_add_up", passed=False))
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(report_partitions.name, ["a_bergamo.pdf"])
        result = defs.resolve_job_def("ingest_report").execute_in_process(
            instance=instance, raise_on_error=False, partition_key="a_bergamo.pdf")
    assert not result.success
    materialised = {e.materialization.asset_key.to_user_string()
                    for e in result.get_asset_materialization_events()}
    assert {"kpi_summaries", "kpi_trends"} <= materialised
    assert not materialised & {"area_trends", "warehouse_exports", "scorecard"}
    assert not (db.parent / "exports").exists()
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == ["summaries_add_up"]


def test_staging_and_workers_come_from_resource_configuration(three_reports, tmp_path):
    """What a deployment over several machines changes: the staging directory (shared
    storage) and the number of extraction processes are resource settings."""
    from perf_pipeline.defs.resources import RawReportsResource, WarehouseResource

    shared = tmp_path / "shared" / "staging"
    names = ["a_bergamo.pdf", "c_lodi.pdf"]
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(report_partitions.name, names)
        defs = build_definitions(database=str(tmp_path / "w.duckdb"),
                                 raw_dir=str(three_reports))
        result = defs.resolve_job_def("ingest_report").execute_in_process(
            instance=instance, raise_on_error=False, **batch_run_options(names),
            resources={
                "raw_reports": RawReportsResource(directory=str(three_reports), workers=1),
                "warehouse_db": WarehouseResource(database=str(tmp_path / "w.duckdb"),
                                                  staging_directory=str(shared)),
            })
    assert result.success
    assert sorted(p.name for p in shared.glob("*.pickle")) == sorted(
        ExtractionStage(shared).path(n).name for n in names)
    assert not (tmp_path / "staging").exists()
    [meta] = [m.materialization.metadata for m in result.get_asset_materialization_events()
              if m.materialization.asset_key == AssetKey("extracted_kpi_rows")][:1]
    assert meta["workers"].value == 1
