"""Text pages with a KPI table pasted as a picture (an Excel screenshot in a Word report).

The table is drawn from data (pdfgen), rasterised with PDFium and cropped to its rules,
then placed as a PNG under a real-text heading and paragraph (reportlab). The data
drawn is the ground truth.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfgen import KpiTable, build_report_pdf
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

HEADING = "Relazione sulla performance: obiettivi dell'area"
PARAGRAPH = (
    "Nel corso dell'anno l'amministrazione ha monitorato gli obiettivi assegnati alle "
    "direzioni. La tabella seguente riporta gli indicatori, i valori attesi e i valori "
    "raggiunti al 31 dicembre, come comunicati dalle direzioni competenti."
)


def table_picture(table: KpiTable, work: Path, dpi: int = 200) -> Image.Image:
    """The table drawn by reportlab, rendered at ``dpi`` and cropped to its rules."""
    source = build_report_pdf(work / "table.pdf", [table], cover=False, pagesize=A4)
    with pdfplumber.open(source) as pdf:
        x0, top, x1, bottom = pdf.pages[0].find_tables()[0].bbox
    doc = pdfium.PdfDocument(source)
    image = doc[0].render(scale=dpi / 72).to_pil().convert("RGB")
    doc.close()
    s, pad = dpi / 72, 2
    return image.crop((int(x0 * s) - pad, int(top * s) - pad,
                       int(x1 * s) + pad, int(bottom * s) + pad))


def text_page_with_picture(path: Path, picture: Image.Image | None, width: float = 520,
                           dpi: int = 200) -> Path:
    """A portrait A4 page: heading and paragraph as text, then the picture (if any)."""
    page = canvas.Canvas(str(path), pagesize=A4)
    _, height = A4
    page.setFont("Helvetica-Bold", 16)
    page.drawString(40, height - 60, HEADING)
    page.setFont("Helvetica", 10)
    text = page.beginText(40, height - 90)
    words, line = PARAGRAPH.split(), ""
    for word in words:
        if len(line) + len(word) > 95:
            text.textLine(line)
            line = ""
        line = f"{line} {word}".strip()
    text.textLine(line)
    page.drawText(text)
    if picture is not None:
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        buffer.seek(0)
        w = min(width, picture.width * 72 / dpi)
        h = w * picture.height / picture.width
        page.drawImage(ImageReader(buffer), 40, height - 140 - h, width=w, height=h)
    page.showPage()
    page.save()
    return path


def noise_picture(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo-like picture: smooth colour blobs, no rules."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (8, 12, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.BICUBIC)


def report_with_both(path: Path, text_table: KpiTable, picture: Image.Image,
                     dpi: int = 200) -> Path:
    """A portrait page: a KPI table in the text layer, then a paragraph and a pasted
    picture of another table under it."""
    from pdfgen import STYLES, _table_flowable
    from reportlab.lib.units import mm
    from reportlab.platypus import Image as Picture
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm,
                            rightMargin=15 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    buffer.seek(0)
    width = min(doc.width, picture.width * 72 / dpi)
    story = [
        Paragraph(text_table.section, STYLES["section"]),
        Spacer(1, 4 * mm),
        _table_flowable(text_table, doc.width),
        Spacer(1, 6 * mm),
        Paragraph(PARAGRAPH, STYLES["body"]),
        Spacer(1, 6 * mm),
        Picture(buffer, width=width, height=width * picture.height / picture.width),
    ]
    doc.build(story)
    return path
