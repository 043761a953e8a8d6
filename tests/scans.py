"""Make image-only "scans" of a PDF: rendered pages, slightly rotated, noisy, JPEG-compressed.

The output has no text layer at all, like a report that went through a scanner, so the
extractor has to OCR it. The ground truth stays the source PDF's.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

WHITE = (255, 255, 255)


def scan_pdf(
    source: Path,
    target: Path,
    pages: list[int] | None = None,
    dpi: int = 150,
    angles: tuple[float, float] = (0.5, 1.0),
    noise: float = 8.0,
    specks: float = 0.0005,
    quality: int = 80,
    seed: int = 0,
) -> list[float]:
    """Write an image-only PDF of ``pages`` (1-based, default all); return each page's angle.

    Each page is turned by a random angle whose size lies in ``angles`` (degrees, either
    direction), gets Gaussian noise of standard deviation ``noise`` and dark specks on a
    ``specks`` fraction of its pixels, and is stored as a JPEG of the given quality.
    """
    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(source)
    numbers = pages or list(range(1, len(doc) + 1))
    images, turned = [], []
    for number in numbers:
        pixels = np.asarray(doc[number - 1].render(scale=dpi / 72).to_pil().convert("RGB"))
        angle = float(rng.uniform(*angles) * rng.choice([-1, 1]))
        turned.append(angle)
        images.append(Image.fromarray(_degrade(pixels, angle, noise, specks, rng)))
    doc.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(target, "PDF", resolution=dpi, save_all=True, append_images=images[1:],
                   quality=quality)
    return turned


def _degrade(pixels: np.ndarray, angle: float, noise: float, specks: float,
             rng: np.random.Generator) -> np.ndarray:
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    turned = cv2.warpAffine(pixels, matrix, (width, height), flags=cv2.INTER_LINEAR,
                            borderValue=WHITE)
    noisy = turned.astype(np.float32) + rng.normal(0, noise, turned.shape)
    dark = rng.random((height, width)) < specks
    noisy[dark] = rng.uniform(0, 90, (int(dark.sum()), 1))
    return np.clip(noisy, 0, 255).astype(np.uint8)
