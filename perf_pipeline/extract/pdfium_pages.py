"""pdfplumber pages whose objects come from PDFium instead of pdfminer.

pdfplumber spends most of its time in pdfminer's Python content-stream interpreter
(every glyph of every paragraph becomes a Python object). PDFium (pypdfium2) reads
the same page in C. This module builds pdfplumber's own object dicts (chars, lines,
rects, curves, images) from PDFium, so everything above them — word grouping,
`find_tables` and its strategies, cropping — is still pdfplumber, unchanged.

Pages PDFium cannot describe faithfully (rotated pages, rotated text) fall back to
pdfminer, and `tests/test_pdfium_pages.py` holds both engines to the same rows.
"""

from __future__ import annotations

import ctypes
import unicodedata
from collections.abc import Iterator

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdffont import PDFFont
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import resolve1
from pdfplumber.page import Page

# A matrix as (a, b, c, d, e, f): x' = a*x + c*y + e, y' = b*x + d*y + f.
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# Same tolerance pdfminer uses to call a path a rectangle or a straight line.
AXIS_TOLERANCE = 1e-6
COORD_DECIMALS = 4
# Widest gap (in ems) a space glyph fills; wider gaps separate columns, not words.
MAX_SPACE_EM = 0.6
# PDFium drops some space glyphs altogether: a gap of most of the font's space width
# between two glyphs of one font on one baseline held one.
MIN_SPACE_SHARE = 0.8
DEFAULT_SPACE_EM = 0.25


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n  # noqa: N806
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    # PDFium stores points as 32-bit floats; rounding drops that noise so edges
    # that meet in the file meet here too.
    return (
        round(m[0] * x + m[2] * y + m[4], COORD_DECIMALS),
        round(m[1] * x + m[3] * y + m[5], COORD_DECIMALS),
    )


def _object_matrix(raw) -> Matrix:
    fs = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(raw, fs):
        return IDENTITY
    return (fs.a, fs.b, fs.c, fs.d, fs.e, fs.f)


def _rgba(getter, *args) -> tuple[float, ...]:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(*args, r, g, b, a):
        return ()
    return (r.value / 255, g.value / 255, b.value / 255)


def _strip_subset(name: str) -> str:
    """'BAAAAA+Carlito-Bold' -> 'Carlito-Bold' (PDFium reports names without the tag)."""
    return name.split("+", 1)[1] if len(name) > 7 and name[6] == "+" else name


class FontTable:
    """pdfminer's fonts of a document, by name without subset tag.

    Only font dictionaries are read (not content streams), so this is cheap; it gives
    each glyph pdfminer's font name and descent. Form XObjects (often shared by many
    pages) are read once.
    """

    def __init__(self) -> None:
        self.manager = PDFResourceManager(caching=True)
        self._xobjects: dict[int, dict[str, PDFFont]] = {}

    def fonts(self, resources) -> dict[str, PDFFont]:
        resources = resolve1(resources) or {}
        fonts: dict[str, PDFFont] = {}
        for ref in (resolve1(resources.get("Font")) or {}).values():
            spec = resolve1(ref)
            if not isinstance(spec, dict):
                continue
            try:
                font = self.manager.get_font(getattr(ref, "objid", None), spec)
            except Exception:  # a broken font dictionary: PDFium's own metrics are used
                continue
            fonts.setdefault(_strip_subset(str(font.fontname)), font)
        for ref in (resolve1(resources.get("XObject")) or {}).values():
            objid = getattr(ref, "objid", None)
            if objid is None or objid not in self._xobjects:
                self._xobjects.setdefault(objid, {})  # guards against cycles
                attrs = getattr(resolve1(ref), "attrs", {})
                inner = self.fonts(attrs["Resources"]) if attrs.get("Resources") else {}
                if objid is None:
                    fonts = {**inner, **fonts}
                    continue
                self._xobjects[objid] = inner
            fonts = {**self._xobjects[objid], **fonts}
        return fonts


