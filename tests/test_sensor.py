"""The raw/ sensor and the monthly schedule, evaluated on a real
instance against real files in a temporary raw/, with real (small) ingest runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    AssetKey,
    AssetPartitionStatus,
    DagsterInstance,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    SensorResult,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)
from pdfgen import KpiTable, build_report_pdf
from reportlab.pdfgen import canvas

from perf_pipeline.definitions import build_definitions
from perf_pipeline.defs.assets import kpi_scores
from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.defs.runs import INPUT_TAG, SHA256_TAG, TRIGGER_TAG
from perf_pipeline.defs.schedules import monthly_refresh
from perf_pipeline.defs.sensors import raw_reports_sensor
from perf_pipeline.extract import screen_report
from perf_pipeline.raw_folder import file_sha256

HEADER = ["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2021"]


def small_report(path, achieved="12", entity="Comune di Esempio", year=2021):
    """A one-table report; ``achieved`` changes its content (and so its sha256)."""
    return build_report_pdf(
        path,
        [KpiTable("Sezione", "Area", [["Ob", "Pratiche evase", "10", achieved, "100%"],
                                      ["Ob", "Sportelli aperti", "5", "5", "100%"]],
                  header=HEADER[:-1] + [f"Risultato {year}"])],
        title=f"La Valutazione della Performance {year} del {entity}",
    )


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


def evaluate(instance, defs, cursor=None) -> SensorResult:
    """One tick of the raw/ sensor; partition requests are applied as the daemon does."""
    context = build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    result = raw_reports_sensor(context)
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    return result


def test_sensors_are_on_by_default_and_the_schedule_is_monthly_in_rome():
    assert raw_reports_sensor.default_status == DefaultSensorStatus.RUNNING
    assert monthly_refresh.cron_schedule == "0 6 1 * *"
    assert monthly_refresh.execution_timezone == "Europe/Rome"
    assert monthly_refresh.default_status == DefaultScheduleStatus.RUNNING


def test_new_file_then_nothing_then_changed_then_deleted(instance, raw, tmp_path):
    defs = build_definitions(database=str(tmp_path / "w.duckdb"), raw_dir=str(raw))
    pdf = small_report(raw / "esempio_2021.pdf")

    first = evaluate(instance, defs)
    [added] = first.dynamic_partitions_requests
    assert added.partition_keys == ["esempio_2021.pdf"]
    [run] = first.run_requests
    assert run.partition_key == "esempio_2021.pdf"
    assert run.tags[SHA256_TAG] == file_sha256(pdf)
    assert run.tags[TRIGGER_TAG] == "sensor"
    assert instance.get_dynamic_partitions(report_partitions.name) == ["esempio_2021.pdf"]

    second = evaluate(instance, defs, first.cursor)
    assert second.run_requests == [] and second.dynamic_partitions_requests == []

    small_report(pdf, achieved="9")  # same name, new content
    third = evaluate(instance, defs, second.cursor)
    [rerun] = third.run_requests
    assert rerun.partition_key == "esempio_2021.pdf"
    assert rerun.tags[SHA256_TAG] == file_sha256(pdf) != run.tags[SHA256_TAG]
    assert third.dynamic_partitions_requests == []
    [changed] = third.asset_events
    assert changed.metadata["event"].value == "changed"

    pdf.unlink()
    fourth = evaluate(instance, defs, third.cursor)
    assert fourth.run_requests == []
    [deleted] = fourth.asset_events
    assert (deleted.asset_key, deleted.partition) == (AssetKey("report_pdf"), "esempio_2021.pdf")
    assert deleted.metadata["event"].value == "deleted from raw/"
    assert "perf-pipeline forget esempio_2021.pdf" in deleted.metadata["remove_rows_with"].value
    # Reported once; the partition (and the rows) stay until an explicit forget.
    assert evaluate(instance, defs, fourth.cursor).asset_events == []
    assert instance.get_dynamic_partitions(report_partitions.name) == ["esempio_2021.pdf"]


def test_files_that_arrive_together_get_a_run_each(instance, raw, tmp_path):
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    for year in (2019, 2020, 2021):
        small_report(raw / f"esempio_{year}.pdf", year=year)
    result = evaluate(instance, defs)
    names = [f"esempio_{y}.pdf" for y in (2019, 2020, 2021)]
    assert [r.partition_key for r in result.run_requests] == names
    assert len({r.run_key for r in result.run_requests}) == 3
    assert all(r.tags[TRIGGER_TAG] == "sensor" for r in result.run_requests)
    # What the daemon launches: the job for the request's partition, with its tags.
    launched = [launch(instance, defs, r) for r in result.run_requests]
    assert all(run.success for run in launched)
    with duckdb.connect(str(db), read_only=True) as con:
        ledger = con.execute("SELECT report, status, trigger, run_id FROM ingestion_ledger "
                             "ORDER BY report").fetchall()
    assert ledger == [(n, "ingested", "sensor", run.run_id)
                      for n, run in zip(names, launched, strict=True)]
    # The next tick finds nothing to do.
    assert evaluate(instance, defs, result.cursor).run_requests == []


def launch(instance, defs, request: RunRequest):
    """Execute a sensor's run request in process, as the daemon's run would."""
    return defs.resolve_job_def("ingest_report").execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags,
        raise_on_error=False)


def test_content_ingested_elsewhere_is_not_run_again(instance, raw, tmp_path):
    """A file ingested by a run the sensor did not launch (the command line, the UI) is
    recognised from the run's kpi_scores materialisation, even with an empty cursor."""
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    pdf = small_report(raw / "esempio_2021.pdf")
    instance.add_dynamic_partitions(report_partitions.name, [pdf.name])
    run = defs.resolve_job_def("ingest_report").execute_in_process(
        partition_key=pdf.name, instance=instance, raise_on_error=False
    )
    assert run.success

    result = evaluate(instance, defs)
    assert result.run_requests == [] and result.dynamic_partitions_requests == []

    # A run started from the UI (no trigger tag) is in the ledger as 'ui'.
    with duckdb.connect(str(db), read_only=True) as con:
        ledger = con.execute(
            "SELECT run_id, status, trigger, sha256, kpi_rows FROM ingestion_ledger"
        ).fetchall()
    assert ledger == [(run.run_id, "ingested", "ui", file_sha256(pdf), 2)]

    # The same run refreshed the summaries over every loaded report.
    summaries = {m.asset_key.to_user_string() for m in run.get_asset_materialization_events()
                 for m in [m.materialization] if m.partition is None}
    assert summaries == {"kpi_summaries", "kpi_trends", "area_trends", "warehouse_exports",
                         "scorecard"}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT report, kpis FROM summary_by_report").fetchall() == [
            (pdf.name, 2)]


