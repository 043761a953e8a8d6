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
