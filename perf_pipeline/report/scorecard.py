"""The scorecard: a static site that a council member, an auditor or a journalist reads.

`write_scorecard` reads the warehouse (any DuckDB connection to it) and writes

    <out>/index.html              per entity and year: share of KPIs met / partial / not
                                  met / unscorable, by area, year-over-year changes
    <out>/reports/<slug>.html     one page per report: every counted KPI with target,
                                  achieved, printed and recomputed score, status, change
                                  since the previous year and open quality issues, each
                                  linked to the picture of its row and to its PDF page
    <out>/assets/                 the style sheet and the charts (matplotlib SVG files)
    <out>/sources/<sha256>/...    the row pictures (report/crops.py), linked or copied
                                  from the warehouse's folder

No server, no network: every link is a relative path. Labels are Italian or English
(LABELS), numbers are formatted by Babel for the same locale. The site is written only
when what it shows changed (a digest of its inputs is kept in <out>/.inputs).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from . import charts

STATUSES = ["met", "partial", "not met", "unscorable"]
STATUS_COLOURS = {"met": "#2e7d32", "partial": "#f9a825", "not met": "#c62828",
                  "unscorable": "#9e9e9e"}
LOCALES = {"it": "it_IT", "en": "en_GB"}
TEMPLATES = Path(__file__).parent / "templates"
INPUTS_FILE = ".inputs"
LABELS = {
    "it": {
        "title": "Scorecard degli obiettivi di performance",
        "intro": "Quota di KPI raggiunti, parzialmente raggiunti, non raggiunti e non "
                 "valutabili, per ente e anno. Ogni numero rimanda alla riga del PDF da cui "
                 "è stato letto.",
        "no_reports": "Nessun report nel warehouse.",
        "entity": "Ente", "year": "Anno", "report": "Report", "kpis": "KPI",
        "met": "raggiunto", "partial": "parziale", "not met": "non raggiunto",
        "unscorable": "non valutabile",
        "share": "quota", "share_met": "KPI raggiunti", "change_pp": "variazione (p.p.)",
        "by_area": "Per area", "area": "Area", "objective": "Obiettivo", "kpi": "KPI",
        "target": "Target", "achieved": "Raggiunto", "score_reported": "Punteggio stampato",
        "score_recomputed": "Punteggio ricalcolato", "status": "Stato",
        "open_issues": "Problemi aperti", "source": "Fonte", "row_picture": "riga",
        "page": "pag.", "vs_previous": "Rispetto all'anno precedente",
        "year_over_year": "Andamento anno su anno", "improved": "migliorati",
        "worsened": "peggiorati", "added": "nuovi", "dropped": "non più presenti",
        "discrepancies": "punteggi stampati in disaccordo con il ricalcolo",
        "back": "Tutti i report", "dropped_kpis": "KPI dell'anno precedente non più presenti",
        "chart_status": "Esito dei KPI per ente e anno",
        "chart_area": "Esito dei KPI per area",
        "chart_area_years": "KPI raggiunti per area e anno",
        "first report": "primo report", "unchanged": "invariato", "not comparable":
        "non confrontabile", "points": "punti", "kpis_counted": "KPI valutati",
        "generated_from": "Generato dal warehouse",
    },
    "en": {
        "title": "Performance objectives scorecard",
        "intro": "Share of KPIs met, partly met, not met and unscorable, per entity and "
                 "year. Every number links to the PDF row it was read from.",
        "no_reports": "No report in the warehouse.",
        "entity": "Entity", "year": "Year", "report": "Report", "kpis": "KPIs",
        "met": "met", "partial": "partial", "not met": "not met",
        "unscorable": "unscorable",
        "share": "share", "share_met": "KPIs met", "change_pp": "change (pp)",
        "by_area": "By area", "area": "Area", "objective": "Objective", "kpi": "KPI",
        "target": "Target", "achieved": "Achieved", "score_reported": "Printed score",
        "score_recomputed": "Recomputed score", "status": "Status",
        "open_issues": "Open issues", "source": "Source", "row_picture": "row",
        "page": "p.", "vs_previous": "Against the previous year",
        "year_over_year": "Year over year", "improved": "improved",
        "worsened": "worsened", "added": "added", "dropped": "dropped",
        "discrepancies": "printed scores that disagree with the recomputed ones",
        "back": "All reports", "dropped_kpis": "KPIs of the previous year no longer reported",
        "chart_status": "KPI outcome per entity and year",
        "chart_area": "KPI outcome by area",
        "chart_area_years": "KPIs met by area and year",
        "first report": "first report", "unchanged": "unchanged", "not comparable":
        "not comparable", "points": "points", "kpis_counted": "KPIs scored",
        "generated_from": "Generated from the warehouse",
    },
}


class ScorecardError(ValueError):
    """The scorecard cannot be written (unknown language, no warehouse)."""


@dataclass
class Numbers:
    """Numbers in the audience's locale (Babel), never formatted by hand."""

    locale: str

    def count(self, value) -> str:
        from babel.numbers import format_decimal

        return format_decimal(int(value), locale=self.locale)

    def score(self, value) -> str:
        """A score in percentage points (0-100, or over for over-achievement)."""
        from babel.numbers import format_percent

        return "" if pd.isna(value) else format_percent(
            float(value) / 100, format="#,##0.##%", locale=self.locale)

    def share(self, part, whole) -> str:
        from babel.numbers import format_percent

        return "" if not whole else format_percent(
            part / whole, format="#,##0.#%", locale=self.locale)

    def change(self, value) -> str:
        from babel.numbers import format_decimal

        return "" if pd.isna(value) else format_decimal(
            float(value), format="+#,##0.#;-#,##0.#", locale=self.locale)


