"""Scoring rules of sql/03_score_kpis.sql on hand-made KPI rows in a real DuckDB."""

from __future__ import annotations

import pytest
from warehouse_rows import load_rows

from perf_pipeline.warehouse import store


@pytest.fixture
def con():
    with store.connect(":memory:") as con:
        yield con


def score_one(con, tmp_path, **cells):
    return load_rows(con, tmp_path, "r.pdf", [cells]).iloc[0]


@pytest.mark.parametrize(
    ("target", "achieved", "method", "score", "status", "direction"),
    [
        # higher is better: a capped ratio
        ("800", "639", "ratio_higher_is_better", 79.875, "partial", "higher_is_better"),
        ("70%", "93,6%", "ratio_higher_is_better", 100.0, "met", "higher_is_better"),
        ("19.000", "19.365", "ratio_higher_is_better", 100.0, "met", "higher_is_better"),
        ("10", "0", "ratio_higher_is_better", 0.0, "not met", "higher_is_better"),
        # lower is better: durations and negative (reduction) targets
        ("5 minuti", "2,4 minuti", "ratio_lower_is_better", 100.0, "met", "lower_is_better"),
        ("10 giorni", "12,5 giorni", "ratio_lower_is_better", 80.0, "partial", "lower_is_better"),
        (
            "1 ore",
            "90 minuti",
            "ratio_lower_is_better",
            60 / 90 * 100,
            "partial",
            "lower_is_better",
        ),
        ("gg. 6", "gg. 6", "ratio_lower_is_better", 100.0, "met", "lower_is_better"),
        ("-5%", "-14,1%", "ratio_lower_is_better", 100.0, "met", "lower_is_better"),
        ("-5%", "-3%", "ratio_lower_is_better", 0.0, "not met", "lower_is_better"),
        # thresholds: met or not
        (">70%", "78%", "threshold", 100.0, "met", "higher_is_better"),
        (">70%", "70%", "threshold", 0.0, "not met", "higher_is_better"),
        ("> 350", "450", "threshold", 100.0, "met", "higher_is_better"),
        ("<10%", "-3,70%", "threshold", 100.0, "met", "lower_is_better"),
        ("<10%", "12%", "threshold", 0.0, "not met", "lower_is_better"),
        # deadlines
        ("Entro il 31/12/2020", "SI", "deadline", 100.0, "met", "not_applicable"),
        ("Entro il 31/12/2020", "NO", "deadline", 0.0, "not met", "not_applicable"),
        ("31/12/2020", "15/11/2020", "deadline", 100.0, "met", "not_applicable"),
        ("31/12/2020", "31/01/2021", "deadline", 0.0, "not met", "not_applicable"),
        # yes/no and qualitative targets
        ("SI", "SI", "yes_no", 100.0, "met", "not_applicable"),
        ("Servizi garantiti", "SI", "qualitative_yes_no", 100.0, "met", "not_applicable"),
        (
            "10% dei lavoratori agili dell'ente",
            "100%",
            "qualitative_completion",
            100.0,
            "met",
            "not_applicable",
        ),
        ("Piano approvato", "60%", "qualitative_completion", 60.0, "partial", "not_applicable"),
    ],
)
def test_scoring_rules(con, tmp_path, target, achieved, method, score, status, direction):
    row = score_one(con, tmp_path, target=target, achieved=achieved, score_reported="100%")
    assert row["method"] == method
    assert row["score_recomputed"] == pytest.approx(score)
    assert row["status"] == status
    assert row["direction"] == direction
    assert row["target"] == target and row["achieved"] == achieved  # raw kept beside parsed


@pytest.mark.parametrize(
    ("target", "achieved", "reason"),
    [
        ("", "5", "no target printed"),
        ("5", "", "no achieved value printed"),
        ("70%", "12", "units differ: target percent, achieved count"),
        (">70%", "5 giorni", "units differ: target percent, achieved days"),
        ("Entro il 31/12/2020", "75%", "deadline target needs SI/NO or a date"),
        ("Servizi garantiti", "tutti", "cannot compare a text target with a text achieved"),
        ("n.d.", "12", "target not available"),
        ("70%", "N.D.", "achieved value not available"),
        ("70%", "—", "achieved value not available"),
    ],
)
def test_unscorable_rows_are_kept_with_a_reason(con, tmp_path, target, achieved, reason):
    row = score_one(con, tmp_path, target=target, achieved=achieved, score_reported="100%")
    assert row["status"] == "unscorable"
    assert row["method"] == "unscorable"
    assert row["score_recomputed"] != row["score_recomputed"]  # NaN: no score invented
    assert reason in row["unscorable_reason"]


def test_direction_override_table_wins_over_rules(con, tmp_path):
    # A bare number target is higher-is-better by default...
    plain = score_one(con, tmp_path, kpi="Numero di pratiche evase", target="6", achieved="8")
    assert (plain["direction"], plain["status"]) == ("higher_is_better", "met")
    # ...but an entry of sql/seeds/direction_overrides.csv turns a waiting time around.
    waiting = score_one(
        con, tmp_path, kpi="Tempo medio di attesa allo sportello", target="6", achieved="8"
    )
    assert waiting["direction"] == "lower_is_better"
    assert waiting["direction_rule"].startswith("override:")
    assert waiting["score_recomputed"] == pytest.approx(75.0)


@pytest.mark.parametrize(
    ("target", "achieved", "printed", "discrepancy"),
    [
        ("800", "639", "79,87%", False),  # 79.875 truncated
        ("800", "639", "79,88%", False),  # 79.875 rounded
        ("800", "639", "80%", False),  # rounded to the printed precision (no decimals)
        ("800", "639", "79,80%", True),
        ("800", "639", "100%", True),
        ("70%", "93,6%", "100%", False),
        ("Entro il 31/12/2020", "NO", "SI", True),
        ("Entro il 31/12/2020", "SI", "SI", False),
    ],
)
def test_discrepancy_rule(con, tmp_path, target, achieved, printed, discrepancy):
    row = score_one(con, tmp_path, target=target, achieved=achieved, score_reported=printed)
    assert bool(row["is_discrepancy"]) is discrepancy
    listed = con.execute("SELECT count(*) FROM score_discrepancies").fetchall()[0][0]
    assert listed == int(discrepancy)