class PdfiumPage(Page):
    """A pdfplumber Page whose `objects` are read by PDFium."""

    def __init__(self, page: Page, pdfium_page: pdfium.PdfPage, fonts: FontTable):
        super().__init__(page.pdf, page.page_obj, page.page_number, page.initial_doctop)
        self._pdfium_page = pdfium_page
        self._fonts = fonts
        # pdfminer measures y from the MediaBox's bottom edge; PDFium in user space.
        self._y_shift = pdfium_page.get_mediabox()[1]
        # What _char and _place need for every object, read once (they are properties of Page).
        self._top_of_zero = self.height + self.mediabox[1]

    def parse_objects(self) -> dict[str, list[dict]]:
        objects: dict[str, list[dict]] = {"char": self._chars()}
        for kind, obj in self._graphics():
            objects.setdefault(kind, []).append(obj)
        return {k: v for k, v in objects.items() if v}

    def close(self) -> None:
        super().close()
        self._pdfium_page.close()

    # -- geometry -------------------------------------------------------------------

    def _top(self, y: float) -> float:
        """pdfplumber's top-down coordinate of a PDFium (user space) y."""
        return self.height - (y - self._y_shift) + self.mediabox[1]

    def _place(self, obj: dict, x0: float, y0: float, x1: float, y1: float) -> dict:
        y0, y1 = y0 - self._y_shift, y1 - self._y_shift
        top = self._top_of_zero - y1
        obj.update(
            x0=x0,
            x1=x1,
            y0=y0,
            y1=y1,
            width=x1 - x0,
            height=y1 - y0,
            top=top,
            bottom=top + (y1 - y0),
            doctop=self.initial_doctop + top,
            page_number=self.page_number,
        )
        return obj

    # -- text ---------------------------------------------------------------------

    def _chars(self) -> list[dict]:
        textpage = self._pdfium_page.get_textpage()
        try:
            glyphs = list(self._iter_chars(textpage.raw))
        finally:
            textpage.close()
        chars, spaces = _merge_ligatures([g for g, _ in glyphs], [s for _, s in glyphs])
        # pdfplumber groups consecutive chars, so a space goes right after its glyph.
        after = _missing_spaces(chars, spaces, self._char)
        return [c for i, char in enumerate(chars) for c in (char, *after.get(i, ()))]

    def _iter_chars(self, tp) -> Iterator[tuple[dict, float]]:
        """Each glyph as pdfplumber's char dict, with its font's space width."""
        box = pdfium_c.FS_RECTF()
        origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
        # Font, size, matrix and colours belong to the text object: read them once.
        styles: dict[int, dict] = {}
        fonts = self._fonts.fonts(self.page_obj.resources)
        unicode_norm = self.pdf.unicode_norm
        for i in range(pdfium_c.FPDFText_CountChars(tp)):
            # PDFium adds spaces and line ends of its own; pdfminer does not. (The
            # real space glyphs PDFium drops are put back by _missing_spaces.)
            if pdfium_c.FPDFText_IsGenerated(tp, i):
                continue
            code = pdfium_c.FPDFText_GetUnicode(tp, i)
            if code in (0, 0xFFFE, 0xFFFF) or code in (10, 13):
                continue
            # PDFium reports a hyphen that ends a line as U+0002, or flags a hyphen-like
            # character there (only those are asked about: one call less per glyph).
            text = "-" if code == 2 or (code in HYPHEN_LIKE and
                                        pdfium_c.FPDFText_IsHyphen(tp, i) == 1) else chr(code)
            if unicode_norm is not None:
                text = unicodedata.normalize(unicode_norm, text)
            key = _text_object_address(tp, i)
            style = styles.get(key)
            if style is None:
                style = styles[key] = _text_style(
                    tp, i, pdfium_c.FPDFText_GetTextObject(tp, i), fonts)
            pdfium_c.FPDFText_GetLooseCharBox(tp, i, box)
            pdfium_c.FPDFText_GetCharOrigin(tp, i, origin_x, origin_y)
            size = style["size"]
            # pdfminer's glyph box: the advance width across, the font size high,
            # starting at the font's descent below the baseline.
            x0 = origin_x.value if style["upright"] else box.left
            x1 = x0 + (box.right - box.left)
            y0 = origin_y.value + style["descent"]
            a, b, c, d = style["abcd"]
            yield self._char(text, style, (a, b, c, d, origin_x.value, origin_y.value), x0, x1,
                             y0 - self._y_shift, y0 + size - self._y_shift), style["space"]

    def _char(self, text: str, style: dict, matrix: Matrix, x0: float, x1: float, y0: float,
              y1: float) -> dict:
        """pdfplumber's char dict, built whole: this runs for every glyph. ``y0``/``y1``
        are measured from the MediaBox's bottom edge, as pdfminer does."""
        top = self._top_of_zero - y1
        return {
            "object_type": "char",
            "text": text,
            "fontname": style["fontname"],
            "size": style["size"],
            "upright": style["upright"],
            "matrix": matrix,
            "non_stroking_color": style["fill"],
            "stroking_color": style["stroke"],
            "mcid": None,
            "tag": None,
            "x0": x0,
            "x1": x1,
            "y0": y0,
            "y1": y1,
            "width": x1 - x0,
            "height": y1 - y0,
            "top": top,
            "bottom": top + (y1 - y0),
            "doctop": self.initial_doctop + top,
            "page_number": self.page_number,
        }

    # -- graphics -------------------------------------------------------------------

    def _graphics(self) -> Iterator[tuple[str, dict]]:
        wanted = [
            pdfium_c.FPDF_PAGEOBJ_PATH,
            pdfium_c.FPDF_PAGEOBJ_IMAGE,
            pdfium_c.FPDF_PAGEOBJ_FORM,
        ]
        # Objects inside form XObjects are placed by their form's matrix too.
        form_matrices: dict[int, Matrix] = {0: IDENTITY}
        for obj in self._pdfium_page.get_objects(filter=wanted, max_depth=15):
            parent = form_matrices.get(obj.level, IDENTITY)
            if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
                form_matrices[obj.level + 1] = _multiply(_object_matrix(obj.raw), parent)
            elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                yield from self._paths(obj.raw, _multiply(_object_matrix(obj.raw), parent))
            elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                yield "image", self._image(obj, parent)

    def _paths(self, raw, matrix: Matrix) -> Iterator[tuple[str, dict]]:
        fillmode, stroke = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDFPath_GetDrawMode(raw, fillmode, stroke)
        if fillmode.value == pdfium_c.FPDF_FILLMODE_NONE and not stroke.value:
            return
        style = {
            "stroke": bool(stroke.value),
            "fill": fillmode.value != pdfium_c.FPDF_FILLMODE_NONE,
            "evenodd": fillmode.value == pdfium_c.FPDF_FILLMODE_ALTERNATE,
            "linewidth": _stroke_width(raw),
            "stroking_color": _rgba(pdfium_c.FPDFPageObj_GetStrokeColor, raw),
            "non_stroking_color": _rgba(pdfium_c.FPDFPageObj_GetFillColor, raw),
            "dash": None,
            "mcid": None,
            "tag": None,
        }
        x, y = ctypes.c_float(), ctypes.c_float()
        # Subpaths as pdfminer paths: ("m", p), ("l", p), ("c", p1, p2, p3), ("h",).
        subpaths: list[list[tuple]] = []
        pending: list[tuple[float, float]] = []  # PDFium gives a Bézier as 3 segments
        for i in range(pdfium_c.FPDFPath_CountSegments(raw)):
            segment = pdfium_c.FPDFPath_GetPathSegment(raw, i)
            pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
            kind = pdfium_c.FPDFPathSegment_GetType(segment)
            point = _apply(matrix, x.value, y.value)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append([("m", point)])
            elif kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
                pending.append(point)
                if len(pending) == 3:
                    subpaths[-1].append(("c", *pending))
                    pending = []
            else:
                subpaths[-1].append(("l", point))
            if pdfium_c.FPDFPathSegment_GetClose(segment) and not pending:
                subpaths[-1].append(("h",))
        # pdfminer paints each subpath of a path as its own object; so do we.
        for sub in subpaths:
            if sum(1 for op in sub if op[0] != "h") > 1:
                yield self._classify(sub, style)

    def _classify(self, sub: list[tuple], style: dict) -> tuple[str, dict]:
        # Like pdfminer: one point per operation (a curve's end point), none for 'h'.
        pts = [op[-1] for op in sub if op[0] != "h"]
        ops = "".join(op[0] for op in sub)
        kind = "curve"
        if ops == "ml":  # pdfminer calls any two-point path a line, slanted or not
            kind = "line"
        elif ops in ("mlll", "mllll", "mlllh", "mllllh") and _is_axis_rect(pts):
            kind = "rect"
        obj = dict(
            style,
            object_type=kind,
            pts=[(px, self._top(py)) for px, py in pts],
            path=[(op[0], *((px, self._top(py)) for px, py in op[1:])) for op in sub],
        )
        all_points = [p for op in sub for p in op[1:]]
        return kind, self._place(
            obj,
            min(p[0] for p in all_points),
            min(p[1] for p in all_points),
            max(p[0] for p in all_points),
            max(p[1] for p in all_points),
        )

    def _image(self, obj, parent: Matrix) -> dict:
        left, bottom, right, top = obj.get_bounds()
        if parent != IDENTITY:
            corners = [
                _apply(parent, px, py)
                for px, py in ((left, bottom), (right, top), (left, top), (right, bottom))
            ]
            left, right = min(c[0] for c in corners), max(c[0] for c in corners)
            bottom, top = min(c[1] for c in corners), max(c[1] for c in corners)
        w, h = ctypes.c_uint(), ctypes.c_uint()
        pdfium_c.FPDFImageObj_GetImagePixelSize(obj.raw, w, h)
        image = {
            "object_type": "image",
            "srcsize": (w.value, h.value),
            "name": "",
            "imagemask": None,
            "colorspace": [],
            "bits": None,
            "mcid": None,
            "tag": None,
        }
        return self._place(image, left, bottom, right, top)


