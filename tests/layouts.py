"""Print the same KPI tables in many page layouts, so every layout has a known ground truth.

The data is the fixture's ground truth (tests/milano_2020_kpis.csv): one table per slide,
the objective merged over its consecutive rows. A ``Layout`` says how to print it: which
producer (reportlab or fpdf2) and font, page size, which rulings, what happens at a page
break (header repeated or not; a merged objective cell continues, empty, on the next
page), header wording and extra columns. Tables flow several to a page, under plain-text
headings, with page breaks forced where the tests want them.

Tables are laid out here, not by a library's table flowable, so page breaks, rulings and
merged cells are exactly what the layout asks for. ``build_html`` writes the same report
as HTML, for a browser or an office suite to print (optional producers).
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import reportlab
from fpdf import FPDF
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

GROUND_TRUTH = Path(__file__).with_name("milano_2020_kpis.csv")
FIELDS = ["objective", "kpi", "target", "achieved", "score_reported"]
# reportlab ships the Bitstream Vera TrueType fonts: an embedded font for either producer.
VERA = Path(reportlab.__file__).parent / "fonts"

PROSE = (
    "Il monitoraggio del KPI rispetto al target annuale e il risultato raggiunto sono "
    "stati verificati dalla Direzione competente; i valori riportati in tabella sono "
    "quelli validati al 31 dicembre, con il dettaglio delle attività svolte nel corso "
    "dell'anno e delle azioni correttive avviate."
)


@dataclass
class KpiTableData:
    section: str
    area: str
    rows: list[dict[str, str]]  # FIELDS plus any extra columns

    @property
    def has_objective(self) -> bool:
        return any(r["objective"] for r in self.rows)


def load_tables(path: Path = GROUND_TRUTH) -> list[KpiTableData]:
    """The ground truth as tables: one per slide, in document order."""
    tables: dict[str, KpiTableData] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            table = tables.setdefault(rec["slide"], KpiTableData(rec["section"], rec["area"], []))
            table.rows.append({f: rec[f] for f in FIELDS})
    return list(tables.values())


@dataclass(frozen=True)
class Column:
    field: str  # one of FIELDS, or the name of an extra column
    label: str  # header text; "\n" forces a line break inside the header cell
    width: float  # relative


def default_columns(table: KpiTableData) -> list[Column]:
    cols = [
        Column("objective", "Obiettivo", 2.2),
        Column("kpi", "KPI", 4.0),
        Column("target", "Target", 1.3),
        Column("achieved", "Target Raggiunto", 1.3),
        Column("score_reported", "Risultato 2020", 1.2),
    ]
    return cols if table.has_objective else cols[1:]


# ---------------------------------------------------------------------------------------
# Producers: the few drawing calls a layout needs, in top-left page coordinates.


class ReportlabPen:
    def __init__(self, path: Path, pagesize, font: str, title: str, word_by_word: bool = False):
        self.word_by_word = word_by_word
        self.fonts = _reportlab_fonts(font)
        self.canvas = Canvas(str(path), pagesize=pagesize)
        self.canvas.setTitle(title)
        self.height = pagesize[1]
        self.started = False

    def new_page(self) -> None:
        if self.started:
            self.canvas.showPage()
        self.started = True

    def width(self, text: str, bold: bool, size: float) -> float:
        return pdfmetrics.stringWidth(text, self.fonts[bold], size)

    def text(self, x: float, baseline: float, text: str, bold: bool, size: float,
             color: str = "#000000") -> None:
        self.canvas.setFillColor(HexColor(color))
        self.canvas.setFont(self.fonts[bold], size)
        if not self.word_by_word:
            self.canvas.drawString(x, self.height - baseline, text)
            return
        # Each word placed on its own, no space glyphs between (as some producers do).
        done = ""
        for word in text.split(" "):
            start = self.width(f"{done} " if done else "", bold, size)
            self.canvas.drawString(x + start, self.height - baseline, word)
            done = f"{done} {word}" if done else word

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: float, shape: str) -> None:
        if shape == "rect":  # Word/Excel style: a thin filled rectangle, not a stroked line
            self.fill(min(x0, x1) - width / 2, min(y0, y1) - width / 2,
                      abs(x1 - x0) + width, abs(y1 - y0) + width, "#000000")
            return
        self.canvas.setLineWidth(width)
        self.canvas.setStrokeColor(HexColor("#000000"))
        self.canvas.line(x0, self.height - y0, x1, self.height - y1)

    def fill(self, x: float, y: float, w: float, h: float, color: str) -> None:
        self.canvas.setFillColor(HexColor(color))
        self.canvas.rect(x, self.height - y - h, w, h, stroke=0, fill=1)

    def save(self) -> None:
        self.canvas.save()


def _reportlab_fonts(font: str) -> dict[bool, str]:
    if font == "Vera":
        for name in ("Vera", "VeraBd"):
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(VERA / f"{name}.ttf")))
        return {False: "Vera", True: "VeraBd"}
    bold = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold",
            "Courier": "Courier-Bold"}[font]
    return {False: font, True: bold}


class FpdfPen:
    def __init__(self, path: Path, pagesize, font: str, title: str, word_by_word: bool = False):
        assert not word_by_word, "fpdf2 pen prints whole strings"
        self.path = path
        self.pdf = FPDF(unit="pt", format=(pagesize[0], pagesize[1]))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(title)
        self.pdf.set_creator("fpdf2")
        if font == "Vera":
            self.pdf.add_font("vera", "", str(VERA / "Vera.ttf"))
            self.pdf.add_font("vera", "B", str(VERA / "VeraBd.ttf"))
            self.family = "vera"
        else:
            self.pdf.core_fonts_encoding = "windows-1252"
            self.family = {"Helvetica": "helvetica", "Times-Roman": "times",
                           "Courier": "courier"}[font]

    def new_page(self) -> None:
        self.pdf.add_page()

    def _font(self, bold: bool, size: float) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def width(self, text: str, bold: bool, size: float) -> float:
        self._font(bold, size)
        return self.pdf.get_string_width(text)

    def text(self, x: float, baseline: float, text: str, bold: bool, size: float,
             color: str = "#000000") -> None:
        self._font(bold, size)
        self.pdf.set_text_color(color)
        self.pdf.text(x, baseline, text)

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: float, shape: str) -> None:
        if shape == "rect":
            self.fill(min(x0, x1) - width / 2, min(y0, y1) - width / 2,
                      abs(x1 - x0) + width, abs(y1 - y0) + width, "#000000")
            return
        self.pdf.set_line_width(width)
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.line(x0, y0, x1, y1)

    def fill(self, x: float, y: float, w: float, h: float, color: str) -> None:
        self.pdf.set_fill_color(color)
        self.pdf.rect(x, y, w, h, style="F")

    def save(self) -> None:
        self.pdf.output(str(self.path))


PENS = {"reportlab": ReportlabPen, "fpdf2": FpdfPen}


# ---------------------------------------------------------------------------------------
# Layout


@dataclass
class Layout:
    """How to print the tables. Defaults: a fully ruled A4 portrait report by reportlab."""

    producer: str = "reportlab"
    font: str = "Helvetica"
    word_by_word: bool = False  # each word drawn on its own, without space glyphs
    size: float = 8.5
    pagesize: tuple[float, float] = A4
    margin: float = 48.0
    # "grid": every cell ruled; "horizontal": rules under the header and under each row
    # only (no vertical rulings), as a browser prints a table with border-bottom;
    # "inner": horizontal rules and the inner vertical ones, no outer frame; "none": no
    # rules at all (a word processor's table with no borders, or text set on tab stops).
    rules: str = "grid"
    rule_shape: str = "line"  # "line" (stroked) or "rect" (thin filled rectangles)
    rule_width: float = 0.6
    rule_above_header: bool = True
    rule_under_last: bool = True  # False: rules only between rows ("horizontal" rules)
    header_fill: str | None = "#1f4e79"
    header_color: str = "#ffffff"
    valign: str = "top"  # "top" or "middle"
    padding: float = 4.0
    repeat_header: bool = True
    columns: Callable[[KpiTableData], list[Column]] = default_columns
    # Tables (by index) whose body breaks to a new page before the given row.
    breaks: dict[int, int] = field(default_factory=dict)
    # Tables whose given row is split by a page break after its first line (every cell's
    # first line on one page, the rest on the next), as word processors do.
    row_splits: dict[int, int] = field(default_factory=dict)
    prose_after: tuple[int, ...] = ()  # tables followed by a paragraph of prose
    section_size: float = 14.0
    area_size: float = 11.0
    footer: bool = True  # "Pagina N" at the bottom of every page
    title: str = "Relazione sulla Performance 2020 del Comune di Esempio"


@dataclass
class _Row:
    cells: dict[str, list[str]]  # field -> wrapped lines
    height: float


@dataclass
class _Slot:
    """One printed row of a table: the header (row -1) or body row ``row``."""

    row: int
    page: int  # pages after the one the table starts on
    top: float
    height: float
    lines: slice = field(default_factory=lambda: slice(None))  # lines printed here

    @property
    def bottom(self) -> float:
        return self.top + self.height


def wrap_text(pen, text: str, width: float, bold: bool, size: float) -> list[str]:
    """Greedy word wrap of each printed line (kept line breaks) to ``width`` points."""
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for word in part.split():
            candidate = f"{line} {word}" if line else word
            if line and pen.width(candidate, bold, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def equal_runs(values: list[str]) -> list[list[int]]:
    """Runs of equal consecutive values: the rows one merged cell spans."""
    runs: list[list[int]] = []
    for i, v in enumerate(values):
        if runs and values[runs[-1][0]] == v:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


class _Printer:
    def __init__(self, pen, layout: Layout):
        self.pen, self.layout = pen, layout
        self.page_w, self.page_h = layout.pagesize
        self.left = layout.margin
        self.right = self.page_w - layout.margin
        self.top = layout.margin
        self.bottom = self.page_h - layout.margin - (layout.size * 2 if layout.footer else 0)
        self.leading = layout.size * 1.22
        self.page = 0
        self.y = self.top

    def new_page(self) -> None:
        self.pen.new_page()
        self.page += 1
        self.y = self.top
        if self.layout.footer:
            size = self.layout.size
            label = f"Pagina {self.page}"
            self.pen.text(self.right - self.pen.width(label, False, size),
                          self.page_h - self.layout.margin, label, False, size, "#555555")

    def paragraph(self, text: str, size: float, bold: bool, color: str = "#000000",
                  space_before: float = 0.0, keep_with: float = 0.0) -> None:
        lines = self.wrap(text, self.right - self.left, bold, size)
        height = space_before + len(lines) * size * 1.25
        if self.y + height + keep_with > self.bottom:
            self.new_page()
        else:
            self.y += space_before
        for line in lines:
            self.y += size * 1.25
            self.pen.text(self.left, self.y - size * 0.3, line, bold, size, color)
        self.y += size * 0.5

    def wrap(self, text: str, width: float, bold: bool, size: float) -> list[str]:
        return wrap_text(self.pen, text, width, bold, size)

    def _cell_height(self, lines: list[str]) -> float:
        return len(lines) * self.leading + 2 * self.layout.padding

    def _row(self, texts: dict[str, str], inner: dict[str, float], bold: bool) -> _Row:
        cells = {f: self.wrap(t, inner[f], bold, self.layout.size) for f, t in texts.items()}
        return _Row(cells, max(self._cell_height(v) for v in cells.values()))

    # -- one table -------------------------------------------------------------------

    def table(self, index: int, data: KpiTableData) -> None:
        lay = self.layout
        cols = lay.columns(data)
        total = sum(c.width for c in cols)
        xs = [self.left]
        for c in cols:
            xs.append(xs[-1] + (self.right - self.left) * c.width / total)
        inner = {c.field: xs[i + 1] - xs[i] - 2 * lay.padding for i, c in enumerate(cols)}
        header = self._row({c.field: c.label for c in cols}, inner, bold=True)
        body = [self._row({c.field: r[c.field] for c in cols if c.field != "objective"},
                          inner, bold=False) for r in data.rows]
        merged = cols[0].field == "objective"
        groups = equal_runs([r["objective"] for r in data.rows]) if merged else []
        objective = {
            g[0]: self.wrap(data.rows[g[0]]["objective"], inner["objective"], False, lay.size)
            for g in groups
        }
        slots = self._place(index, header, body, groups, objective)
        self._draw(cols, xs, header, body, groups, objective, slots)

    def _place(self, index, header, body, groups, objective) -> list[_Slot]:
        """Page and top of every printed row; pages are only counted here, not made."""
        lay = self.layout
        group_of = {r: g for g in groups for r in g}
        need = {r: max(body[r].height, self._cell_height(objective.get(r, [])))
                for r in range(len(body))}
        page, y = 0, self.y
        if y + header.height + need[0] > self.bottom:
            page, y = 1, self.top
        slots = [_Slot(-1, page, y, header.height)]
        y += header.height
        fragment: dict[int, tuple[int, float]] = {}  # group start -> its first page, top
        for r, row in enumerate(body):
            if lay.breaks.get(index) == r or y + need[r] > self.bottom:
                page, y = page + 1, self.top
                if lay.repeat_header:
                    slots.append(_Slot(-1, page, y, header.height))
                    y += header.height
            if lay.row_splits.get(index) == r:
                first = self._cell_height([""])
                slots.append(_Slot(r, page, y, first, slice(0, 1)))
                page, y = page + 1, self.top
                if lay.repeat_header:
                    slots.append(_Slot(-1, page, y, header.height))
                    y += header.height
                rest = [lines[1:] for lines in [*row.cells.values(), objective.get(r, [])]]
                height = self._cell_height(max(rest, key=len))
                slots.append(_Slot(r, page, y, height, slice(1, None)))
                y += height
                continue
            group = group_of.get(r)
            height = row.height
            if group is not None:
                if r == group[0]:
                    fragment[r] = (page, y)
                first_page, first_top = fragment[group[0]]
                breaks_next = r + 1 < len(body) and (
                    lay.breaks.get(index) == r + 1 or y + row.height + need[r + 1] > self.bottom
                )
                if first_page == page and (r == group[-1] or breaks_next):
                    # The merged objective text must fit in its first fragment.
                    height = max(height, first_top + self._cell_height(objective[group[0]]) - y)
            slots.append(_Slot(r, page, y, height))
            y += height
        return slots

    def _draw(self, cols, xs, header, body, groups, objective, slots) -> None:
        lay = self.layout
        group_of = {r: g for g in groups for r in g}
        start = self.page
        for slot in slots:
            while self.page < start + slot.page:
                self.new_page()
            same_page = [s for s in slots if s.page == slot.page]
            if slot.row < 0:
                self._draw_header(cols, xs, header, slot)
                continue
            row = body[slot.row]
            for k, c in enumerate(cols):
                if c.field != "objective":
                    self._cell_text(row.cells[c.field][slot.lines], xs[k], slot.top,
                                    slot.height)
            group = group_of.get(slot.row)
            if group is not None and slot.row == group[0]:
                fragment = [s for s in same_page if s.row in group]
                self._cell_text(objective[slot.row][slot.lines], xs[0], slot.top,
                                fragment[-1].bottom - slot.top)
            continues = (group is not None and slot.row != group[-1]
                         and any(s.row == slot.row + 1 for s in same_page))
            # Under a merged objective cell that goes on, the rule skips its column.
            if slot is not slots[-1] or lay.rule_under_last or lay.rules == "grid":
                self._hrule(xs[1] if continues else xs[0], xs[-1], slot.bottom)
            for x in self._verticals(xs):
                self._vrule(x, slot.top, slot.bottom)
            if lay.rules == "grid" and same_page[0] is slot:
                self._hrule(xs[0], xs[-1], slot.top)  # a headerless continuation's box
        self.y = slots[-1].bottom

    def _draw_header(self, cols, xs, header: _Row, slot: _Slot) -> None:
        lay = self.layout
        if lay.header_fill:
            self.pen.fill(xs[0], slot.top, xs[-1] - xs[0], slot.height, lay.header_fill)
        color = lay.header_color if lay.header_fill else "#000000"
        for k, c in enumerate(cols):
            self._cell_text(header.cells[c.field], xs[k], slot.top, slot.height, True, color)
        if lay.rule_above_header or lay.rules == "grid":
            self._hrule(xs[0], xs[-1], slot.top)
        self._hrule(xs[0], xs[-1], slot.bottom)
        for x in self._verticals(xs):
            self._vrule(x, slot.top, slot.bottom)

    def _verticals(self, xs: list[float]) -> list[float]:
        return {"grid": xs, "inner": xs[1:-1]}.get(self.layout.rules, [])

    def _cell_text(self, lines: list[str], x: float, top: float, height: float,
                   bold: bool = False, color: str = "#000000") -> None:
        lay = self.layout
        y = top + lay.padding
        if lay.valign == "middle":
            y = top + (height - len(lines) * self.leading) / 2
        for line in lines:
            y += self.leading
            self.pen.text(x + lay.padding, y - self.leading * 0.25, line, bold, lay.size, color)

    def _hrule(self, x0: float, x1: float, y: float) -> None:
        if self.layout.rules == "none":
            return
        self.pen.rule(x0, y, x1, y, self.layout.rule_width, self.layout.rule_shape)

    def _vrule(self, x: float, y0: float, y1: float) -> None:
        self.pen.rule(x, y0, x, y1, self.layout.rule_width, self.layout.rule_shape)


def build_layout_pdf(path: Path, layout: Layout, tables: list[KpiTableData]) -> Path:
    """Print ``tables`` in ``layout``: a cover, then headings, tables and prose."""
    pen = PENS[layout.producer](path, layout.pagesize, layout.font, layout.title,
                                layout.word_by_word)
    out = _Printer(pen, layout)
    out.new_page()
    out.paragraph(layout.title, 20, True, space_before=120)
    section = area = None
    for i, table in enumerate(tables):
        if i == 0:
            out.new_page()
            section = area = None
        keep = 4 * layout.size * 1.25
        if table.section != section:
            out.paragraph(table.section, layout.section_size, True, space_before=10,
                          keep_with=keep)
            area = None
        if table.area and table.area != area:
            out.paragraph(table.area, layout.area_size, True, "#8b1c2d", space_before=4,
                          keep_with=keep)
        section, area = table.section, table.area
        out.y += 4
        out.table(i, table)
        if i in layout.prose_after:
            out.paragraph(PROSE, layout.size + 1, False, space_before=8)
        out.y += 10
    pen.save()
    return path


# ---------------------------------------------------------------------------------------
# The variants the tests print: same data, different producers, fonts, pages and rulings.

# Header wordings seen in reports; "\n" makes a two-line header cell.
WORDINGS = [
    {"objective": "Obiettivo", "kpi": "KPI", "target": "Target",
     "achieved": "Target Raggiunto", "score_reported": "Risultato 2020"},
    {"objective": "Obiettivo strategico", "kpi": "Indicatore", "target": "Valore target",
     "achieved": "Valore raggiunto", "score_reported": "Risultato 2020"},
    {"objective": "Obiettivo", "kpi": "Indicatore di performance",
     "target": "Risultato atteso", "achieved": "Valore\nraggiunto",
     "score_reported": "Grado di\nraggiungimento"},
    {"objective": "Obiettivo\nstrategico", "kpi": "KPI", "target": "Target\n2020",
     "achieved": "Target\nRaggiunto", "score_reported": "Risultato\n2020"},
    {"objective": "Obiettivo operativo", "kpi": "Descrizione indicatore",
     "target": "Valore atteso", "achieved": "Valore raggiunto al 31/12/2020",
     "score_reported": "% raggiungimento"},
]
NOTES = ["", "Dato provvisorio", "", "Fonte: sistema di controllo di gestione"]


def with_extras(tables: list[KpiTableData]) -> list[KpiTableData]:
    """The same tables with two extra columns, "Peso" and "Note", of known values."""
    n = 0
    out = []
    for t in tables:
        rows = []
        for r in t.rows:
            rows.append({**r, "Peso": f"{5 * (1 + n % 6)}%", "Note": NOTES[n % len(NOTES)]})
            n += 1
        out.append(KpiTableData(t.section, t.area, rows))
    return out


def worded_columns(table: KpiTableData) -> list[Column]:
    """Header wording chosen by the table (stable), with the extra columns in between."""
    words = WORDINGS[len(table.rows[0]["kpi"]) % len(WORDINGS)]
    cols = [
        Column("objective", words["objective"], 2.0),
        Column("kpi", words["kpi"], 3.6),
        Column("Peso", "Peso", 0.8),
        Column("target", words["target"], 1.3),
        Column("achieved", words["achieved"], 1.3),
        Column("score_reported", words["score_reported"], 1.3),
        Column("Note", "Note", 1.6),
    ]
    return cols if table.has_objective else cols[1:]


# Page breaks forced inside merged objective cells (table index -> body row), on top of
# the natural ones: slide 12 (one objective over 4 rows), 17 (over 5), 20 (first of 3);
# and slide 24's header left alone at the foot of a page.
SPLITS = {9: 3, 14: 2, 17: 1, 20: 0}
# Rows split by a page break: slide 7's only row (its objective cell too) and the
# second row of slide 4 (inside a merged objective cell).
ROW_SPLITS = {4: 0, 1: 1}
LETTER = (612.0, 792.0)

VARIANTS: dict[str, tuple[Layout, bool]] = {  # name -> (layout, with extra columns)
    # Fully ruled, portrait, several tables a page, header repeated after a break.
    "grid_portrait_reportlab": (Layout(breaks=SPLITS, prose_after=(2, 12, 20)), False),
    # No vertical rulings: rules under the header and between rows only; Times, fpdf2.
    "rules_portrait_fpdf2": (Layout(
        producer="fpdf2", font="Times-Roman", size=9, rules="horizontal", valign="middle",
        rule_under_last=False, header_fill="#d9e2f3", header_color="#000000", breaks=SPLITS,
        row_splits=ROW_SPLITS,
        prose_after=(4, 15)), False),
    # Word-like: rules are thin filled rectangles, embedded TrueType font, US Letter, no
    # header fill or rule above it, and the header is not repeated after a page break.
    "rules_letter_wordlike": (Layout(
        font="Vera", size=8, pagesize=LETTER, rules="horizontal", rule_shape="rect",
        rule_width=0.5, rule_above_header=False, header_fill=None, repeat_header=False,
        breaks=SPLITS, prose_after=(7,)), False),
    # Fully ruled, landscape, fpdf2 with an embedded font, header not repeated.
    "grid_landscape_fpdf2": (Layout(
        producer="fpdf2", font="Vera", size=9, pagesize=landscape(A4), margin=36,
        repeat_header=False, breaks=SPLITS, row_splits=ROW_SPLITS), False),
    # Inner vertical rules only, no outer frame (as in a typeset journal): a ruling-line
    # finder loses the first and last columns.
    "inner_rules_times": (Layout(
        font="Times-Roman", size=9, rules="inner", header_fill=None, breaks=SPLITS,
        prose_after=(9,)), False),
    # Other header wordings, two-line header cells, extra "Peso" and "Note" columns.
    "wording_grid_fpdf2": (Layout(
        producer="fpdf2", font="Helvetica", size=8, pagesize=landscape(A4),
        columns=worded_columns, header_fill="#e7e6e6", header_color="#000000",
        valign="middle", breaks=SPLITS), True),
    # ...without vertical rules, in Courier, each word drawn on its own (no space glyphs,
    # and spaces wider than pdfplumber's word tolerance).
    "wording_rules_courier": (Layout(
        font="Courier", size=7.5, word_by_word=True, pagesize=landscape(A4), margin=30,
        rules="horizontal", columns=worded_columns, header_fill=None, breaks=SPLITS), True),
    # No rules at all (a word processor's "no borders" table): the header a dark band,
    # repeated after a page break; rows split by a page break.
    "none_filled_reportlab": (Layout(rules="none", breaks=SPLITS, row_splits=ROW_SPLITS,
                                     prose_after=(2, 12, 20)), False),
    # ...nor any fill, cells centred in their rows (merged objectives too), Times by
    # fpdf2, the header not repeated after a page break.
    "none_plain_fpdf2": (Layout(
        producer="fpdf2", font="Times-Roman", size=9, rules="none", header_fill=None,
        valign="middle", repeat_header=False, breaks=SPLITS, prose_after=(4, 15)), False),
    # ...a light header band, other wordings and extra columns, an embedded font, US
    # Letter landscape, the header not repeated (and once alone at the foot of a page).
    "none_wording_vera": (Layout(
        producer="fpdf2", font="Vera", size=7.5, pagesize=landscape(LETTER), margin=36,
        rules="none", columns=worded_columns, header_fill="#e7e6e6", header_color="#000000",
        repeat_header=False, breaks=SPLITS, prose_after=(7,)), True),
    # ...other wordings and extra columns, each word on its own in Courier (no space
    # glyphs), landscape.
    "none_courier_words": (Layout(
        font="Courier", size=7.5, word_by_word=True, pagesize=landscape(A4), margin=30,
        rules="none", columns=worded_columns, header_fill=None, breaks=SPLITS), True),
}


def build_variant(path: Path, name: str) -> tuple[Path, list[KpiTableData]]:
    """Print variant ``name``; return the PDF and the tables it holds (the ground truth)."""
    layout, extras = VARIANTS[name]
    tables = load_tables()
    if extras:
        tables = with_extras(tables)
    return build_layout_pdf(path, layout, tables), tables


# ---------------------------------------------------------------------------------------
# HTML for a browser or an office suite to print (optional tests: needs the system tool).

HTML_STYLE = """
@page { size: A4; margin: 16mm 15mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 8.5pt; }
h2 { font-size: 14pt; margin: 14pt 0 4pt; }
h3 { font-size: 11pt; margin: 6pt 0 4pt; color: #8b1c2d; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 12pt; }
thead { display: table-header-group; }
th { text-align: left; vertical-align: bottom; padding: 3pt 4pt; border-bottom: 1.5pt solid #222; }
td { vertical-align: top; padding: 3pt 4pt; border-bottom: 0.75pt solid #777; }
tr { break-inside: avoid; }
tr.page-break { break-before: page; }
p { margin: 6pt 0; }
"""


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def build_html(tables: list[KpiTableData], breaks: dict[int, int] = SPLITS) -> str:
    """The tables as an HTML report: no vertical borders, objectives as rowspan cells."""
    out = ["<!DOCTYPE html><html lang='it'><head><meta charset='utf-8'>",
           f"<style>{HTML_STYLE}</style></head><body>"]
    section = area = None
    for i, table in enumerate(tables):
        if table.section != section:
            out.append(f"<h2>{_html(table.section)}</h2>")
            area = None
        if table.area and table.area != area:
            out.append(f"<h3>{_html(table.area)}</h3>")
        section, area = table.section, table.area
        cols = default_columns(table)
        # Presentational attributes too: LibreOffice's HTML import ignores the CSS borders.
        total = sum(c.width for c in cols)
        out.append("<table border='1' frame='hsides' rules='rows' cellpadding='4' "
                   "cellspacing='0' width='100%'><colgroup>")
        out += [f"<col width='{round(100 * c.width / total)}%'>" for c in cols]
        out.append("</colgroup><thead><tr>")
        out += [f"<th>{_html(c.label)}</th>" for c in cols]
        out.append("</tr></thead><tbody>")
        starts = {g[0]: len(g) for g in equal_runs([r["objective"] for r in table.rows])}
        for r, row in enumerate(table.rows):
            klass = " class='page-break'" if breaks.get(i) == r else ""
            out.append(f"<tr{klass}>")
            for c in cols:
                if c.field == "objective":
                    if r in starts:
                        out.append(f"<td rowspan='{starts[r]}'>{_html(row['objective'])}</td>")
                    continue
                out.append(f"<td>{_html(row[c.field])}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        if i % 7 == 3:
            out.append(f"<p>{_html(PROSE)}</p>")
    out.append("</body></html>")
    return "\n".join(out)
