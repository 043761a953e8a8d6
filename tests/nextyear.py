"""A next-year (2021) variant of the 2020 Milano fixture, generated from its ground truth.

The rows of tests/milano_2020_kpis.csv are copied with "2020" → "2021" in every cell,
then changed: some values (a few KPIs no longer met), one KPI reworded, one dropped,
one added, and the score column headed "Risultato 2021". Each fixture slide with a KPI
table becomes one page (after a cover page), so the generated PDF's ground truth is
`NextYearReport.rows` and every expectation of the tests derives from the data here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pdfgen import KpiTable, build_report_pdf

GROUND_TRUTH_2020 = Path(__file__).with_name("milano_2020_kpis.csv")
FILE_NAME = "milano_performance_2021.pdf"
YEAR = 2021
ENTITY = "Comune di Milano"
TITLE = "La Valutazione della Performance 2021 del Comune di Milano"
SCORE_HEADER = "Risultato 2021"

# 2020 KPI text -> (target, achieved, printed score) in 2021, with the recomputed status.
CHANGED = {
    "Buoni spesa distribuiti": ("19.000", "15.200", "80%", "partial"),
    "Contatti censiti nel CRM": ("> 50%", "42%", "0%", "not met"),
    "Definizione Layout": ("Entro il 31/12/2021", "NO", "0%", "not met"),
    "Consegna degli alloggi agli utenti": ("800", "812", "100%", "met"),
    "Case sfitte recuperate": ("30%", "41,5%", "100%", "met"),
}
# Reworded between the years: the fuzzy rule must link them (similarity 95.7 >= 90).
REWORDED = {
    "N. nuove entrate abilitate ai pagamenti on line":
        "Numero di nuove entrate abilitate ai pagamenti online",
}
DROPPED = "Richieste con ELIXFORM"
# Added after the last row of the "Implementazione Piattaforma ERP" table (slide 9).
ADDED_AFTER_SLIDE = 9
ADDED = {
    "objective": "Implementazione Piattaforma ERP",
    "kpi": "Migrazione dei servizi applicativi sul cloud",
    "target": "50%",
    "achieved": "65%",
    "score_reported": "100%",
}
CELLS = ["objective", "kpi", "target", "achieved", "score_reported"]


@dataclass
class NextYearReport:
    path: Path
    rows: list[dict]  # one dict per printed KPI row: page, section, area, objective, kpi, ...


def fixture_rows() -> list[dict]:
    with open(GROUND_TRUTH_2020, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def next_year_rows() -> list[dict]:
    """The 2021 rows, in document order, with the fixture slide they come from."""
    rows = []
    for old in fixture_rows():
        if old["kpi"] == DROPPED:
            continue
        row = {k: v.replace("2020", "2021") for k, v in old.items()}
        row["kpi"] = REWORDED.get(old["kpi"], row["kpi"])
        if old["kpi"] in CHANGED:
            row["target"], row["achieved"], row["score_reported"], _ = CHANGED[old["kpi"]]
        rows.append(row)
    last_of_slide = max(i for i, r in enumerate(rows) if int(r["slide"]) == ADDED_AFTER_SLIDE)
    template = rows[last_of_slide]
    rows.insert(last_of_slide + 1, {**template, **ADDED})
    return rows


def build_next_year_report(directory: Path) -> NextYearReport:
    """Write the 2021 report PDF into ``directory``; return it with its ground truth."""
    rows = next_year_rows()
    slides: dict[str, list[dict]] = {}
    for row in rows:
        slides.setdefault(row["slide"], []).append(row)
    tables, truth = [], []
    for page, slide_rows in enumerate(slides.values(), start=2):  # page 1 is the cover
        has_objective = any(r["objective"] for r in slide_rows)
        columns = CELLS if has_objective else CELLS[1:]
        header = (["Obiettivo"] if has_objective else []) + [
            "KPI", "Target", "Target Raggiunto", SCORE_HEADER
        ]
        first = slide_rows[0]
        tables.append(KpiTable(
            section=first["section"],
            area=first["area"],
            rows=[[r[c] for c in columns] for r in slide_rows],
            header=header,
            merge_columns=(0,) if has_objective else (),
        ))
        truth += [{"page": page, **{k: v for k, v in r.items() if k != "slide"}}
                  for r in slide_rows]
    path = build_report_pdf(Path(directory) / FILE_NAME, tables, title=TITLE)
    return NextYearReport(path=path, rows=truth)


def expected_status(kpi_2021: str) -> str:
    """Recomputed status of a 2021 KPI: the changed ones as listed, every other one met
    (the only 2020 KPI not met in full is changed to be met)."""
    for old, (_, _, _, status) in CHANGED.items():
        if kpi_2021 == old.replace("2020", "2021"):
            return status
    return "met"