# What PDFium may flag as a line-end hyphen (FPDFText_IsHyphen).
HYPHEN_LIKE = frozenset({0x2D, 0xAD, 0x2010, 0x2011, 0x2012, 0x2013})

# FPDFText_GetTextObject as a plain address: the per-glyph style cache key, without a
# ctypes.cast for every glyph (a third of the loop's time).
_text_object_address = ctypes.cast(
    pdfium_c.FPDFText_GetTextObject,
    ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int))


def _text_style(tp, i: int, text_object, fonts: dict[str, PDFFont]) -> dict:
    """What every glyph of one text object shares."""
    fs = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(tp, i, fs)
    # PDFium gives the font size in text space (the Tf operand); pdfminer's size is
    # the glyph height on the page, so apply the text matrix's vertical scale.
    font_size = pdfium_c.FPDFText_GetFontSize(tp, i)
    vertical_scale = (fs.c * fs.c + fs.d * fs.d) ** 0.5 or 1.0
    horizontal_scale = (fs.a * fs.a + fs.b * fs.b) ** 0.5 or 1.0
    size = font_size * vertical_scale
    name, descent = "", 0.0
    space = DEFAULT_SPACE_EM * size
    font = pdfium_c.FPDFTextObj_GetFont(text_object)
    if font:
        buffer = ctypes.create_string_buffer(256)
        length = pdfium_c.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
        name = buffer.raw[: max(length - 1, 0)].decode("utf-8", "replace")
        if (known := fonts.get(name)) is not None:
            # pdfminer's metrics, so glyph boxes match the pdfminer engine's.
            name, descent = str(known.fontname), known.get_descent() * size
            space_code = _character_codes(known).get(" ")
            if space_code is not None and known.char_width(space_code) > 0:
                space = known.char_width(space_code) * font_size * horizontal_scale
        else:
            value = ctypes.c_float()
            if pdfium_c.FPDFFont_GetDescent(font, ctypes.c_float(size), value):
                descent = value.value
    return {
        "size": size,
        "horizontal_scale": horizontal_scale,
        "descent": descent,
        "space": space,
        "fontname": name,
        "abcd": (fs.a, fs.b, fs.c, fs.d),
        "upright": fs.b == 0 and fs.c == 0 and fs.a * fs.d > 0,
        "fill": _rgba(pdfium_c.FPDFText_GetFillColor, tp, i),
        "stroke": _rgba(pdfium_c.FPDFText_GetStrokeColor, tp, i),
    }


