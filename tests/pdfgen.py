"""Generate KPI report PDFs from data (reportlab), so their ground truth is known.

Used by the tests to build reports the extractor was never tuned to: other years,
other header wording, broken values. Layout knobs are explicit parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

LANDSCAPE_A4 = landscape(A4)
DEFAULT_HEADER = ["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2020"]


@dataclass
class KpiTable:
    """One KPI table; rows are full cell texts. Equal consecutive cells in
    ``merge_columns`` are printed as one vertically merged cell."""

    section: str
    area: str
    rows: list[list[str]]
    header: list[str] = field(default_factory=lambda: list(DEFAULT_HEADER))
    merge_columns: tuple[int, ...] = (0,)
    prose: str = ""


STYLES = {
    "section": ParagraphStyle("section", fontName="Helvetica-Bold", fontSize=18, leading=22),
    "area": ParagraphStyle(
        "area",
        fontName="Helvetica-Bold",
        fontSize=14,
        leading=18,
        textColor=colors.HexColor("#8b1c2d"),
    ),
    "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11),
    "head": ParagraphStyle(
        "head", fontName="Helvetica-Bold", fontSize=9, leading=11, textColor=colors.white
    ),
    "body": ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13),
    "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=26, leading=32),
}


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


def _table_flowable(spec: KpiTable, width: float) -> Table:
    n = len(spec.header)
    data = [[Paragraph(_escape(h), STYLES["head"]) for h in spec.header]]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#8b1c2d")),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    body = [list(r) for r in spec.rows]
    for c in spec.merge_columns:
        start = 0
        for r in range(1, len(body) + 1):
            if r == len(body) or body[r][c] != body[start][c]:
                if r - start > 1:
                    style.append(("SPAN", (c, start + 1), (c, r)))
                    for k in range(start + 1, r):
                        body[k][c] = ""
                start = r
    for row in body:
        data.append([Paragraph(_escape(v), STYLES["cell"]) for v in row])
    kpi_col = spec.header.index("KPI") if "KPI" in spec.header else 0
    base = width / (n + 2)
    widths = [base] * n
    widths[kpi_col] = base * 3
    return Table(data, colWidths=widths, style=TableStyle(style), repeatRows=1)


def build_report_pdf(
    path: Path,
    tables: list[KpiTable],
    title: str = "La Valutazione della Performance 2021 del Comune di Esempio",
    pagesize=LANDSCAPE_A4,
    cover: bool = True,
    password: str | None = None,
) -> Path:
    """Write a report: a cover page, then one page per KPI table (encrypted with
    ``password`` as the user password when given)."""
    doc = SimpleDocTemplate(
        str(path),
        encrypt=password,
        pagesize=pagesize,
        title=title,
        author="perf-pipeline tests",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    )
    story: list = []
    if cover:
        story += [Spacer(1, 60 * mm), Paragraph(_escape(title), STYLES["title"]), PageBreak()]
    for i, spec in enumerate(tables):
        story.append(Paragraph(_escape(spec.section), STYLES["section"]))
        if spec.area:
            story.append(Paragraph(_escape(spec.area), STYLES["area"]))
        story.append(Spacer(1, 4 * mm))
        story.append(_table_flowable(spec, doc.width))
        if spec.prose:
            story += [Spacer(1, 4 * mm), Paragraph(_escape(spec.prose), STYLES["body"])]
        if i < len(tables) - 1:
            story.append(PageBreak())
    doc.build(story)
    return path
