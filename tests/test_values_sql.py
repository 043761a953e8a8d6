"""The SQL macros that read Italian cell values (sql/01_macros.sql)."""

from __future__ import annotations

import datetime as dt

import pytest

from perf_pipeline.warehouse.values import parse_values


@pytest.mark.parametrize(
    ("raw", "kind", "number", "unit", "comparator"),
    [
        ("19.365", "number", 19365.0, "count", None),
        ("6.300", "number", 6300.0, "count", None),
        ("37,25", "number", 37.25, "count", None),
        ("1000", "number", 1000.0, "count", None),
        ("2.5", "number", 2.5, "count", None),
        ("93,6%", "percent", 93.6, "percent", None),
        ("-3,70%", "percent", -3.7, "percent", None),
        ("−5 %", "percent", -5.0, "percent", None),
        (">70%", "threshold", 70.0, "percent", ">"),
        ("> 350", "threshold", 350.0, "count", ">"),
        ("<10%", "threshold", 10.0, "percent", "<"),
        ("≥ 1.200", "threshold", 1200.0, "count", ">="),
        ("< 30 giorni", "threshold", 30.0, "days", "<"),
        ("5 minuti", "duration", 5.0, "minutes", None),
        ("13,1 giorni", "duration", 13.1, "days", None),
        ("gg. 6", "duration", 6.0, "days", None),
        ("2 ore", "duration", 2.0, "hours", None),
    ],
)
def test_quantities(raw, kind, number, unit, comparator):
    parsed = parse_values([raw]).iloc[0]
    assert parsed["kind"] == kind
    assert parsed["number"] == pytest.approx(number)
    assert parsed["unit"] == unit
    assert (parsed["comparator"] or None) == comparator


@pytest.mark.parametrize(
    ("raw", "date", "comparator"),
    [
        ("Entro il 31/12/2020", dt.date(2020, 12, 31), "<="),
        ("31/12/2020", dt.date(2020, 12, 31), None),
        ("entro 30.06.2021", dt.date(2021, 6, 30), "<="),
    ],
)
def test_deadlines(raw, date, comparator):
    parsed = parse_values([raw]).iloc[0]
    assert parsed["kind"] == "date"
    assert parsed["date"].date() == date
    assert (parsed["comparator"] or None) == comparator


def test_yes_no_text_and_empty():
    parsed = parse_values(
        [
            "SI",
            "Sì",
            "NO",
            "Servizi garantiti",
            "10% dei lavoratori agili dell'ente",
            "59 docenti CIA\n7 educatori CIA\n156 docenti POLO",
            "",
            "l00%",
        ]
    )
    assert parsed["kind"].tolist() == [
        "yes_no",
        "yes_no",
        "yes_no",
        "text",
        "text",
        "text",
        "empty",
        "text",
    ]
    assert parsed["flag"].tolist()[:3] == [True, True, False]
    # OCR-like damage is not guessed into a number.
    assert parsed["number"].isna().iloc[3:].all()


def test_invalid_date_is_not_a_date():
    parsed = parse_values(["31/02/2020"]).iloc[0]
    assert parsed["kind"] == "date"
    assert str(parsed["date"]) == "NaT"


def test_not_available_markers_are_their_own_kind():
    markers = ["n.d.", "N.D.", "n. d.", "nd", "n.v.", "N/A", "-", "–", "—",
               "non disponibile", "Non valutabile"]
    parsed = parse_values(markers + ["nd 5", "Servizi non disponibili in sede"])
    assert parsed["kind"].tolist() == ["not_available"] * len(markers) + ["text", "text"]
    assert parsed["number"].isna().all()
