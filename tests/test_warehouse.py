"""Loading is per report, transactional and idempotent; the DDL matches the pandera model."""

from __future__ import annotations

import duckdb
import pytest
from warehouse_rows import kpi_frame, load_rows

from perf_pipeline.quality.columns import EXTRACTED_COLUMNS
from perf_pipeline.warehouse import store

CELLS = [
    {"kpi": "A", "target": "10", "achieved": "12", "score_reported": "100%"},
    {"kpi": "B", "target": "800", "achieved": "639", "score_reported": "79,87%"},
]


def counts(con) -> dict[str, int]:
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        for table in ("reports", "kpi_rows", "kpi_scores")
    }


def test_kpi_rows_table_has_the_pandera_columns_in_order():
    with store.connect(":memory:") as con:
        columns = [r[0] for r in con.execute("DESCRIBE kpi_rows").fetchall()]
    assert columns == EXTRACTED_COLUMNS


def test_reload_replaces_a_report_and_leaves_others(tmp_path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        load_rows(con, tmp_path, "one.pdf", CELLS)
        load_rows(con, tmp_path, "two.pdf", CELLS[:1], entity="Comune di Altro")
        before = counts(con)
        load_rows(con, tmp_path, "one.pdf", CELLS)
        assert counts(con) == before == {"reports": 2, "kpi_rows": 3, "kpi_scores": 3}
        # A smaller new version of one report shrinks only that report.
        load_rows(con, tmp_path, "one.pdf", CELLS[1:])
        per_report = dict(
            con.execute("SELECT report, count(*) FROM kpi_rows GROUP BY report").fetchall()
        )
    assert per_report == {"one.pdf": 1, "two.pdf": 1}


def test_failed_load_rolls_back_and_keeps_previous_rows(tmp_path):
    with store.connect(tmp_path / "w.duckdb") as con:
        load_rows(con, tmp_path, "one.pdf", CELLS)
        load_rows(con, tmp_path, "two.pdf", CELLS, entity="Comune di Altro")
        before = con.execute("SELECT * FROM kpi_rows ORDER BY report, page, row_index").df()
        broken = kpi_frame("one.pdf", CELLS + CELLS)  # same (page, row_index) twice
        broken.loc[2:, "row_index"] = [1, 2]
        from perf_pipeline.extract import Extraction
        from perf_pipeline.extract.identity import ReportIdentity

        extraction = Extraction(
            report="one.pdf", path=tmp_path / "one.pdf", records=broken.to_dict("records"),
            pages=1, kpi_tables=1, seconds=0.0,
            identity=ReportIdentity("Comune di Test", 2021, "t", "document", "document"))
        with pytest.raises(duckdb.ConstraintException):
            store.load_report(con, extraction)
        after = con.execute("SELECT * FROM kpi_rows ORDER BY report, page, row_index").df()
    assert after.equals(before)


def test_summaries_count_each_kpi_once(tmp_path):
    cells = CELLS + [dict(CELLS[0], is_duplicate=True, duplicate_of="p1r1", page=2)]
    with store.connect(":memory:") as con:
        load_rows(con, tmp_path, "one.pdf", cells)
        rows = store.refresh_summaries(con)
        tables = {name: con.execute(f"SELECT * FROM {name}").df() for name in rows}
    report = tables["summary_by_report"].iloc[0]
    assert (report["kpis"], report["met"], report["partial"]) == (2, 1, 1)
    assert report["mean_score_recomputed"] == pytest.approx((100 + 79.875) / 2)
    status = tables["summary_by_status"].set_index("status")["kpis"].to_dict()
    assert status == {"met": 1, "partial": 1}


def test_read_only_connection_does_not_write(tmp_path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        load_rows(con, tmp_path, "one.pdf", CELLS)
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM kpis").fetchall()[0][0] == 2
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM kpi_rows")


def test_schema_is_reapplied_only_when_the_sql_changes(tmp_path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        assert con.execute("SELECT fingerprint FROM warehouse_schema").fetchall() == [
            (store.schema_fingerprint(),)
        ]
        con.execute("DROP VIEW score_discrepancies")
    with store.connect(db) as con:  # same SQL: nothing is re-run
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        assert ("score_discrepancies",) not in views
        con.execute("UPDATE warehouse_schema SET fingerprint = 'built from older SQL'")
    with store.connect(db) as con:  # other SQL: applied again
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        assert ("score_discrepancies",) in views


def test_a_warehouse_from_before_snapshots_becomes_the_working_copy(tmp_path):
    """An existing data/perf.duckdb (written directly, as before) is taken over whole,
    including what is still only in its WAL; the published file is then the snapshot."""
    import duckdb

    db = tmp_path / "perf.duckdb"
    with duckdb.connect(str(db)) as old:
        old.execute("PRAGMA disable_checkpoint_on_shutdown")
        old.execute("CREATE TABLE notes AS SELECT 'kept' AS note")
    with store.connect(db) as con:
        assert con.execute("SELECT note FROM notes").fetchall() == [("kept",)]
        con.execute("INSERT INTO notes VALUES ('added')")
    assert store.working_path(db).exists()
    with duckdb.connect(str(db), read_only=True) as published:
        assert published.execute("SELECT note FROM notes ORDER BY note").fetchall() == [
            ("added",), ("kept",)]


def test_an_absurd_printed_score_is_flagged_and_left_out_of_the_mean(tmp_path):
    cells = CELLS + [{"kpi": "C", "target": "10", "achieved": "12",
                      "score_reported": "999999999999999999999%"}]
    with store.connect(":memory:") as con:
        load_rows(con, tmp_path, "one.pdf", cells)
        store.refresh_summaries(con)
        report = con.execute("SELECT * FROM summary_by_report").df().iloc[0]
        [(flagged,)] = con.execute(
            "SELECT list(kpi ORDER BY kpi) FROM score_discrepancies").fetchall()
    assert report["implausible_scores"] == 1
    assert report["mean_score_reported"] == pytest.approx((100 + 79.87) / 2)
    assert "C" in flagged  # printed far from what target and achieved give