def test_monthly_schedule_ingests_what_is_new_then_refreshes(raw, tmp_path):
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    small_report(raw / "esempio_2020.pdf", year=2020)
    small_report(raw / "esempio_2021.pdf", achieved="4")
    when = datetime(2026, 12, 1, 6, 0, tzinfo=ZoneInfo("Europe/Rome"))
    # A schedule context needs an instance on disk (an ephemeral one has no reference);
    # in tmp_path, which outlives the test: Dagster's definitions-load context may still
    # point at it when a later test loads definitions.
    home = tmp_path / "dagster_home"
    home.mkdir()
    with instance_for_test(temp_dir=str(home)) as instance:
        run_schedule_twice(instance, defs, db, when)


def run_schedule_twice(instance, defs, db, when):

    def tick() -> list[RunRequest]:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=when, resources=defs.resources,
            repository_def=defs.get_repository_def(),
        )
        return list(monthly_refresh.evaluate_tick(context).run_requests)

    requests = tick()
    assert [r.partition_key for r in requests] == ["esempio_2020.pdf", "esempio_2021.pdf", None]
    assert set(instance.get_dynamic_partitions(report_partitions.name)) == {
        "esempio_2020.pdf", "esempio_2021.pdf"
    }
    refresh = requests[-1]
    assert {k.to_user_string() for k in refresh.asset_selection} == {
        "kpi_summaries", "kpi_trends", "area_trends", "warehouse_exports", "scorecard"
    }

    # Launch them as the daemon would: the schedule's job, each run's asset subset.
    job = defs.resolve_job_def(monthly_refresh.job_name)
    for request in requests:
        result = job.execute_in_process(
            instance=instance, partition_key=request.partition_key,
            asset_selection=request.asset_selection, tags=request.tags,
        )
        assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"summaries_add_up": True, "trends_match_schema": True,
                      "kpi_missing": True, "target_changed": True}

    with duckdb.connect(str(db), read_only=True) as con:
        ledger = con.execute(
            "SELECT report, status, trigger FROM ingestion_ledger ORDER BY report"
        ).fetchall()
        trend = con.execute(
            "SELECT kpi, change, score_change FROM kpi_trends WHERE year = 2021 ORDER BY kpi"
        ).fetchall()
    assert ledger == [("esempio_2020.pdf", "ingested", "schedule"),
                      ("esempio_2021.pdf", "ingested", "schedule")]
    assert trend == [("Pratiche evase", "worsened", -60.0), ("Sportelli aperti", "unchanged", 0)]
    # Next month nothing is new: only the refresh.
    assert [r.partition_key for r in tick()] == [None]


