"""Print KPI tables as whole documents (title, running header/footer, headings), from data.

The tables' rows, sections and areas are generated from a seeded vocabulary, so every
row's cells *and* its section/area are known. A ``DocStyle`` says how the headings look:
numbered (``3 Servizi``, ``3.2 Area ...``) or told apart by size/weight only, and a report
(A4 portrait, text between tables) or a slide deck (landscape, the section as each
slide's title); tables fully ruled or with horizontal rules only. Every document has
what misleads a heading finder:

* a document title on page 1 (larger than any heading) and, on every page, a running
  header and a footer with the page number;
* a section heading left at the bottom of a page, its area and table on the next page
  (and once a section and area heading both left there);
* a page with two tables side by side, each under its own area subtitle (a gutter
  apart; ``SIDE_BY_SIDE`` varies the gutter, drops the right table lower, prints it
  without a subtitle (it then continues the area in force), rules both as one table
  with a blank column between, or joins only their header rules across the gutter);
* a bold first cell in every table's first column (it must stay a cell).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

FIELDS = ["objective", "kpi", "target", "achieved", "score_reported"]
LABELS = {"objective": "Obiettivo", "kpi": "Indicatore", "target": "Target",
          "achieved": "Valore raggiunto", "score_reported": "Risultato"}
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
TITLE = "Relazione sulla performance 2021"
RUNNING = "Comune di Valmonte - Relazione sulla performance 2021"
PROSE = ("Il grado di raggiungimento degli obiettivi è stato verificato dal nucleo di "
         "valutazione sulla base dei dati forniti dalle direzioni competenti.")

SECTIONS = ["Servizi alla persona", "Territorio e ambiente", "Mobilità e trasporti",
            "Cultura e turismo", "Bilancio e risorse", "Innovazione digitale"]
AREAS = ["Area anziani", "Area giovani", "Area verde pubblico", "Area rifiuti",
         "Area trasporto pubblico", "Area ciclabilità", "Area musei", "Area eventi",
         "Area tributi", "Area personale", "Area servizi online", "Area dati aperti"]
VERBS = ["Aumentare", "Ridurre", "Migliorare", "Completare", "Attivare", "Estendere"]
OBJECTS = ["l'accesso ai servizi", "i tempi di risposta", "la qualità percepita",
           "la copertura territoriale", "le pratiche digitali", "la raccolta differenziata"]
MEASURES = ["Numero di utenti serviti", "Tempo medio di attesa in giorni",
            "Percentuale di pratiche evase", "Indice di soddisfazione",
            "Chilometri realizzati", "Numero di interventi"]


@dataclass
class DocTable:
    section: str
    area: str
    rows: list[dict[str, str]]


@dataclass(frozen=True)
class DocStyle:
    numbered: bool = True  # "3 Servizi", "3.2 Area anziani"; else size/weight only
    deck: bool = False  # landscape slides: the section is each slide's title
    section_size: float = 15
    area_size: float = 12
    area_bold: bool = True
    body_size: float = 9
    verticals: bool = True  # False: horizontal rules only (found by the header finder)
    # The side-by-side pair: white between the tables, how much lower the right one
    # starts, and whether it has its own subtitle.
    gutter: float = 20
    right_drop: float = 0
    right_subtitle: bool = True
    # The pair drawn as one table with a blank column between (a word processor's):
    # every rule runs across both, a row is as tall as the taller side's.
    shared_rules: bool = False
    # Only the rules over and under the pair's header run across the gutter.
    joined_header: bool = False


STYLES = {
    "numbered": DocStyle(),
    "unnumbered": DocStyle(numbered=False, section_size=14, area_size=11.5),
    "plain_areas": DocStyle(numbered=False, section_size=13, area_size=13, area_bold=False),
    "horizontal_rules": DocStyle(verticals=False),
    "deck": DocStyle(numbered=False, deck=True, section_size=20, area_size=14,
                     body_size=10),
}
# Side-by-side pairs with horizontal rules only, laid out otherwise than in STYLES.
SIDE_BY_SIDE = {
    "narrow_gutter": DocStyle(verticals=False, gutter=7),
    "wide_gutter": DocStyle(verticals=False, gutter=70, numbered=False, section_size=14,
                            area_size=11.5),
    "right_lower": DocStyle(verticals=False, right_drop=47),
    "right_untitled": DocStyle(verticals=False, right_subtitle=False, gutter=30),
    "shared_rules": DocStyle(verticals=False, shared_rules=True, gutter=25),
    "joined_header": DocStyle(verticals=False, joined_header=True, gutter=16),
}


def make_tables(seed: int, style: DocStyle) -> list[DocTable]:
    """Sections of 2-3 areas, each area one table of 2-4 rows (seeded: reproducible)."""
    rng = random.Random(seed)
    tables, areas = [], iter(rng.sample(AREAS, len(AREAS)))
    for s, section in enumerate(rng.sample(SECTIONS, 4), start=1):
        section_text = f"{s} {section}" if style.numbered else section
        for a in range(1, rng.randint(2, 3) + 1):
            area = next(areas)
            area_text = f"{s}.{a} {area}" if style.numbered else area
            rows = []
            for _ in range(rng.randint(2, 4)):
                rows.append({
                    "objective": f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}",
                    "kpi": rng.choice(MEASURES),
                    "target": f"{rng.randint(50, 99)}%",
                    "achieved": f"{rng.randint(40, 100)}%",
                    "score_reported": f"{rng.choice([60, 80, 100])}%",
                })
            tables.append(DocTable(section_text, area_text, rows))
    return tables


class _Doc:
    def __init__(self, path: Path, style: DocStyle):
        self.style = style
        self.pagesize = landscape(A4) if style.deck else A4
        self.width, self.height = self.pagesize
        self.canvas = Canvas(str(path), pagesize=self.pagesize)
        self.canvas.setTitle(TITLE)
        self.margin = 50.0
        self.page = 0
        self.y = 0.0

    def text(self, x: float, y: float, text: str, font: str, size: float) -> None:
        self.canvas.setFont(font, size)
        self.canvas.drawString(x, self.height - y, text)

    def new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        self.text(self.margin, 30, RUNNING, REGULAR, 7.5)
        self.text(self.width - self.margin - 40, 30, f"Pag. {self.page}", REGULAR, 7.5)
        self.text(self.margin, self.height - 25, f"{RUNNING} - pagina {self.page}",
                  REGULAR, 7.5)
        self.y = 60.0

    def room(self) -> float:
        return self.height - 60 - self.y

    def heading(self, text: str, level: int) -> None:
        size = self.style.section_size if level == 1 else self.style.area_size
        font = BOLD if level == 1 or self.style.area_bold else REGULAR
        self.y += size * 1.6
        self.text(self.margin, self.y, text, font, size)
        self.y += size * 0.6

    def prose(self) -> None:
        size = self.style.body_size
        for line in simpleSplit(PROSE, REGULAR, size, self.width - 2 * self.margin):
            self.y += size * 1.4
            self.text(self.margin, self.y, line, REGULAR, size)
        self.y += size

    def columns(self, x0: float, width: float, objective: bool) -> list[tuple[str, float]]:
        fields = FIELDS if objective else FIELDS[1:]
        weights = {"objective": 3, "kpi": 3.4, "target": 1.2, "achieved": 1.6,
                   "score_reported": 1.4}
        total = sum(weights[f] for f in fields)
        return [(f, width * weights[f] / total) for f in fields]

    def _row_lines(self, cols, row: dict[str, str] | None, bold_first: bool):
        size = self.style.body_size
        out = []
        for i, (field, w) in enumerate(cols):
            text = LABELS[field] if row is None else row[field]
            font = BOLD if row is None or (i == 0 and bold_first) else REGULAR
            out.append((simpleSplit(text, font, size, w - 6), font))
        return out

    def table_height(self, table: DocTable, width: float, objective: bool = True) -> float:
        cols = self.columns(0, width, objective)
        lead = self.style.body_size * 1.25
        rows = [None, *table.rows]
        return sum(max(len(lines) for lines, _ in self._row_lines(cols, r, True)) * lead + 6
                   for r in rows)

    def table(self, table: DocTable, x0: float, width: float, objective: bool = True) -> float:
        """Draw a ruled table at the current y; return its bottom (y is not moved)."""
        cols = self.columns(x0, width, objective)
        c = self.canvas
        c.setLineWidth(0.6)
        y = self.y
        tops = [y]
        for r, row in enumerate([None, *table.rows]):
            cells = self._row_lines(cols, row, bold_first=r == 1)  # the first cell bold
            y += self._draw_row(cells, cols, x0, y)
            tops.append(y)
        for t in tops:
            c.line(x0, self.height - t, x0 + width, self.height - t)
        x = x0
        for edge in [0.0] + [w for _, w in cols] if self.style.verticals else []:
            x += edge
            c.line(x, self.height - tops[0], x, self.height - tops[-1])
        return y

    def _draw_row(self, cells, cols, x0: float, y: float) -> float:
        """Draw one row's cells at y; return the row's height."""
        size = self.style.body_size
        lead = size * 1.25
        x = x0
        for (lines, font), (_, w) in zip(cells, cols, strict=True):
            for k, line in enumerate(lines):
                self.text(x + 3, y + 3 + size + k * lead, line, font, size)
            x += w
        return max(len(lines) for lines, _ in cells) * lead + 6

    def shared_table(self, pair: list[DocTable], x0s: list[float], width: float) -> float:
        """Draw a side-by-side pair as one table ruled across both and the gap between
        (``shared_rules``); return its bottom."""
        colsets = [self.columns(x0, width, False) for x0 in x0s]
        sides = [[None, *t.rows] for t in pair]
        y = self.y
        tops = [y]
        for r in range(max(len(rows) for rows in sides)):
            # The first cell of each side's first row bold; a side out of rows is blank.
            y += max(self._draw_row(self._row_lines(cols, rows[r], bold_first=r == 1),
                                    cols, x0, y)
                     for cols, rows, x0 in zip(colsets, sides, x0s, strict=True)
                     if r < len(rows))
            tops.append(y)
        self.canvas.setLineWidth(0.6)
        for t in tops:
            self.canvas.line(x0s[0], self.height - t, x0s[-1] + width, self.height - t)
        return y

    def save(self) -> None:
        self.canvas.save()


def build_document_pdf(path: Path, style: DocStyle, tables: list[DocTable]) -> Path:
    """Print ``tables`` in document order (see the module docstring for what is where)."""
    doc = _Doc(path, style)
    full = doc.width - 2 * doc.margin
    doc.new_page()
    doc.y += 20
    doc.text(doc.margin, doc.y + 22, TITLE, BOLD, 24)  # the document title
    doc.y += 40
    if style.deck:
        doc.text(doc.margin, doc.y + 16, "Comune di Valmonte", REGULAR, 16)
    else:
        doc.prose()
    sections = list(dict.fromkeys(t.section for t in tables))
    by_section = {s: [t for t in tables if t.section == s] for s in sections}
    for n, section in enumerate(sections):
        group = by_section[section]
        if style.deck:
            _deck_section(doc, section, group, full)
            continue
        if n == 1:  # the section heading alone at the foot of a page
            doc.y = doc.height - 60 - style.section_size * 2.2
            doc.heading(section, 1)
            doc.new_page()
        elif n == 3:  # section and area headings both at the foot of a page
            doc.y = doc.height - 60 - (style.section_size + style.area_size) * 2.2
            doc.heading(section, 1)
            doc.heading(group[0].area, 2)
            doc.new_page()
            doc.y = doc.table(group[0], doc.margin, full) + 10
            group = group[1:]
        else:
            if doc.room() < 160:
                doc.new_page()
            doc.heading(section, 1)
        # The section before a foot heading leaves room for it under its last table.
        foot_room = 90 if n + 1 in (1, 3) else 0
        if n == 2 and len(group) >= 2:  # two tables side by side, each under its subtitle
            pair, group = group[:2], group[2:]
            gutter = style.gutter
            half = (full - gutter) / 2
            need = max(doc.table_height(t, half, False) + k * style.right_drop
                       for k, t in enumerate(pair)) + 60
            if doc.room() < need + (0 if group else foot_room):
                doc.new_page()
            top = doc.y
            x0s = [doc.margin + k * (half + gutter) for k in range(2)]
            bottoms = []
            for k, t in enumerate(pair):
                drop = k * style.right_drop
                size = style.area_size
                if k == 0 or style.right_subtitle:
                    doc.text(x0s[k], top + drop + size * 1.6, t.area,
                             BOLD if style.area_bold else REGULAR, size)
                doc.y = top + drop + size * 2.2
                if not style.shared_rules:
                    bottoms.append(doc.table(t, x0s[k], half, False))
            if style.shared_rules:
                bottoms.append(doc.shared_table(pair, x0s, half))
            if style.joined_header:
                header = top + style.area_size * 2.2
                for y in (header, header + doc.table_height(DocTable("", "", []), half, False)):
                    doc.canvas.line(x0s[0] + half, doc.height - y, x0s[1], doc.height - y)
            doc.y = max(bottoms) + 10
        for t in group:
            last = t is group[-1]
            if doc.room() < doc.table_height(t, full) + 50 + (foot_room if last else 0):
                doc.new_page()
            doc.heading(t.area, 2)
            doc.y = doc.table(t, doc.margin, full) + 10
            doc.prose()
    doc.save()
    return path


def _deck_section(doc: _Doc, section: str, group: list[DocTable], full: float) -> None:
    """One slide per table: the section as the slide title, the area as its subtitle."""
    for t in group:
        doc.new_page()
        doc.heading(section, 1)
        doc.heading(t.area, 2)
        doc.y += 6
        doc.table(t, doc.margin, full)


def side_by_side_tables(tables: list[DocTable]) -> list[DocTable]:
    """The tables build_document_pdf prints without an objective column (a side-by-side
    pair): their rows' objective is empty in the ground truth."""
    sections = list(dict.fromkeys(t.section for t in tables))
    if len(sections) < 3:
        return []
    group = [t for t in tables if t.section == sections[2]]
    return group[:2] if len(group) >= 2 else []


def build_document(path: Path, name: str, seed: int = 7) -> tuple[Path, list[DocTable]]:
    """Print style ``name`` (of STYLES or SIDE_BY_SIDE) and return its ground truth, in
    reading order."""
    style = STYLES[name] if name in STYLES else SIDE_BY_SIDE[name]
    tables = make_tables(seed, style)
    build_document_pdf(path, style, tables)
    if not style.deck:
        pair = side_by_side_tables(tables)
        for t in pair:
            for row in t.rows:
                row["objective"] = ""
        if pair and not style.right_subtitle:  # no heading: the area in force
            pair[1].area = pair[0].area
    return path, tables