def _character_codes(font: PDFFont) -> dict[str, int]:
    """Character → code in the font, as pdfminer decodes it (ToUnicode first)."""
    codes = getattr(font, "_perf_pipeline_codes", None)
    if codes is None:
        codes = {}
        unicode_map = getattr(font, "unicode_map", None)
        if unicode_map is not None:
            for cid, text in unicode_map.cid2unichr.items():
                codes.setdefault(text, cid)
        for cid, text in getattr(font, "cid2unicode", {}).items():
            codes.setdefault(text, cid)
        font._perf_pipeline_codes = codes
    return codes


def _merge_ligatures(chars: list[dict], spaces: list[float]) -> tuple[list[dict], list[float]]:
    """One char per ligature glyph, as pdfminer gives ('ffi' with the glyph's advance).

    PDFium splits a ligature into letters that share one origin and a box only as
    wide as the first letter; the glyph really ends where the next one starts.
    """
    merged: list[dict] = []
    merged_spaces: list[float] = []
    ligatures: list[int] = []
    for char, space in zip(chars, spaces, strict=True):
        last = merged[-1] if merged else None
        if last is not None and char["text"] != " " and char["matrix"][4:] == last["matrix"][4:]:
            last["text"] += char["text"]
            ligatures.append(len(merged) - 1)
        else:
            merged.append(char)
            merged_spaces.append(space)
    for i in ligatures:
        if i + 1 < len(merged):
            char, following = merged[i], merged[i + 1]
            gap = following["x0"] - char["x1"]
            if following["matrix"][5] == char["matrix"][5] and 0 < gap < char["size"]:
                char["x1"] = following["x0"]
                char["width"] = char["x1"] - char["x0"]
    return merged, merged_spaces