def _blank_page(path):
    """A PDF that opens and has a page, so screening passes it; extraction finds no text."""
    doc = canvas.Canvas(str(path))
    doc.showPage()
    doc.save()


def test_reports_that_fail_later_than_screening_fail_alone_in_the_same_tick(tmp_path, raw):
    """Dropped together: a good report, one that opens but whose page has no text (fails
    in parsing) and one whose rows are unusable (quarantined by the blocking check). Each
    gets its own run; the good one is loaded by its run, its partition materialised,
    while the bad ones' runs and partitions fail, with the reason in the ledger."""
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    small_report(raw / "b_buono.pdf")
    _blank_page(raw / "a_bianca.pdf")
    build_report_pdf(raw / "c_appunti.pdf", [KpiTable(  # no KPI text in any row
        "S", "A", [["Ob", "", "10", "12", "100%"], ["Ob", "", "5", "5", "100%"]],
        header=HEADER)])
    screen_report(raw / "a_bianca.pdf")
    screen_report(raw / "c_appunti.pdf")
    # Partition status is read from the instance's asset status cache: an instance on
    # disk, in tmp_path (see test_monthly_schedule_ingests_what_is_new_then_refreshes).
    home = tmp_path / "dagster_home"
    home.mkdir()
    with instance_for_test(temp_dir=str(home)) as instance:
        result = evaluate(instance, defs)
        requests = {r.partition_key: r for r in result.run_requests}
        assert sorted(requests) == ["a_bianca.pdf", "b_buono.pdf", "c_appunti.pdf"]
        runs = {name: launch(instance, defs, r) for name, r in requests.items()}
        assert {n: r.success for n, r in runs.items()} == {
            "a_bianca.pdf": False, "b_buono.pdf": True, "c_appunti.pdf": False}
        names = sorted(requests)
        assert instance.get_status_by_partition(kpi_scores.key, names, report_partitions) == {
            "a_bianca.pdf": AssetPartitionStatus.FAILED,
            "b_buono.pdf": AssetPartitionStatus.MATERIALIZED,
            "c_appunti.pdf": AssetPartitionStatus.FAILED}
        # Nothing is asked for again: the failed ones wait for their files to change.
        assert evaluate(instance, defs, result.cursor).run_requests == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT report, count(*) FROM kpi_rows GROUP BY report"
                           ).fetchall() == [("b_buono.pdf", 2)]
        ledger = con.execute("SELECT report, status, error, run_id FROM ingestion_ledger "
                             "ORDER BY report").fetchall()
    assert [row[:2] for row in ledger] == [("a_bianca.pdf", "failed"),
                                           ("b_buono.pdf", "ingested"),
                                           ("c_appunti.pdf", "quarantined")]
    assert [row[3] for row in ledger] == [runs[name].run_id for name in names]
    assert ledger[0][2].startswith("a_bianca.pdf: no text on any of its 1 pages")
    assert "kpi_text_present" in ledger[2][2]
    assert "the columns were not found" in ledger[2][2]


