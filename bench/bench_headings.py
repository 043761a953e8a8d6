"""Section/area and cell accuracy per variant, and extraction seconds, before vs after.

Usage (from the repo root):
    uv run python bench/bench_headings.py [--before /work/main] [--corpus DIR]
        [--seeds 7 11 23] [--repeat 3]

Prints fixtures are built once (by this tree's tests/ generators, so both sides read the
same files): the document styles of tests/documents.py (several seeds each), the layout
variants of tests/layouts.py and the Milano fixture. Each file is extracted by this tree
and, with --before, by another checkout's own code and venv (e.g. main's worktree), in
subprocesses of this same run. Per variant: cell accuracy (objective..score_reported),
section/area accuracy (a row counts when both are right), and the median extraction
seconds; then the total seconds on --corpus (e.g. PDFs written by bench/make_corpus.py,
text-only pages), so a slowdown of text pages shows.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

FIELDS = ["objective", "kpi", "target", "achieved", "score_reported"]

# Run in the checkout being measured: extract each file, print rows and median seconds.
WORKER = r"""
import json, statistics, sys, time
from perf_pipeline.extract import extract_report
repeat = int(sys.argv[1])
out = {}
for pdf in sys.argv[2:]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        ex = extract_report(pdf)
        times.append(time.perf_counter() - started)
    out[pdf] = {"seconds": statistics.median(times),
                "rows": [{k: r[k] for k in ("section", "area", "objective", "kpi", "target",
                          "achieved", "score_reported")} for r in ex.records]}
print(json.dumps(out))
"""


def fold(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def build_fixtures(folder: Path, seeds: list[int]) -> dict[str, list[tuple[Path, list[dict]]]]:
    """variant -> [(pdf, expected rows with section and area)]."""
    from documents import STYLES, build_document
    from layouts import VARIANTS, build_variant

    variants: dict[str, list[tuple[Path, list[dict]]]] = {}
    for name in STYLES:
        for seed in seeds:
            pdf, tables = build_document(folder / f"doc_{name}_{seed}.pdf", name, seed)
            rows = [{"section": t.section, "area": t.area, **r} for t in tables for r in t.rows]
            variants.setdefault(f"document:{name}", []).append((pdf, rows))
    for name in VARIANTS:
        pdf, tables = build_variant(folder / f"layout_{name}.pdf", name)
        rows = [{"section": t.section, "area": t.area, **{f: r[f] for f in FIELDS}}
                for t in tables for r in t.rows]
        variants[f"layout:{name}"] = [(pdf, rows)]
    milano = REPO / "raw" / "milano_performance_2020.pdf"
    with open(REPO / "tests" / "milano_2020_kpis.csv", newline="", encoding="utf-8") as fh:
        variants["milano"] = [(milano, list(csv.DictReader(fh)))]
    return variants


def run(checkout: Path, pdfs: list[Path], repeat: int) -> dict:
    python = checkout / ".venv" / "bin" / "python"
    done = subprocess.run([str(python), "-c", WORKER, str(repeat), *map(str, pdfs)],
                          cwd=checkout, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def timed_alternately(sides: dict[str, Path], pdfs: list[Path], repeat: int,
                      rounds: int = 2) -> dict[str, dict]:
    """Each side run ``rounds`` times, taking turns (the machine's load hits both alike);
    each file keeps its fastest round."""
    best: dict[str, dict] = {}
    for _ in range(rounds):
        for side, path in sides.items():
            for pdf, result in run(path, pdfs, repeat).items():
                kept = best.setdefault(side, {}).setdefault(pdf, result)
                kept["seconds"] = min(kept["seconds"], result["seconds"])
    return best


def score(got: list[dict], want: list[dict]) -> tuple[int, int, int]:
    """(cells right, rows with section and area right, rows expected)."""
    cells = heads = 0
    for i, exp in enumerate(want):
        row = got[i] if i < len(got) else {}
        cells += sum(fold(row.get(f, "\0")) == fold(exp[f]) for f in FIELDS)
        heads += (fold(row.get("section", "\0")) == fold(exp["section"])
                  and fold(row.get("area", "\0")) == fold(exp["area"]))
    return cells, heads, len(want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout (with .venv) to compare")
    parser.add_argument("--corpus", type=Path, help="a folder of PDFs to time")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sides = {"after": REPO} | ({"before": args.before.resolve()} if args.before else {})
    with tempfile.TemporaryDirectory() as tmp:
        variants = build_fixtures(Path(tmp), args.seeds)
        pdfs = [pdf for files in variants.values() for pdf, _ in files]
        results = timed_alternately(sides, pdfs, args.repeat)
    header = f"{'variant':32}" + "".join(
        f" | {side}: cells  sec/area  seconds" for side in sides)
    print(header)
    for name, files in variants.items():
        line = f"{name:32}"
        for side in sides:
            cells = heads = rows = 0
            seconds = 0.0
            for pdf, want in files:
                got = results[side][str(pdf)]
                c, h, n = score(got["rows"], want)
                cells, heads, rows = cells + c, heads + h, rows + n
                seconds += got["seconds"]
            line += f" | {side}: {cells / (rows * len(FIELDS)):.3f}  {heads / rows:8.3f}  " \
                    f"{seconds:7.3f}"
        print(line)
    if args.corpus:
        corpus = sorted(args.corpus.glob("*.pdf"))
        timed = timed_alternately(sides, corpus, args.repeat)
        for side in sides:
            total = sum(r["seconds"] for r in timed[side].values())
            print(f"corpus {args.corpus} ({len(corpus)} PDFs) {side}: {total:.2f} s")


if __name__ == "__main__":
    main()
