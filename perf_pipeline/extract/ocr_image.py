"""The image side of OCR: straighten a page image, find its ruled tables and shaded
cells with OpenCV, read its words with Tesseract (ocr.py says when)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from xml.etree import ElementTree

import cv2
import numpy as np

from .grid import BBox
from .ocr import INSTALL_HINT, LANGUAGE, TESSERACT, OcrUnavailable, ScannedPage, missing_tesseract

OCR_DPI = 300
FONT = "OCR"
# Tesseract page layouts: sparse text for the page, one block of text per cell.
PAGE_LAYOUT = 11
CELL_LAYOUT = 6
XHTML = "{http://www.w3.org/1999/xhtml}"
HOCR_LINES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}

# Lengths are in points, so that they do not depend on the dpi; grey levels 0..255.
# Scans are straightened within MAX_SKEW degrees, in coarse then fine steps.
MAX_SKEW = 3.0
SKEW_STEPS = (0.1, 0.01)
SKEW_SCALE = 0.25
# Rules: a horizontal one is longer than any run of text strokes, a vertical one spans
# at least one table row; most of a run must look like a line (noise breaks rules).
MIN_HLINE = 40.0
MIN_VLINE = 9.0
LINE_COVER = 0.8
LINE_WIDTH_MAX = 2.5  # thicker strokes are not rules
RIDGE_CONTRAST = 9  # a rule against the paper or fill around it
FILL_CONTRAST = 25  # a cell fill against its neighbour
JOIN_REACH = 2.0  # rules whose ends are this close meet
RULE_MARGIN = 0.75  # a printed rule reaches this far beyond the pixels found for it
MIN_CELL = 4.0
MIN_TABLE = (40.0, 15.0)
BAND_TOLERANCE = 8  # pixels between cell edges of one row or column
# A median over a window wider than text strokes keeps fills and drops the text on them.
SHADE_WINDOW = 12.0
SHADE_REPAIR = 7  # specks of that median smaller than this are flips inside bold words
SHADE_BORDER = 1.5
DARK_FILL = 128  # outside tables, fills darker than this carry light text
TEXT_CONTRAST = 40  # text against the fill it is printed on
CELL_MARGIN = 4.0  # white border around a cell image
# On white paper, darker than INK_LEVEL is ink; ink blobs smaller than a square of
# MIN_BLOB side are specks (a full stop at 8 pt is larger).
INK_LEVEL = 170
MIN_BLOB = 0.7
# Outside tables, icons, pictures and fill borders read as flat slivers or as short,
# doubtful words apart from the text: dropped. Cell words are all kept, with their
# confidence, so that doubtful values stay visible.
MIN_WORD_HEIGHT = 3.0
NOISE_LENGTH = 5
NOISE_CONFIDENCE = 0.8
ISOLATION = 1.0  # gap to a sure word of the line, in line heights
LINE_OVERLAP = 0.8  # pieces of one printed line overlap this much




def ocr_page(page, dpi: int = OCR_DPI, timeout: float | None = None) -> ScannedPage:
    """Straighten the page image, find its ruled tables and read its words.

    Raises OcrUnavailable when Tesseract cannot run.
    """
    if problem := missing_tesseract():
        raise OcrUnavailable(problem)
    started = time.perf_counter()
    gray = np.asarray(page.to_image(resolution=dpi, antialias=True).original.convert("L"))
    angle = estimate_skew(gray)
    gray = rotate(gray, angle)
    shading, dark = shade(gray, dpi)
    horizontal, vertical = ruling_lines(gray, dpi)
    tables = ruled_tables(_joined_rules(horizontal, vertical, dpi), dpi)
    # Each cell is read on its own, so that Tesseract's layout analysis cannot run
    # text across cell borders; headings and prose from the page without its tables.
    page_image = readable_image(gray, shading, dark, dpi)
    frame = _px(LINE_WIDTH_MAX, dpi)
    for boxes in tables:
        x0, y0, x1, y1 = _around(boxes)
        page_image[max(0, y0 - frame):y1 + frame, max(0, x0 - frame):x1 + frame] = 255
    found = _without_noise(tesseract_words([page_image], dpi, PAGE_LAYOUT, timeout)[0], dpi)
    cells = [box for boxes in tables for box in boxes]
    if cells:
        margin = _px(CELL_MARGIN, dpi)
        images = [cell_image(gray, box, margin, dpi) for box in cells]
        read = tesseract_words(images, dpi, CELL_LAYOUT, timeout)
        for box, words in zip(cells, read, strict=True):
            found += [_shifted(w, box[0] - margin, box[1] - margin) for w in words]
    tables = [split_header(boxes, found) for boxes in tables]
    scale = 72 / dpi
    origin = (float(page.bbox[0]), float(page.bbox[1]))
    # Cells reach to the middle of their rules, so that neighbours share an edge.
    pad = _px(LINE_WIDTH_MAX, dpi) // 2 + 1
    return ScannedPage(
        words=[_to_word(w, scale, origin, float(page.initial_doctop))
               for w in on_shared_lines(found)],
        tables=[[_to_points(_widened(b, pad), scale, origin) for b in boxes] for boxes in tables],
        skew=angle,
        seconds=time.perf_counter() - started,
    )


def split_header(boxes: list[tuple[int, int, int, int]], words: list[dict]
                 ) -> list[tuple[int, int, int, int]]:
    """Cut header cells along the body's columns where only the fill hid the rule.

    A header printed as one coloured band has no visible separators, so it comes out
    as one cell over several columns. It is cut at a column border when its words lie
    on both sides and none crosses it; a real spanning header ("KPI" over two
    sub-columns) has its words on one side only and stays whole.
    """
    top = min(b[1] for b in boxes)
    starts = _bands([b[0] for b in boxes])
    split = []
    for box in boxes:
        if box[1] - top > BAND_TOLERANCE:
            split.append(box)
            continue
        inside = [w for w in words if _center_in(w, box)]
        left = box[0]
        for start in starts:
            if not box[0] + BAND_TOLERANCE < start < box[2] - BAND_TOLERANCE:
                continue
            end = max((b[2] for b in boxes if b[2] <= start + BAND_TOLERANCE), default=start)
            before = any(w["x1"] <= end for w in inside if w["x0"] >= left)
            after = any(w["x0"] >= start for w in inside)
            crossing = any(w["x0"] < start and w["x1"] > end for w in inside)
            if before and after and not crossing:
                split.append((left, box[1], end, box[3]))
                left = start
        split.append((left, box[1], box[2], box[3]))
    return split


def _center_in(word: dict, box) -> bool:
    x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def cell_image(gray: np.ndarray, box, margin: int, dpi: int) -> np.ndarray:
    """The inside of one cell as dark text on white, on a white margin.

    A cell has one fill, so its median is the fill; text lighter than the fill is
    inverted, then dividing by the fill makes the background white.
    """
    crop = gray[box[1]:box[3], box[0]:box[2]].astype(np.float32)
    fill = float(np.median(crop))
    lighter = np.count_nonzero(crop > fill + TEXT_CONTRAST)
    darker = np.count_nonzero(crop < fill - TEXT_CONTRAST)
    if lighter > darker:
        crop, fill = 255 - crop, 255 - fill
    flat = np.clip(crop * 255 / max(fill, 1.0), 0, 255).astype(np.uint8)
    return cv2.copyMakeBorder(despeckled(flat, dpi), margin, margin, margin, margin,
                              cv2.BORDER_CONSTANT, value=255)


def despeckled(image: np.ndarray, dpi: int) -> np.ndarray:
    """White paper without the scanner's specks and grain, text strokes untouched.

    Ink blobs smaller than a printed full stop are specks; everything that is not
    (near) a kept blob is paper and becomes pure white.
    """
    ink = (image < INK_LEVEL).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= (MIN_BLOB * dpi / 72) ** 2
    keep[0] = False
    near = cv2.dilate(keep[labels].astype(np.uint8), np.ones((3, 3), np.uint8))
    return np.where(near > 0, image, 255).astype(np.uint8)


def _without_noise(words: list[dict], dpi: int) -> list[dict]:
    """Drop what icons, pictures and fill borders leave: flat slivers, and short marks
    read with low confidence that stand apart from the confident words of their line."""
    doubtful = [
        sum(ch.isalnum() for ch in w["text"]) <= NOISE_LENGTH
        and w["confidence"] < NOISE_CONFIDENCE
        for w in words
    ]
    sure = [w for w, d in zip(words, doubtful, strict=True) if not d]
    unsure = [w for w, d in zip(words, doubtful, strict=True) if d]

    def near(word: dict, other: dict) -> bool:
        reach = ISOLATION * (word["bottom"] - word["top"])
        return (min(other["bottom"], word["bottom"]) > max(other["top"], word["top"])
                and other["x0"] - reach < word["x1"] and word["x0"] - reach < other["x1"])

    # A doubtful word next to a kept one is part of the text; that may chain along a line.
    grown = True
    while grown:
        joined = [w for w in unsure if any(near(w, other) for other in sure)]
        grown = bool(joined)
        sure += joined
        unsure = [w for w in unsure if w not in joined]
    return [w for w in sure if w["glyph_bottom"] - w["glyph_top"] >= _px(MIN_WORD_HEIGHT, dpi)]


def _around(boxes) -> tuple[int, int, int, int]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _widened(box, pad: int) -> tuple[int, int, int, int]:
    return (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)


def _shifted(word: dict, left: int, top: int) -> dict:
    return {**word, "x0": word["x0"] + left, "x1": word["x1"] + left,
            "top": word["top"] + top, "bottom": word["bottom"] + top}


def estimate_skew(gray: np.ndarray) -> float:
    """The rotation (degrees) that makes text lines and rules horizontal.

    Rows of a straight page alternate sharply between ink and paper, so the angle
    whose row profile varies most is the one that straightens it.
    """
    small = cv2.resize(gray, None, fx=SKEW_SCALE, fy=SKEW_SCALE, interpolation=cv2.INTER_AREA)
    ink = (255 - small).astype(np.float32)

    def sharpness(angle: float) -> float:
        profile = rotate(ink, angle, fill=0).sum(axis=1)
        return float(np.sum(np.diff(profile) ** 2))

    best, span = 0.0, MAX_SKEW
    for step in SKEW_STEPS:
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = float(max(candidates, key=sharpness))
        span = step
    return round(best, 2)


def rotate(image: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    if angle == 0:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderValue=fill)


def ruling_lines(gray: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks (0/1) of the horizontal and vertical table rules of a straightened page.

    A rule is a thin stroke darker or lighter than what surrounds it (a white line
    between dark header cells counts), or the border of a coloured cell fill. Runs
    of text strokes are short and do not join rules at both ends, so they drop out.
    """
    width = _odd(_px(LINE_WIDTH_MAX, dpi))
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    ridges_h = _ridges(smooth, cv2.getStructuringElement(cv2.MORPH_RECT, (1, width)))
    ridges_v = _ridges(smooth, cv2.getStructuringElement(cv2.MORPH_RECT, (width, 1)))
    reach = _px(1.0, dpi)
    edges_h = (ridges_h > RIDGE_CONTRAST) | (_steps(smooth, reach, axis=0) > FILL_CONTRAST)
    edges_v = (ridges_v > RIDGE_CONTRAST) | (_steps(smooth, reach, axis=1) > FILL_CONTRAST)
    horizontal = _long_runs(edges_h.astype(np.uint8), (_px(MIN_HLINE, dpi), 1))
    vertical = _long_runs(edges_v.astype(np.uint8), (1, _px(MIN_VLINE, dpi)))
    reach = _px(JOIN_REACH, dpi)
    vertical = _joined_at_both_ends(vertical, horizontal, vertical_runs=True, reach=reach)
    horizontal = _joined_at_both_ends(horizontal, vertical, vertical_runs=False, reach=reach)
    return horizontal, vertical


