"""A report that prints `n.d.` (non disponibile) for values it does not have loads whole:
those rows are unscorable with the reason, the others are scored."""

from __future__ import annotations

from pdfgen import KpiTable, build_report_pdf
from test_multiyear import cli, new_setup, query

HEADER = ["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2021"]
ROWS = [
    ["Servizi più veloci", "Pratiche evase entro 30 giorni", "80%", "86%", "100%"],
    ["Servizi più veloci", "Sportelli aperti il sabato", "5", "n.d.", "n.d."],
    ["Servizi più veloci", "Tempo medio di attesa", "< 20 minuti", "15 minuti", "100%"],
    ["Servizi più veloci", "Reclami gestiti", "90%", "N.D.", "-"],
]


def test_a_report_with_not_available_cells_loads_whole(tmp_path):
    raw, db, env = new_setup(tmp_path)
    build_report_pdf(raw / "bologna_2021.pdf", [KpiTable("Sezione", "Area", ROWS,
                                                          header=HEADER)],
                     title="La Valutazione della Performance 2021 del Comune di Bologna")
    out = cli(env, "ingest")
    assert "  ok     bologna_2021.pdf" in out
    rows = query(db, "SELECT kpi, achieved_kind, status, unscorable_reason FROM kpis "
                     "ORDER BY row_index")
    assert rows == [
        ("Pratiche evase entro 30 giorni", "percent", "met", None),
        ("Sportelli aperti il sabato", "not_available", "unscorable",
         "achieved value not available (printed as not available)"),
        ("Tempo medio di attesa", "duration", "met", None),
        ("Reclami gestiti", "not_available", "unscorable",
         "achieved value not available (printed as not available)"),
    ]
    assert query(db, "SELECT status FROM ledger_latest") == [("ingested",)]


def test_quality_findings_say_where_what_and_why(tmp_path):
    """quality_issues (and `perf-pipeline quality`) name report, page, KPI, cell and the
    printed value: an OCR-like slip, an absurd score, a disagreeing score, n.d. cells."""
    raw, db, env = new_setup(tmp_path)
    rows = ROWS + [["Servizi più veloci", "Domande accolte", "80%", "l00%", "100%"],
                   ["Servizi più veloci", "Pratiche digitali", "10", "12",
                    "99999%"],
                   ["Servizi più veloci", "Pagamenti online", "10", "5", "100%"]]
    build_report_pdf(raw / "bologna_2021.pdf", [KpiTable("Sezione", "Area", rows,
                                                          header=HEADER)],
                     title="La Valutazione della Performance 2021 del Comune di Bologna")
    cli(env, "ingest")
    found = query(db, 'SELECT page, kpi, "column", value, "check", severity '
                      "FROM quality_issues WHERE severity = 'warning'")
    assert found == [
        (2, "Domande accolte", "achieved", "l00%", "ocr_slip", "warning"),
        (2, "Pratiche digitali", "score_reported", "99999%",
         "implausible_score", "warning"),
        (2, "Pagamenti online", "score_reported", "100%", "score_disagrees", "warning"),
    ]
    not_available = query(db, 'SELECT kpi, "column" FROM quality_issues '
                              """WHERE "check" = 'not_available'""")
    assert not_available == [("Sportelli aperti il sabato", "achieved"),
                             ("Sportelli aperti il sabato", "score_reported"),
                             ("Reclami gestiti", "achieved"),
                             ("Reclami gestiti", "score_reported")]
    out = cli(env, "quality")
    assert "page 2: Domande accolte [achieved: 'l00%']" in out
    assert "warning ocr_slip: looks like a number misread" in out
    assert out.strip().endswith("3 finding(s)")
    assert (db.parent / "exports" / "quality_issues.parquet").exists()


def test_a_few_unreadable_scores_load_flagged_but_misaligned_columns_are_blocked(tmp_path):
    raw, db, env = new_setup(tmp_path)
    good = [["Ob", f"KPI {n}", "10", "12", "100%"] for n in range(8)]
    slips = good[:6] + [["Ob", "KPI letto male", "10", "12", "l00%"],
                        ["Ob", "KPI con nota", "10", "12", "vedi nota"]]  # 2 of 8: 25%
    few = good[:8] + [slips[6]]  # 1 of 9 unreadable: loads
    build_report_pdf(raw / "a_pochi.pdf", [KpiTable("Sezione", "Area", few, header=HEADER)],
                     title="La Valutazione della Performance 2021 del Comune di Parma")
    build_report_pdf(raw / "b_molti.pdf", [KpiTable("Sezione", "Area", slips, header=HEADER)],
                     title="La Valutazione della Performance 2021 del Comune di Rimini")
    out = cli(env, "ingest", code=1)
    assert "  ok     a_pochi.pdf" in out and "  failed b_molti.pdf" in out
    assert "check failed: extracted_rows_match_schema" in out
    # The reason, in words, from quality/rules.py: a reviewer knows what to look at.
    assert "score_reported_parses (threshold 0.2): more than this share of a report's " \
        "printed scores read as no score: columns shifted" in out
    reason = query(db, "SELECT error FROM ledger_latest WHERE report = 'b_molti.pdf'")[0][0]
    assert "columns shifted" in reason and "what to do: check the table layout" in reason
    assert query(db, 'SELECT kpi, value, "check" FROM quality_issues '
                     "WHERE severity = 'warning'") == [("KPI letto male", "l00%", "ocr_slip")]
    assert query(db, "SELECT count(*) FROM kpis WHERE report = 'a_pochi.pdf'") == [(9,)]
