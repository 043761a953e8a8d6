"""Print KPI tables with a two-level KPI column, ruled with horizontal lines only.

As on the Milano deck's slide 17, but without any vertical ruling (a browser or a word
processor printing a table with bottom borders): the header "KPI" spans two
sub-columns; a parent KPI ("Tempi di risposta") spans the rows of its sub-KPIs in the
left sub-column, the sub-KPIs stand in the right one, and a KPI without sub-KPIs spans
both. The rules under the rows of a parent skip its sub-column (and the objective's,
while that goes on). The data is the fixture's ground truth: consecutive KPIs that
share the text before ": " are printed as parent and sub-KPIs, so the expected KPI
cell is still ``"<parent>: <sub-KPI>"``, the text the table was printed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layouts import PENS, KpiTableData, equal_runs, wrap_text
from reportlab.lib.pagesizes import A4, landscape

SEPARATOR = ": "


@dataclass
class TwoLevelLayout:
    producer: str = "reportlab"
    font: str = "Helvetica"
    size: float = 9.0
    padding: float = 4.0
    margin: float = 36.0
    rule_width: float = 0.6
    header_fill: str | None = None
    labels: tuple[str, ...] = ("Obiettivo", "KPI", "Target", "Target Raggiunto",
                               "Risultato 2020")
    # Relative widths: objective, parent KPI, sub-KPI, target, achieved, score.
    widths: tuple[float, ...] = (2.0, 1.6, 2.8, 1.2, 1.2, 1.2)
    title: str = "Relazione sulla Performance 2020 del Comune di Esempio"


def kpi_levels(table: KpiTableData) -> list[tuple[str, str]]:
    """(parent, sub-KPI) of every row; the parent is "" for a KPI that stands alone.
    A parent is a prefix before ": " shared by consecutive rows."""
    prefixes = [r["kpi"].split(SEPARATOR, 1)[0] if SEPARATOR in r["kpi"] else None
                for r in table.rows]
    levels = []
    for i, r in enumerate(table.rows):
        p = prefixes[i]
        shared = p is not None and (
            (i > 0 and prefixes[i - 1] == p) or (i + 1 < len(prefixes) and prefixes[i + 1] == p))
        levels.append((p, r["kpi"][len(p) + len(SEPARATOR):]) if shared else ("", r["kpi"]))
    return levels


def has_two_levels(table: KpiTableData) -> bool:
    return any(parent for parent, _ in kpi_levels(table))


class _Printer:
    def __init__(self, path: Path, layout: TwoLevelLayout):
        self.layout = layout
        self.page_w, self.page_h = landscape(A4)
        self.pen = PENS[layout.producer](path, (self.page_w, self.page_h), layout.font,
                                         layout.title)
        self.leading = layout.size * 1.22

    def wrap(self, text: str, width: float, bold: bool = False) -> list[str]:
        return wrap_text(self.pen, text, width, bold, self.layout.size)

    def height(self, lines: list[str]) -> float:
        return len(lines) * self.leading + 2 * self.layout.padding

    def text(self, lines: list[str], x: float, top: float, bold: bool = False) -> None:
        y = top + self.layout.padding
        for line in lines:
            y += self.leading
            self.pen.text(x + self.layout.padding, y - self.leading * 0.25, line, bold,
                          self.layout.size)

    def rule(self, x0: float, x1: float, y: float) -> None:
        self.pen.rule(x0, y, x1, y, self.layout.rule_width, "line")

    def page(self, table: KpiTableData) -> None:
        lay, pen = self.layout, self.pen
        pen.new_page()
        left, right = lay.margin, self.page_w - lay.margin
        y = lay.margin + 16
        pen.text(left, y, table.section, True, 14)
        if table.area:
            y += 20
            pen.text(left, y, table.area, True, 11, "#8b1c2d")
        top = y + 14
        has_objective = table.has_objective
        weights = lay.widths if has_objective else lay.widths[1:]
        xs = [left]
        for w in weights:
            xs.append(xs[-1] + (right - left) * w / sum(weights))
        # Column boxes by name: "kpi" spans parent and sub-KPI.
        k = 1 if has_objective else 0
        box = {"parent": (xs[k], xs[k + 1]), "sub": (xs[k + 1], xs[k + 2]),
               "kpi": (xs[k], xs[k + 2]), "target": (xs[k + 2], xs[k + 3]),
               "achieved": (xs[k + 3], xs[k + 4]), "score_reported": (xs[k + 4], xs[k + 5])}
        if has_objective:
            box["objective"] = (xs[0], xs[1])
        inner = {name: b - a - 2 * lay.padding for name, (a, b) in box.items()}
        header_fields = ["kpi", "target", "achieved", "score_reported"]
        labels = dict(zip(["objective", *header_fields] if has_objective else header_fields,
                          lay.labels if has_objective else lay.labels[1:], strict=True))
        head = {f: self.wrap(lb, inner[f], True) for f, lb in labels.items()}
        head_h = max(self.height(v) for v in head.values())
        if lay.header_fill:
            pen.fill(left, top, right - left, head_h, lay.header_fill)
        for f, lines in head.items():
            self.text(lines, box[f][0], top, True)
        self.rule(left, right, top)
        self.rule(left, right, top + head_h)
        # Body: each row's cells; parent and objective cells span their runs.
        levels = kpi_levels(table)
        rows = []
        for r, (parent, sub) in zip(table.rows, levels, strict=True):
            cells = {f: self.wrap(r[f], inner[f]) for f in ("target", "achieved",
                                                           "score_reported")}
            if parent:
                cells["sub"] = self.wrap(sub, inner["sub"])
            else:
                cells["kpi"] = self.wrap(sub, inner["kpi"])
            rows.append(cells)
        heights = [max(self.height(v) for v in cells.values()) for cells in rows]
        spans = {"parent": [run for run in equal_runs([p for p, _ in levels]) if levels[run[0]][0]]}
        if has_objective:
            spans["objective"] = equal_runs([r["objective"] for r in table.rows])
        texts = {"parent": lambda i: levels[i][0],
                 "objective": lambda i: table.rows[i]["objective"]}
        for name, runs in spans.items():  # the merged text must fit in its rows
            for run in runs:
                need = self.height(self.wrap(texts[name](run[0]), inner[name]))
                have = sum(heights[i] for i in run)
                heights[run[-1]] += max(0.0, need - have)
        y = top + head_h
        tops = []
        for h in heights:
            tops.append(y)
            y += h
        assert y < self.page_h - lay.margin, f"{table.section!r} does not fit the page"
        for i, cells in enumerate(rows):
            for name, lines in cells.items():
                self.text(lines, box[name][0], tops[i])
        for name, runs in spans.items():
            for run in runs:
                self.text(self.wrap(texts[name](run[0]), inner[name]), box[name][0],
                          tops[run[0]])
        # The rule under a row skips the merged cells that go on under it.
        for i in range(len(rows)):
            start = left
            if has_objective and i + 1 < len(rows) and (
                    table.rows[i + 1]["objective"] == table.rows[i]["objective"]):
                start = box["kpi"][0]
                if levels[i][0] and levels[i + 1][0] == levels[i][0]:
                    start = box["sub"][0]
            elif levels[i][0] and i + 1 < len(rows) and levels[i + 1][0] == levels[i][0]:
                start = box["sub"][0]
            self.rule(start, right, tops[i] + heights[i])


def build_two_level_pdf(path: Path, layout: TwoLevelLayout, tables: list[KpiTableData]) -> Path:
    """One table a page, each under its section and area headings."""
    printer = _Printer(path, layout)
    for table in tables:
        printer.page(table)
    printer.pen.save()
    return path
