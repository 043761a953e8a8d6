"""Print KPI tables as slide-deck pages: cells drawn as filled rectangles, no stroke.

Keynote, Google Slides and many PowerPoint themes export a table as one filled rectangle
per cell, with the page showing through a white gap between neighbouring cells; there is
no stroked line at all. ``DeckLayout`` says how wide the gap is, which fills the header
and the body rows get (white header text on a dark fill, alternating row fills) and
whether the slide's title band sits right on the table. The objective cell spans its
rows as one taller rectangle, so every table keeps a known ground truth: the data it was
printed from (tests/layouts.py ``load_tables``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from layouts import PENS, KpiTableData, equal_runs, wrap_text

SLIDE = (960.0, 540.0)  # 16:9, in points


@dataclass
class DeckLayout:
    gap: float = 2.0  # white between neighbouring cell rectangles
    producer: str = "reportlab"
    font: str = "Helvetica"
    size: float = 10.0
    padding: float = 5.0
    margin: float = 32.0
    header_fill: str = "#1f3864"
    header_color: str = "#ffffff"
    row_fills: tuple[str, ...] = ("#d9e2f3", "#eef2f9")  # alternating body rows
    objective_fill: str = "#c5d3ea"
    band_fill: str = "#1f3864"  # the slide's title band (section, white text)
    band_on_table: bool = False  # True: the band is one gap above the table's header
    backdrop: str | None = None  # a fill behind the whole table, showing in the gaps
    chart: bool = False  # a bar chart of filled bars, a few points apart, under the table
    # Tables (by index) that go on on the next slide from the given body row: that slide
    # has no title, only the rest of the table (a merged objective cell goes on empty).
    breaks: dict[int, int] = field(default_factory=dict)
    repeat_header: bool = False  # the header is printed again on the next slide
    # One fill per row across its cells (header bar, row stripes) instead of one a cell:
    # the gaps then separate rows only.
    stripes: bool = False
    outline: bool = False  # a stroked frame round the table and a line under its header
    labels: tuple[str, ...] = ("Obiettivo", "KPI", "Target", "Target Raggiunto",
                               "Risultato 2020")
    widths: tuple[float, ...] = (2.2, 4.0, 1.3, 1.3, 1.2)
    title: str = "Relazione sulla Performance 2020 del Comune di Esempio"


FIELDS = ("objective", "kpi", "target", "achieved", "score_reported")


class _Deck:
    def __init__(self, path: Path, layout: DeckLayout):
        self.layout = layout
        self.pen = PENS[layout.producer](path, SLIDE, layout.font, layout.title)
        self.leading = layout.size * 1.2
        self.page = 0

    def wrap(self, text: str, width: float, bold: bool) -> list[str]:
        return wrap_text(self.pen, text, width, bold, self.layout.size)

    def text_block(self, lines: list[str], x: float, top: float, bold: bool,
                   color: str) -> None:
        y = top + self.layout.padding
        for line in lines:
            y += self.leading
            self.pen.text(x + self.layout.padding, y - self.leading * 0.25, line, bold,
                          self.layout.size, color)

    def height(self, lines: list[str]) -> float:
        return len(lines) * self.leading + 2 * self.layout.padding

    def cover(self) -> None:
        self.pen.new_page()
        self.page += 1
        self.pen.text(self.layout.margin, 250, self.layout.title, True, 24)

    def slide(self, table: KpiTableData, start: int = 0, stop: int | None = None) -> None:
        """Body rows ``start:stop`` of the table on one slide (a continuation if start)."""
        lay, pen = self.layout, self.pen
        continued = start > 0
        stop = len(table.rows) if stop is None else stop
        pen.new_page()
        self.page += 1
        left, right = lay.margin, SLIDE[0] - lay.margin
        has_objective = table.has_objective
        fields = FIELDS if has_objective else FIELDS[1:]
        labels = lay.labels if has_objective else lay.labels[1:]
        weights = lay.widths if has_objective else lay.widths[1:]
        # Column boxes: the gap is taken out between neighbouring cells.
        usable = right - left - lay.gap * (len(fields) - 1)
        xs, x = [], left
        for w in weights:
            width = usable * w / sum(weights)
            xs.append((x, x + width))
            x += width + lay.gap
        inner = {f: xs[k][1] - xs[k][0] - 2 * lay.padding for k, f in enumerate(fields)}
        # The title band with the section; the area under it in plain text.
        band_bottom = 60.0
        top = band_bottom + (lay.gap if lay.band_on_table else 14.0)
        if continued:
            top = lay.margin
        elif table.area and not lay.band_on_table:
            pen.text(left, band_bottom + 22, table.area, True, 14, "#8b1c2d")
            top = band_bottom + 34
        if not continued:
            pen.fill(0, 0, SLIDE[0], band_bottom, lay.band_fill)
            pen.text(left, 32, table.section, True, 18, "#ffffff")
        if table.area and lay.band_on_table and not continued:  # a second line in the band
            pen.text(left, 52, table.area, True, 11, "#ffffff")
        # Header row.
        head = {f: self.wrap(lb, inner[f], True) for f, lb in zip(fields, labels, strict=True)}
        head_h = max(self.height(v) for v in head.values())
        if continued and not lay.repeat_header:
            head_h = -lay.gap
        y = top + head_h + lay.gap
        # Body rows; the objective cell of a run of equal objectives is one rectangle.
        rows = table.rows[start:stop]
        body = [{f: self.wrap(r[f], inner[f], False) for f in fields} for r in rows]
        heights = [max(self.height(v) for f, v in row.items() if f != "objective")
                   for row in body]
        runs = equal_runs([r["objective"] for r in rows]) if has_objective else []
        # A merged objective cell going on from the previous slide is printed empty.
        if has_objective and continued and rows[0]["objective"] == (
                table.rows[start - 1]["objective"]):
            body[0]["objective"] = []
        for run in runs:  # the merged text must fit in its rows
            need = self.height(body[run[0]]["objective"])
            have = sum(heights[i] for i in run) + lay.gap * (len(run) - 1)
            heights[run[-1]] += max(0.0, need - have)
        tops = []
        for h in heights:
            tops.append(y)
            y += h + lay.gap
        assert y < SLIDE[1] - 30, f"table of {table.section!r} does not fit the slide"
        if lay.backdrop:
            pen.fill(left - lay.gap, top - lay.gap, right - left + 2 * lay.gap,
                     y - top + lay.gap, lay.backdrop)
        first = 1 if has_objective else 0
        if lay.stripes and head_h > 0:
            pen.fill(left, top, right - left, head_h, lay.header_fill)
        for k, f in enumerate(fields):
            if head_h > 0:
                if not lay.stripes:
                    pen.fill(xs[k][0], top, xs[k][1] - xs[k][0], head_h, lay.header_fill)
                self.text_block(head[f], xs[k][0], top, True, lay.header_color)
        for i, row in enumerate(body):
            fill = lay.row_fills[(start + i) % len(lay.row_fills)]
            if lay.stripes:
                pen.fill(xs[first][0], tops[i], right - xs[first][0], heights[i], fill)
            for k in range(first, len(fields)):
                f = fields[k]
                if not lay.stripes:
                    pen.fill(xs[k][0], tops[i], xs[k][1] - xs[k][0], heights[i], fill)
                self.text_block(row[f], xs[k][0], tops[i], False, "#000000")
        for run in runs:
            a, b = run[0], run[-1]
            span = tops[b] + heights[b] - tops[a]
            pen.fill(xs[0][0], tops[a], xs[0][1] - xs[0][0], span, lay.objective_fill)
            self.text_block(body[a]["objective"], xs[0][0], tops[a], False, "#000000")
        if lay.outline:
            pen.rule(left, top - lay.gap / 2, left, y - lay.gap / 2, 0.75, "line")
            pen.rule(right, top - lay.gap / 2, right, y - lay.gap / 2, 0.75, "line")
            for edge in (top - lay.gap / 2, y - lay.gap / 2):
                pen.rule(left, edge, right, edge, 0.75, "line")
            if head_h > 0:
                pen.rule(left, top + head_h + lay.gap / 2, right, top + head_h + lay.gap / 2,
                         0.75, "line")
        if lay.chart:
            self.bar_chart(left, y + 16, [len(r["kpi"]) for r in rows])
        label = str(self.page)
        pen.text(right - pen.width(label, False, 9), SLIDE[1] - 16, label, False, 9, "#555555")

    def bar_chart(self, left: float, top: float, values: list[int]) -> None:
        """Bars on one baseline, 4 pt apart, each with its value printed under it."""
        height = min(SLIDE[1] - 60 - top, 120.0)
        if height < 30:
            return
        scale = height / max(values)
        for i, v in enumerate(values * 3):
            x = left + i * 22
            self.pen.fill(x, top + height - v * scale, 18, v * scale, "#5b9bd5")
            self.pen.text(x + 2, top + height + 10, str(v), False, 7)


def build_deck_pdf(path: Path, layout: DeckLayout, tables: list[KpiTableData]) -> Path:
    """A cover slide, then one slide per table."""
    deck = _Deck(path, layout)
    deck.cover()
    for i, table in enumerate(tables):
        cut = layout.breaks.get(i)
        if cut:
            deck.slide(table, 0, cut)
            deck.slide(table, cut)
        else:
            deck.slide(table)
    deck.pen.save()
    return path


# ---------------------------------------------------------------------------------------
# A two-level KPI column drawn as fills, as on the Milano deck's slide 17: the header
# "KPI" spans two sub-columns, a parent KPI is one tall rectangle over its sub-KPIs, a
# KPI without sub-KPIs is one wide rectangle over both (tests/twolevel.py says which).

TWO_LEVEL_WIDTHS = (2.0, 1.6, 2.6, 1.2, 1.2, 1.2)  # objective, parent, sub-KPI, values


def build_two_level_deck_pdf(path: Path, layout: DeckLayout,
                             tables: list[KpiTableData]) -> Path:
    """One slide per table (each with an objective column), cells as fills with gaps."""
    from twolevel import kpi_levels

    deck = _Deck(path, layout)
    lay, pen = layout, deck.pen
    usable = SLIDE[0] - 2 * lay.margin - lay.gap * (len(TWO_LEVEL_WIDTHS) - 1)
    xs, x = [], lay.margin
    for w in TWO_LEVEL_WIDTHS:
        xs.append((x, x + usable * w / sum(TWO_LEVEL_WIDTHS)))
        x = xs[-1][1] + lay.gap

    def cell(first: int, last: int, top: float, height: float, text: str, fill: str,
             bold: bool = False, color: str = "#000000") -> None:
        """A cell over columns first..last."""
        x0, x1 = xs[first][0], xs[last][1]
        pen.fill(x0, top, x1 - x0, height, fill)
        deck.text_block(deck.wrap(text, x1 - x0 - 2 * lay.padding, bold), x0, top, bold,
                        color)

    def lines(text: str, first: int, last: int) -> list[str]:
        return deck.wrap(text, xs[last][1] - xs[first][0] - 2 * lay.padding, False)

    for table in tables:
        pen.new_page()
        pen.fill(0, 0, SLIDE[0], 60, lay.band_fill)
        pen.text(lay.margin, 32, table.section, True, 18, "#ffffff")
        pen.text(lay.margin, 82, table.area, True, 14, "#8b1c2d")
        top = 94.0
        head_h = deck.height([""])
        for first, last, label in [(0, 0, lay.labels[0]), (1, 2, lay.labels[1]),
                                   (3, 3, lay.labels[2]), (4, 4, lay.labels[3]),
                                   (5, 5, lay.labels[4])]:
            cell(first, last, top, head_h, label, lay.header_fill, True, lay.header_color)
        levels = kpi_levels(table)
        heights = []
        for row, (parent, sub) in zip(table.rows, levels, strict=True):
            kpi = lines(sub, 2, 2) if parent else lines(sub, 1, 2)
            values = [lines(row[f], c, c) for c, f in
                      [(3, "target"), (4, "achieved"), (5, "score_reported")]]
            heights.append(max(deck.height(v) for v in [kpi, *values]))
        for name, column in (("parent", 1), ("objective", 0)):  # merged texts must fit
            texts = [p for p, _ in levels] if name == "parent" else [
                r["objective"] for r in table.rows]
            for run in equal_runs(texts):
                if texts[run[0]]:
                    need = deck.height(lines(texts[run[0]], column, column))
                    have = sum(heights[i] for i in run) + lay.gap * (len(run) - 1)
                    heights[run[-1]] += max(0.0, need - have)
        tops, y = [], top + head_h + lay.gap
        for h in heights:
            tops.append(y)
            y += h + lay.gap
        assert y < SLIDE[1] - 30, f"table of {table.section!r} does not fit the slide"
        fill = lay.row_fills[0]
        for run in equal_runs([p for p, _ in levels]):
            parent = levels[run[0]][0]
            span = tops[run[-1]] + heights[run[-1]] - tops[run[0]]
            if parent:
                cell(1, 1, tops[run[0]], span, parent, lay.objective_fill)
            for i in run:
                if parent:
                    cell(2, 2, tops[i], heights[i], levels[i][1], fill)
                else:
                    cell(1, 2, tops[i], heights[i], levels[i][1], fill)
        for i, row in enumerate(table.rows):
            for c, f in [(3, "target"), (4, "achieved"), (5, "score_reported")]:
                cell(c, c, tops[i], heights[i], row[f], fill)
        for run in equal_runs([r["objective"] for r in table.rows]):
            span = tops[run[-1]] + heights[run[-1]] - tops[run[0]]
            cell(0, 0, tops[run[0]], span, table.rows[run[0]]["objective"], lay.objective_fill)
    pen.save()
    return path