def test_changed_corrections_are_applied_by_the_sensor(instance, raw, tmp_path):
    """A reviewer edits raw/corrections.csv while the UI is up: the next tick ingests the
    report it names again (its staged extraction reused), and then nothing more."""
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    pdf = small_report(raw / "esempio_2021.pdf")
    first = evaluate(instance, defs)
    [run] = first.run_requests
    job = defs.resolve_job_def("ingest_report")
    assert job.execute_in_process(instance=instance, partition_key=run.partition_key,
                                  tags=run.tags).success
    (raw / "corrections.csv").write_text(
        "report,page,kpi,column,corrected_value,note\n"
        f"{pdf.name},2,Pratiche evase,achieved,8,misprint\n", encoding="utf-8")
    second = evaluate(instance, defs, first.cursor)
    [again] = second.run_requests
    assert again.partition_key == pdf.name
    assert again.tags[SHA256_TAG] == run.tags[SHA256_TAG]  # same PDF, new corrections
    [event] = second.asset_events  # the PDF did not change; its corrections did
    assert event.metadata["event"].value == "corrections changed"
    rerun = job.execute_in_process(instance=instance, partition_key=again.partition_key,
                                   tags=again.tags)
    assert rerun.success
    [extracted] = [m.materialization for m in rerun.get_asset_materialization_events()
                   if m.materialization.asset_key == AssetKey("extracted_kpi_rows")]
    assert extracted.metadata["reused_staged_extraction"].value is True
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT achieved, status FROM kpis WHERE kpi = 'Pratiche evase'"
                           ).fetchall() == [("8", "partial")]
    assert evaluate(instance, defs, second.cursor).run_requests == []
    # With an empty cursor too (a new sensor), it is known as handled.
    assert evaluate(instance, defs).run_requests == []


def test_unreadable_files_fail_in_their_own_runs_beside_the_good_ones(instance, raw,
                                                                      tmp_path):
    """Files dropped together: the empty and the encrypted one get a run each, which
    fails with its reason; the good ones get theirs, which load them."""
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    small_report(raw / "a_esempio_2020.pdf", year=2020)
    (raw / "b_vuoto.pdf").write_bytes(b"")
    build_report_pdf(raw / "c_riservato.pdf", [KpiTable("S", "A", [["Ob", "K", "1", "1",
                                                                     "100%"]])],
                     password="segreto")
    small_report(raw / "d_esempio_2021.pdf", year=2021)
    result = evaluate(instance, defs)
    assert [r.partition_key for r in result.run_requests] == [
        "a_esempio_2020.pdf", "b_vuoto.pdf", "c_riservato.pdf", "d_esempio_2021.pdf"]
    outcomes = {r.partition_key: launch(instance, defs, r).success
                for r in result.run_requests}
    assert outcomes == {"a_esempio_2020.pdf": True, "b_vuoto.pdf": False,
                        "c_riservato.pdf": False, "d_esempio_2021.pdf": True}
    with duckdb.connect(str(db), read_only=True) as con:
        ledger = con.execute("SELECT report, status, error FROM ledger_latest ORDER BY report"
                             ).fetchall()
    assert [row[:2] for row in ledger] == [("a_esempio_2020.pdf", "ingested"),
                                           ("b_vuoto.pdf", "failed"),
                                           ("c_riservato.pdf", "failed"),
                                           ("d_esempio_2021.pdf", "ingested")]
    assert "empty" in ledger[1][2] and "0 bytes" in ledger[1][2]
    assert "password required" in ledger[2][2]


def test_a_content_that_comes_back_is_requested_again(instance, raw, tmp_path):
    """The run key is the file's content and corrections with its partition's run count:
    a tick evaluated again asks for the same run (the daemon launches it once), and a
    correction removed again (the content ingested before it) gets a run of its own."""
    db = tmp_path / "w.duckdb"
    defs = build_definitions(database=str(db), raw_dir=str(raw))
    pdf = small_report(raw / "esempio_2021.pdf")
    first = evaluate(instance, defs)
    assert [r.run_key for r in evaluate(instance, defs).run_requests] == [
        r.run_key for r in first.run_requests]
    [run] = first.run_requests
    assert launch(instance, defs, run).success
    corrections = raw / "corrections.csv"
    corrections.write_text("report,page,kpi,column,corrected_value,note\n"
                           f"{pdf.name},2,Pratiche evase,achieved,8,misprint\n",
                           encoding="utf-8")
    second = evaluate(instance, defs, first.cursor)
    [corrected] = second.run_requests
    assert launch(instance, defs, corrected).success
    corrections.unlink()
    third = evaluate(instance, defs, second.cursor)
    [back] = third.run_requests
    assert back.tags[INPUT_TAG] == run.tags[INPUT_TAG]  # the first content again
    assert back.run_key not in {run.run_key, corrected.run_key}
    assert launch(instance, defs, back).success
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT achieved FROM kpis WHERE kpi = 'Pratiche evase'"
                           ).fetchall() == [("12",)]