def _steps(image: np.ndarray, reach: int, axis: int) -> np.ndarray:
    """Change of grey across each pixel, looking ``reach`` pixels both ways."""
    padded = np.pad(image.astype(np.int16), [(reach, reach) if a == axis else (0, 0)
                                             for a in range(2)], mode="edge")
    size = image.shape[axis]
    after = np.take(padded, range(2 * reach, 2 * reach + size), axis=axis)
    before = np.take(padded, range(size), axis=axis)
    return np.abs(after - before)


def _ridges(image: np.ndarray, across: np.ndarray) -> np.ndarray:
    dark = cv2.morphologyEx(image, cv2.MORPH_BLACKHAT, across)
    light = cv2.morphologyEx(image, cv2.MORPH_TOPHAT, across)
    return np.maximum(dark, light)


def _long_runs(edges: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """Runs at least ``kernel`` long that are mostly edge (scan noise leaves gaps).

    A window passes the cover test when its centre lies (cover - 0.5) of its length
    inside a run; growing the passing centres by twice that restores the run with
    its ends in place and its gaps closed.
    """
    cover = cv2.blur(edges.astype(np.float32), kernel)
    core = (cover >= LINE_COVER).astype(np.uint8)
    grow = tuple(max(1, round((2 * LINE_COVER - 1) * k)) for k in kernel)
    return cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_RECT, grow))


