"""Write N synthetic performance reports (varied entities, years, layouts, page counts).

Usage (from the repo root):
    uv run python bench/make_corpus.py OUT_DIR [--reports 100] [--seed 7] [--pages-max 40]

Every report is generated from data with a fixed seed, so anyone can rebuild the same
corpus and reproduce the benchmark figures. Layouts come from tests/layouts.py (the
variants the extractor is tested on) when available, else from tests/pdfgen.py.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from pdfgen import KpiTable, build_report_pdf  # noqa: E402

CITIES = ["Milano", "Torino", "Bergamo", "Brescia", "Bologna", "Firenze", "Padova", "Verona",
          "Genova", "Parma", "Modena", "Trento", "Bari", "Napoli", "Palermo", "Cagliari"]
SECTIONS = [("Obiettivi Solidali: città più solidale", "CITTÀ PIÙ SOLIDALE"),
            ("Obiettivi Solidali: città digitale", "CITTÀ DIGITALE"),
            ("Indicatori di funzionamento dell'Ente", "Indicatori Finanziari"),
            ("Emergenza sanitaria: organizzazione dei servizi", "")]
KPI_SHAPES = [
    ("Numero di interventi realizzati", lambda r: str(r.randint(5, 400)),
     lambda r, t: str(int(int(t) * r.uniform(0.6, 1.4)))),
    ("Percentuale di pratiche evase nei tempi", lambda r: f"{r.randint(50, 95)}%",
     lambda r, t: f"{r.uniform(40, 100):.1f}%".replace(".", ",")),
    ("Tempo medio di risposta alle istanze", lambda r: f"{r.randint(5, 30)} giorni",
     lambda r, t: f"{r.uniform(2, 40):.1f} giorni".replace(".", ",")),
    ("Adozione del piano operativo", lambda r: "Entro il 31/12/{year}",
     lambda r, t: r.choice(["SI", "SI", "NO"])),
    ("Livello di qualità dei servizi erogati", lambda r: f">{r.randint(60, 80)}%",
     lambda r, t: f"{r.randint(50, 99)}%"),
]


def synthetic_tables(rng: random.Random, year: int, n_tables: int) -> list[KpiTable]:
    tables = []
    for t in range(n_tables):
        section, area = SECTIONS[t % len(SECTIONS)]
        rows = []
        for k in range(rng.randint(1, 4)):
            name, make_target, make_achieved = rng.choice(KPI_SHAPES)
            target = make_target(rng).format(year=year)
            rows.append([f"Obiettivo {t + 1}: miglioramento dei servizi",
                         f"{name} ({chr(65 + k)})", target, make_achieved(rng, target), "100%"])
        tables.append(KpiTable(section, area, rows, header=[
            "Obiettivo", "KPI", "Target", "Target Raggiunto", f"Risultato {year}"]))
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pages-max", type=int, default=40)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for i in range(args.reports):
        city = CITIES[i % len(CITIES)]
        year = 2015 + i // len(CITIES)  # one report per city and year, however many
        n_tables = rng.randint(3, max(3, args.pages_max - 1))
        title = f"La Valutazione della Performance {year} del Comune di {city}"
        path = args.out / f"{city.lower()}_performance_{year}_{i:04d}.pdf"
        build_report_pdf(path, synthetic_tables(rng, year, n_tables), title=title)
    print(f"wrote {args.reports} reports to {args.out}")


if __name__ == "__main__":
    main()