def slug(entity: str, year, report: str) -> str:
    """A file name for a report's page: readable, and unique through the report's name."""
    words = re.sub(r"[^a-z0-9]+", "-", entity.lower()).strip("-")[:60] or "report"
    return f"{words}-{year or 'na'}-{hashlib.sha256(report.encode()).hexdigest()[:6]}"


def read_inputs(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """What the scorecard shows, from the warehouse's tables and views."""
    queries = {
        "reports": "SELECT report, entity, year, title, pages, sha256 FROM reports "
                   "ORDER BY entity, year NULLS LAST, report",
        "by_report": "SELECT * FROM summary_by_report ORDER BY entity, year, report",
        "area_trends": "SELECT * FROM trend_by_area ORDER BY entity, area_key, year",
        "kpis": """SELECT k.report, k.entity, k.year, k.page, k.row_index, k.section,
                          coalesce(nullif(k.area, ''), k.section) AS area_label,
                          k.objective, k.kpi, k.target, k.achieved, k.score_reported,
                          k.score_recomputed, k.status, k.unscorable_reason,
                          k.is_discrepancy, k.open_issues, k.source_image,
                          t.change, t.score_change, t.previous_status
                   FROM kpis k
                   LEFT JOIN kpi_trends t USING (report, page, row_index)
                   WHERE NOT k.is_duplicate
                   ORDER BY k.report, k.page, k.row_index""",
        "dropped": """SELECT report, previous_kpi, previous_status FROM kpi_trends
                      WHERE change = 'dropped' ORDER BY report, previous_kpi""",
        "issues": """SELECT report, page, row_index, "check", message FROM quality_issues
                     WHERE severity <> 'info' AND row_index IS NOT NULL
                     ORDER BY report, page, row_index, "check", "column" """,
    }
    return {name: con.execute(sql).df() for name, sql in queries.items()}


def write_scorecard(con: duckdb.DuckDBPyConnection, warehouse_folder: str | Path,
                    out: str | Path, language: str = "it",
                    raw_dir: str | Path | None = None) -> Path:
    """Write the site for the warehouse ``con`` into ``out`` (row pictures are read from
    ``warehouse_folder``, PDF pages linked in ``raw_dir`` when given) and return the
    path of its index.html. Nothing is rewritten when its inputs did not change."""
    if language not in LABELS:
        raise ScorecardError(f"unknown language {language!r}: use one of {sorted(LABELS)}")
    out, folder = Path(out), Path(warehouse_folder)
    inputs = read_inputs(con)
    digest = _digest(inputs, language, out, folder, raw_dir)
    index = out / "index.html"
    marker = out / INPUTS_FILE
    if index.is_file() and marker.is_file() and marker.read_text() == digest:
        return index
    Site(inputs, out, folder, language, raw_dir).write()
    _write(marker, digest)
    return index


def _digest(inputs: dict[str, pd.DataFrame], *settings) -> str:
    sha = hashlib.sha256(repr([str(s) for s in settings]).encode())
    for name, frame in sorted(inputs.items()):
        sha.update(name.encode() + b"\0" + frame.to_csv(index=False).encode())
    for code in [Path(__file__), *sorted(TEMPLATES.iterdir())]:
        sha.update(code.read_bytes())
    return sha.hexdigest()


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if isinstance(content, bytes):
        partial.write_bytes(content)
    else:
        partial.write_text(content, encoding="utf-8")
    os.replace(partial, path)


def _place(source: Path, target: Path) -> bool:
    """The row picture in the site: a hard link where the file system allows, a copy
    otherwise; False when the warehouse has no such picture."""
    if target.is_file():
        return True
    if not source.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return True


class Site:
    def __init__(self, inputs: dict[str, pd.DataFrame], out: Path, folder: Path,
                 language: str, raw_dir: str | Path | None):
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        self.inputs, self.out, self.folder, self.raw_dir = inputs, out, folder, raw_dir
        self.labels, self.language = LABELS[language], language
        self.numbers = Numbers(LOCALES[language])
        self.env = Environment(loader=FileSystemLoader(TEMPLATES),
                               autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.written: set[Path] = set()

    def write(self) -> None:
        reports = self.inputs["reports"]
        pages = {r.report: slug(r.entity, r.year, r.report) for r in reports.itertuples()}
        entities = [self._entity(entity, group, pages)
                    for entity, group in self.inputs["by_report"].groupby("entity", sort=True)]
        status_rows = [(f"{row.entity} · {row.year}", row)
                       for row in self.inputs["by_report"].itertuples()]
        self._page("index.html", "index.html", entities=entities,
                   status_chart=self._chart("status-by-report", status_rows,
                                            self.labels["chart_status"]) if status_rows
                   else None)
        for report in reports.itertuples():
            self._report_page(report, pages)
        self._asset("style.css", (TEMPLATES / "style.css").read_text(encoding="utf-8"))
        self._prune()

    # --- pages ---------------------------------------------------------------------

    def _entity(self, entity: str, group: pd.DataFrame, pages: dict[str, str]) -> dict:
        n = self.numbers
        years = [{"year": r.year, "report": r.report, "href": f"reports/{pages[r.report]}.html",
                  "kpis": n.count(r.kpis),
                  "counts": {s: n.count(getattr(r, self._column(s))) for s in STATUSES},
                  "shares": {s: n.share(getattr(r, self._column(s)), r.kpis) for s in STATUSES},
                  "discrepancies": n.count(r.discrepancies)}
                 for r in group.sort_values("year").itertuples()]
        areas = self.inputs["area_trends"]
        areas = areas[areas["entity"] == entity]
        area_rows = []
        for _key, rows in areas.groupby("area_key", sort=False):
            rows = rows.sort_values("year")
            by_year = {r.year: r for r in rows.itertuples()}
            area_rows.append({
                "area": rows["area"].iloc[-1],
                "years": [self._area_year(by_year.get(y["year"])) for y in years],
            })
        chart = None
        if len(years) > 1 and area_rows:
            chart = self._year_chart(f"areas-{slug(entity, '', entity)}", areas, years)
        return {"entity": entity, "years": years, "areas": area_rows, "area_chart": chart}

    def _area_year(self, row) -> dict | None:
        if row is None:
            return None
        n = self.numbers
        return {"share_met": n.share(row.met, row.kpis), "kpis": n.count(row.kpis),
                "change": n.change(row.share_met_change_pp),
                "improved": n.count(row.improved), "worsened": n.count(row.worsened),
                "added": n.count(row.added), "dropped": n.count(row.dropped)}

    def _report_page(self, report, pages: dict[str, str]) -> None:
        n, labels = self.numbers, self.labels
        kpis = self.inputs["kpis"]
        kpis = kpis[kpis["report"] == report.report]
        issues = self.inputs["issues"]
        issues = issues[issues["report"] == report.report]
        messages = {key: list(group["message"]) for key, group
                    in issues.groupby(["page", "row_index"])}
        pdf = self._pdf_href(report.report)
        areas, status_rows = [], []
        for area, rows in kpis.groupby("area_label", sort=False):
            counts = rows["status"].value_counts()
            status_rows.append((area, _Counts(*(int(counts.get(s, 0)) for s in STATUSES))))
            areas.append({"area": area, "kpis": [self._kpi(k, messages, pdf)
                                                 for k in rows.itertuples()]})
        summary = self.inputs["by_report"]
        summary = summary[summary["report"] == report.report]
        total = summary.iloc[0] if len(summary) else None
        dropped = self.inputs["dropped"]
        dropped = dropped[dropped["report"] == report.report]
        self._page(f"reports/{pages[report.report]}.html", "report.html", root="../",
                   report=report, pdf_href=pdf,
                   counts=None if total is None else {
                       s: (n.count(total[self._column(s)]),
                           n.share(total[self._column(s)], total["kpis"])) for s in STATUSES},
                   kpis_counted=n.count(len(kpis)),
                   discrepancies=n.count(0 if total is None else total["discrepancies"]),
                   areas=areas,
                   dropped=[{"kpi": d.previous_kpi,
                             "status": labels.get(d.previous_status, d.previous_status or "")}
                            for d in dropped.itertuples()],
                   area_chart=self._chart(f"areas-{pages[report.report]}", status_rows,
                                          labels["chart_area"], "../") if status_rows
                   else None)

    def _kpi(self, k, messages: dict, pdf: str | None) -> dict:
        n, labels = self.numbers, self.labels
        picture = None
        if _place(self.folder / k.source_image, self.out / k.source_image):
            picture = f"../{k.source_image}"
            self.written.add(self.out / k.source_image)
        change = ""
        if isinstance(k.change, str):
            change = labels.get(k.change, k.change)
            if k.change in ("improved", "worsened") and pd.notna(k.score_change):
                change += f" ({n.change(k.score_change)} {labels['points']})"
        return {
            "id": f"p{k.page}-r{k.row_index}", "page": k.page, "objective": k.objective,
            "kpi": k.kpi, "target": k.target, "achieved": k.achieved,
            "score_reported": k.score_reported,
            "score_recomputed": n.score(k.score_recomputed),
            "status": k.status, "status_label": labels.get(k.status, k.status),
            "reason": k.unscorable_reason if isinstance(k.unscorable_reason, str) else "",
            "discrepancy": bool(k.is_discrepancy), "change": change,
            "issues": messages.get((k.page, k.row_index), []),
            "picture": picture, "pdf_page": f"{pdf}#page={k.page}" if pdf else None,
        }

    def _pdf_href(self, report: str) -> str | None:
        if self.raw_dir is None:
            return None
        path = Path(self.raw_dir) / report
        if not path.is_file():
            return None
        return Path(os.path.relpath(path.resolve(), (self.out / "reports").resolve())).as_posix()

    @staticmethod
    def _column(status: str) -> str:
        return status.replace(" ", "_")

    def _page(self, name: str, template: str, root: str = "", **context) -> None:
        html = self.env.get_template(template).render(
            labels=self.labels, language=self.language, root=root, statuses=STATUSES,
            colours=STATUS_COLOURS, **context)
        path = self.out / name
        _write(path, html)
        self.written.add(path)

    def _asset(self, name: str, content: str | bytes) -> str:
        path = self.out / "assets" / name
        _write(path, content)
        self.written.add(path)
        return f"assets/{name}"

    def _prune(self) -> None:
        """Pages, charts and pictures of an earlier build that this one did not write."""
        for folder in ("reports", "assets", "sources"):
            for path in sorted((self.out / folder).rglob("*"), reverse=True):
                if path.is_file() and path not in self.written:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()

    # --- charts (static SVG) -----------------------------------------------------------

    def _chart(self, name: str, rows: list[tuple[str, object]], title: str,
               root: str = "") -> str:
        svg = status_chart([(label, [int(getattr(r, self._column(s))) for s in STATUSES])
                            for label, r in rows],
                           [self.labels[s] for s in STATUSES], title, self.numbers)
        return root + self._asset(f"{name}.svg", svg)

    def _year_chart(self, name: str, areas: pd.DataFrame, years: list[dict]) -> str:
        latest = areas.sort_values("year").groupby("area_key")["area"].last()
        shares = areas.pivot_table(index="area_key", columns="year", values="share_met_pct")
        shares.index = [latest[key] for key in shares.index]
        svg = area_years_chart(shares, self.labels["chart_area_years"],
                               self.labels["share_met"], self.numbers)
        return self._asset(f"{name}.svg", svg)


@dataclass
class _Counts:
    met: int
    partial: int
    not_met: int
    unscorable: int


# Drawn at the size they are shown (CSS keeps them at most their own width): 11 pt text.
FONT_SIZE = 11
BAR_HEIGHT_IN = 0.42
LABEL_CHARS = 60


def _pyplot():
    plt = charts.pyplot()
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "scorecard",
                         "font.size": FONT_SIZE})
    return plt