def _joined_at_both_ends(runs: np.ndarray, other: np.ndarray, vertical_runs: bool,
                         reach: int) -> np.ndarray:
    """Keep runs whose two ends meet a run of the other direction (table rules do)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    kept = np.zeros_like(runs)
    height, width = runs.shape

    def meets(x0: int, y0: int, x1: int, y1: int) -> bool:
        return bool(other[max(0, y0):min(height, y1), max(0, x0):min(width, x1)].any())

    for i in range(1, count):
        x, y, w, h = stats[i][:4]
        if vertical_runs:
            ends = ((x - reach, y - reach, x + w + reach, y + reach),
                    (x - reach, y + h - reach, x + w + reach, y + h + reach))
        else:
            ends = ((x - reach, y - reach, x + reach, y + h + reach),
                    (x + w - reach, y - reach, x + w + reach, y + h + reach))
        if all(meets(*end) for end in ends):
            area = (slice(y, y + h), slice(x, x + w))
            kept[area] |= (labels[area] == i).astype(np.uint8)
    return kept


def ruled_tables(rules: np.ndarray, dpi: int) -> list[list[tuple[int, int, int, int]]]:
    """Pixel boxes of the cells of each ruled table: the paper inside its rules."""
    tables = []
    min_w, min_h = (_px(v, dpi) for v in MIN_TABLE)
    min_cell = _px(MIN_CELL, dpi)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    for i in range(1, count):
        tx, ty, tw, th = (int(v) for v in stats[i][:4])
        if tw < min_w or th < min_h:
            continue
        area = (slice(ty, ty + th), slice(tx, tx + tw))
        mine = (labels[area] == i).astype(np.uint8)
        n, _, cells, _ = cv2.connectedComponentsWithStats(1 - mine, connectivity=4)
        boxes = []
        for j in range(1, n):
            x, y, w, h = (int(v) for v in cells[j][:4])
            outside = x == 0 or y == 0 or x + w == tw or y + h == th
            if outside or w < min_cell or h < min_cell:
                continue
            boxes.append((tx + x, ty + y, tx + x + w, ty + y + h))
        # A table has rows and columns; text strokes and picture frames rarely do.
        if len(_bands([b[1] for b in boxes])) >= 2 and len(_bands([b[0] for b in boxes])) >= 2:
            tables.append(boxes)
    return tables


def _bands(starts: list[int]) -> list[int]:
    """Distinct cell starts (rows or columns), a few pixels apart counting as one."""
    bands: list[int] = []
    for v in sorted(starts):
        if not bands or v - bands[-1] > BAND_TOLERANCE:
            bands.append(v)
    return bands


def _joined_rules(horizontal: np.ndarray, vertical: np.ndarray, dpi: int) -> np.ndarray:
    """All rules in one mask: ends stretched so that rules meeting at a corner touch,
    and thickened to cover the faint edges of the printed line."""
    reach = _px(JOIN_REACH, dpi)
    stretched = cv2.dilate(horizontal, np.ones((1, 2 * reach + 1), np.uint8)) | cv2.dilate(
        vertical, np.ones((2 * reach + 1, 1), np.uint8)
    )
    thick = 2 * _px(RULE_MARGIN, dpi) + 1
    return cv2.dilate(stretched, np.ones((thick, thick), np.uint8))


def shade(gray: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """The paper or fill colour under each pixel (a coarse median that drops the text),
    and where that fill is dark enough to carry light text."""
    small = cv2.resize(gray, None, fx=72 / dpi, fy=72 / dpi, interpolation=cv2.INTER_AREA)
    median = cv2.medianBlur(small, _odd(round(SHADE_WINDOW)))
    # The median flips inside dense bold words: drop dark specks smaller than a fill,
    # then fill the light holes that light text leaves inside a dark fill.
    kernel = np.ones((SHADE_REPAIR, SHADE_REPAIR), np.uint8)
    dark = cv2.morphologyEx((median < DARK_FILL).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - dark, connectivity=4)
    height, width = dark.shape
    for i in range(1, count):
        x, y, w, h = stats[i][:4]
        enclosed = x > 0 and y > 0 and x + w < width and y + h < height
        if enclosed and h <= 2 * SHADE_WINDOW:
            dark[labels == i] = 1
    size = (gray.shape[1], gray.shape[0])
    dark = cv2.resize(dark, size, interpolation=cv2.INTER_NEAREST)
    # The coarse border of a fill is a point off; near it, each pixel says for itself.
    ring = np.ones((_odd(_px(2 * SHADE_BORDER, dpi)),) * 2, np.uint8)
    border = cv2.dilate(dark, ring) > cv2.erode(dark, ring)
    dark = np.where(border, gray < DARK_FILL, dark > 0)
    return cv2.resize(median, size, interpolation=cv2.INTER_LINEAR), dark


def readable_image(gray: np.ndarray, shading: np.ndarray, dark: np.ndarray, dpi: int
                   ) -> np.ndarray:
    """Dark text on white paper everywhere on the page.

    Light text on dark fills is inverted, then every pixel is divided by the colour
    of the paper or fill under it, so that all backgrounds become white.
    """
    image = np.where(dark, 255 - gray, gray).astype(np.float32)
    paper = np.where(dark, 255 - shading, shading).astype(np.float32)
    flat = np.clip(image * 255 / np.maximum(paper, 1), 0, 255).astype(np.uint8)
    return despeckled(flat, dpi)


def tesseract_words(images: list[np.ndarray], dpi: int, layout: int,
                    timeout: float | None) -> list[list[dict]]:
    """Run Tesseract once over several images; per image, its words with pixel boxes,
    the line they sit on and their confidence."""
    with tempfile.TemporaryDirectory(prefix="perf-ocr-") as tmp:
        names = []
        for i, image in enumerate(images):
            names.append(os.path.join(tmp, f"{i}.png"))
            cv2.imwrite(names[-1], image)
        listing = os.path.join(tmp, "images.txt")
        with open(listing, "w") as fh:
            fh.write("\n".join(names) + "\n")
        # One thread per process: the images are small and threads cost more than they save.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        command = [TESSERACT, listing, "stdout", "-l", LANGUAGE, "--psm", str(layout),
                   "--dpi", str(dpi), "hocr"]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env,
                                  check=False)
        except OSError as exc:
            raise OcrUnavailable(f"{INSTALL_HINT}; tesseract does not run ({exc})") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise OcrUnavailable(f"tesseract failed: {detail[-1] if detail else done.returncode}")
    pages: list[list[dict]] = [[] for _ in images]
    for number, word in _parse_hocr(done.stdout):
        pages[number].append(word)
    return pages


def _parse_hocr(hocr: bytes):
    """(image number, word) for every word, boxed by the line it sits on.

    A word's own box hugs its glyphs ("a" is lower than "T"). Like pdfplumber, the
    word gets its line's extent instead, from the baseline and the text height that
    Tesseract measures for the line; that height is the font size.
    """
    root = ElementTree.fromstring(hocr)
    for page in root.iter(f"{XHTML}div"):
        if page.get("class") != "ocr_page":
            continue
        number = int(_title(page)["ppageno"][0])
        for line in page.iter(f"{XHTML}span"):
            if line.get("class") not in HOCR_LINES:
                continue
            info = _title(line)
            x0, _, _, y1 = (int(v) for v in info["bbox"])
            slope, offset = (float(v) for v in info.get("baseline", ["0", "0"]))
            height = float(info.get("x_size", [y1 - int(info["bbox"][1])])[0])
            descent = float(info.get("x_descenders", ["0"])[0])
            for word in line.iter(f"{XHTML}span"):
                text = "".join(word.itertext()).strip()
                if word.get("class") != "ocrx_word" or not text:
                    continue
                box = [int(v) for v in _title(word)["bbox"]]
                baseline = y1 + offset + slope * ((box[0] + box[2]) / 2 - x0)
                yield number, {
                    "text": text,
                    "x0": box[0],
                    "x1": box[2],
                    "top": round(baseline + descent - height),
                    "bottom": round(baseline + descent),
                    "glyph_top": box[1],
                    "glyph_bottom": box[3],
                    "confidence": float(_title(word).get("x_wconf", ["0"])[0]) / 100,
                }


def _title(element) -> dict[str, list[str]]:
    """hOCR properties: title="bbox 1 2 3 4; x_wconf 95" -> {"bbox": [...], ...}."""
    fields = (part.strip().split() for part in element.get("title", "").split(";"))
    return {f[0]: f[1:] for f in fields if f}


def on_shared_lines(words: list[dict]) -> list[dict]:
    """Words of one printed line get the same top and bottom, as pdfplumber's do.

    Tesseract may cut a printed line in pieces whose measured extents differ by a
    pixel or two; pieces that mostly overlap take the extent of the first one.
    """
    lines: list[tuple[float, float]] = []
    shared = []
    for word in sorted(words, key=lambda w: w["top"]):
        height = word["bottom"] - word["top"]
        for top, bottom in lines:
            overlap = min(bottom, word["bottom"]) - max(top, word["top"])
            if overlap > LINE_OVERLAP * max(height, bottom - top):
                shared.append({**word, "top": top, "bottom": bottom})
                break
        else:
            lines.append((word["top"], word["bottom"]))
            shared.append(word)
    return shared


def _to_word(word: dict, scale: float, origin: tuple[float, float], doctop: float) -> dict:
    """A pdfplumber-shaped word dict in PDF points."""
    x0, top, x1, bottom = _to_points(
        (word["x0"], word["top"], word["x1"], word["bottom"]), scale, origin
    )
    return {
        "text": word["text"],
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": doctop + top,
        "width": x1 - x0,
        "height": bottom - top,
        "upright": True,
        "direction": "ltr",
        "size": round(bottom - top, 1),
        "fontname": FONT,
        "confidence": round(word["confidence"], 4),
    }


def _to_points(box, scale: float, origin: tuple[float, float]) -> BBox:
    x0, top, x1, bottom = box
    return (
        round(origin[0] + x0 * scale, 2),
        round(origin[1] + top * scale, 2),
        round(origin[0] + x1 * scale, 2),
        round(origin[1] + bottom * scale, 2),
    )


def _px(points: float, dpi: int) -> int:
    return max(1, round(points * dpi / 72))


def _odd(n: int) -> int:
    return n | 1