def _missing_spaces(chars: list[dict], spaces: list[float], make_char) -> dict[int, list[dict]]:
    """Space chars for the space glyphs PDFium drops (pdfminer keeps them), by the
    index of the glyph they follow.

    Between two glyphs of one font on one baseline, a gap of most of the font's space
    width (but not a column-wide one) held a space.
    """
    upright = sorted((c["matrix"][5], c["x0"], i) for i, c in enumerate(chars) if c["upright"])
    restored: dict[int, list[dict]] = {}
    for (y, _, i), (y_next, _, j) in zip(upright, upright[1:], strict=False):
        left, right = chars[i], chars[j]
        if y != y_next or " " in (left["text"], right["text"]):
            continue
        if (left["fontname"], left["size"]) != (right["fontname"], right["size"]):
            continue
        gap = right["x0"] - left["x1"]
        if MIN_SPACE_SHARE * spaces[i] <= gap < MAX_SPACE_EM * left["size"]:
            style = {
                "fontname": left["fontname"],
                "size": left["size"],
                "upright": True,
                "fill": left["non_stroking_color"],
                "stroke": left["stroking_color"],
            }
            a, b, c, d, _, _ = left["matrix"]
            restored.setdefault(i, []).append(make_char(
                " ", style, (a, b, c, d, left["x1"], y), left["x1"], right["x0"], left["y0"],
                left["y1"]))
    return restored


def _stroke_width(raw) -> float:
    width = ctypes.c_float()
    return width.value if pdfium_c.FPDFPageObj_GetStrokeWidth(raw, width) else 0.0


def _is_axis_rect(pts: list[tuple[float, float]]) -> bool:
    p = pts[:4]
    horizontal_first = (
        abs(p[0][1] - p[1][1]) < AXIS_TOLERANCE
        and abs(p[1][0] - p[2][0]) < AXIS_TOLERANCE
        and abs(p[2][1] - p[3][1]) < AXIS_TOLERANCE
        and abs(p[3][0] - p[0][0]) < AXIS_TOLERANCE
    )
    vertical_first = (
        abs(p[0][0] - p[1][0]) < AXIS_TOLERANCE
        and abs(p[1][1] - p[2][1]) < AXIS_TOLERANCE
        and abs(p[2][0] - p[3][0]) < AXIS_TOLERANCE
        and abs(p[3][1] - p[0][1]) < AXIS_TOLERANCE
    )
    return horizontal_first or vertical_first


def iter_pages(pdf: pdfplumber.PDF, document: pdfium.PdfDocument, start: int = 0,
               stop: int | None = None) -> Iterator[Page]:
    """Pages start..stop-1 of `pdf`, read by PDFium where it can be described faithfully."""
    fonts = FontTable()
    for page in pdf.pages[start:stop]:
        if page.rotation:
            yield page
            continue
        yield PdfiumPage(page, document[page.page_number - 1], fonts)