def _svg(fig) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def _label(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _percent_axis(ax, numbers: Numbers) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: numbers.share(x, 100)))


def status_chart(rows: list[tuple[str, list[int]]], status_labels: list[str], title: str,
                 numbers: Numbers) -> str:
    """One 100 % bar per row: the shares of KPIs met / partial / not met / unscorable,
    each segment labelled with its share when it is wide enough to hold it."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 1.4 + BAR_HEIGHT_IN * len(rows)))
    labels = [_label(label) for label, _ in rows]
    left = [0.0] * len(rows)
    for i, (status, name) in enumerate(zip(STATUSES, status_labels, strict=True)):
        widths = [100.0 * counts[i] / (sum(counts) or 1) for _, counts in rows]
        bars = ax.barh(labels, widths, left=left, height=0.7, color=STATUS_COLOURS[status],
                       label=name)
        for bar, width, (_, counts) in zip(bars, widths, rows, strict=True):
            if width >= 7:
                ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2,
                        numbers.share(counts[i], sum(counts)), ha="center", va="center",
                        color="white" if status != "partial" else "black", fontsize=10)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    _percent_axis(ax, numbers)
    ax.set_title(title, loc="left", fontsize=FONT_SIZE + 2)
    ax.legend(ncols=4, loc="upper left", bbox_to_anchor=(0, -0.6 / (1 + 0.4 * len(rows))),
              frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def area_years_chart(shares: pd.DataFrame, title: str, axis_label: str,
                     numbers: Numbers) -> str:
    """Share of KPIs met per area (rows), one bar per year side by side."""
    plt = _pyplot()
    years = list(shares.columns)
    fig, ax = plt.subplots(figsize=(10, 1.4 + BAR_HEIGHT_IN * len(shares) * max(len(years), 1)
                                    * 0.7))
    height = 0.8 / max(len(years), 1)
    palette = plt.get_cmap("Blues")(
        [0.45 + 0.5 * i / max(len(years) - 1, 1) for i in range(len(years))])
    positions = range(len(shares))
    for i, year in enumerate(years):
        values = shares[year].fillna(0).tolist()
        ax.barh([p + i * height for p in positions], values, height=height,
                color=palette[i], label=str(year))
        for p, value, raw in zip(positions, values, shares[year].tolist(), strict=True):
            if pd.notna(raw):
                ax.text(value + 1, p + i * height, numbers.share(raw, 100), va="center",
                        fontsize=9)
    ax.set_yticks([p + height * (len(years) - 1) / 2 for p in positions],
                  [_label(a) for a in shares.index])
    ax.set_xlim(0, 112)
    ax.invert_yaxis()
    _percent_axis(ax, numbers)
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontsize=FONT_SIZE + 2)
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
