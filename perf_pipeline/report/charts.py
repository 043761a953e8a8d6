"""Charts of the summary tables, as PNG bytes (matplotlib), for the Dagster UI metadata.

A chart is drawn only when what it shows changed: each PNG is kept in a cache folder
(beside the warehouse) under a hash of its data, title and this code, so an ingest that
changes no summary neither draws nor loads matplotlib (about 1 s of a one-report run).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from importlib import metadata
from pathlib import Path

import pandas as pd

LABEL_CHARS = 45
MAX_ROWS = 40
MAX_LABELLED_CELLS = 60
# Drawn at the size the Dagster UI shows them (it does not scale images up): 100 dpi,
# 11 pt labels, at least MIN_WIDTH_IN wide, so a one-report heatmap is not a thumbnail.
DPI = 100
FONT_SIZE = 11
MIN_WIDTH_IN = 8.0
KEPT_CHARTS = 50  # cache files kept, newest first


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display; also the scorecard's)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the image goes into run metadata
    import matplotlib.pyplot as plt

    return plt


def _cached(draw):
    """Decorate a chart function of (data frame, title): look its PNG up in ``cache``
    first, and keep what it draws there."""

    def chart(shares: pd.DataFrame, title: str, cache: Path | None = None) -> bytes:
        if cache is None:
            return draw(shares, title)
        key = hashlib.sha256("\0".join([
            draw.__name__, title, shares.to_csv(), _code_version()]).encode()).hexdigest()
        path = Path(cache) / f"{key[:24]}.png"
        if path.is_file():
            os.utime(path)  # recently used: kept by the pruning below
            return path.read_bytes()
        png = draw(shares, title)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.tmp")
        partial.write_bytes(png)
        os.replace(partial, path)
        for old in sorted(path.parent.glob("*.png"), key=lambda p: p.stat().st_mtime,
                          reverse=True)[KEPT_CHARTS:]:
            old.unlink(missing_ok=True)
        return png

    return chart


def _code_version() -> str:
    """This file and matplotlib's version: a cached chart from other code is stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest() + metadata.version(
        "matplotlib")


@_cached
def _heatmap(shares: pd.DataFrame, title: str) -> bytes:
    """Share of KPIs met (%), rows by columns (years), one coloured cell each: a picture
    that stays readable from one report to hundreds. Rows past MAX_ROWS are left out
    (the title says so); empty cells have no report."""
    plt = pyplot()
    total = len(shares)
    if total > MAX_ROWS:
        shares = shares.iloc[:MAX_ROWS]
        title += f" (first {MAX_ROWS} of {total} rows)"
    rows, cols = max(len(shares), 1), max(len(shares.columns), 1)
    labels = [_short(str(r)) for r in shares.index]
    # Room for the row labels measured up front (11 pt glyphs are at most ~7 pt wide), so
    # the figure is drawn once, not laid out by a trial draw (bbox_inches="tight").
    label_width = (7.0 * max(map(len, labels), default=0) + 20) / 72
    plot_width = max(min(1.5 + 1.0 * cols, 12), MIN_WIDTH_IN - label_width - 1.6)
    width, height = label_width + plot_width + 1.6, 1.6 + 0.4 * rows
    fig, ax = plt.subplots(figsize=(width, height))
    fig.subplots_adjust(left=label_width / width, right=1 - 1.6 / width,
                        top=1 - 0.6 / height, bottom=0.5 / height)
    image = ax.imshow(shares.to_numpy(dtype=float) if len(shares) else [[float("nan")]],
                      cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(shares.columns)), [str(c) for c in shares.columns], fontsize=FONT_SIZE)
    ax.set_yticks(range(len(shares)), labels, fontsize=FONT_SIZE)
    if rows * cols <= MAX_LABELLED_CELLS:
        for (i, j), value in pd.DataFrame(shares.to_numpy()).stack().items():
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=FONT_SIZE)
    colorbar_axes = fig.add_axes((1 - 1.35 / width, 0.5 / height, 0.18 / width,
                                  1 - 1.1 / height))
    colorbar = fig.colorbar(image, cax=colorbar_axes)
    colorbar.set_label("KPIs met (%)", fontsize=FONT_SIZE)
    colorbar.ax.tick_params(labelsize=FONT_SIZE - 1)
    # Over the whole figure: the plot alone can be narrower than the title.
    fig.text(0.02, 1 - 0.3 / height, title, ha="left", va="center", fontsize=FONT_SIZE + 2)
    return _png(fig)


def share_met_by_report(summary_by_report: pd.DataFrame, cache: Path | None = None) -> bytes:
    """Share of KPIs met per report: entities down, years across."""
    frame = summary_by_report.assign(
        share=100.0 * summary_by_report["met"] / summary_by_report["kpis"].where(
            summary_by_report["kpis"] > 0))
    shares = frame.pivot_table(index="entity", columns="year", values="share")
    return _heatmap(shares, "Share of KPIs met, per entity and year", cache)


def share_met_by_area(trend_by_area: pd.DataFrame, cache: Path | None = None) -> bytes:
    """Share of KPIs met per entity and area (labelled as printed in its latest year),
    years across."""
    frame = trend_by_area[trend_by_area["kpis"] > 0].sort_values("year")
    labels = frame.groupby(["entity", "area_key"])["area"].last()
    shares = frame.pivot_table(index=["entity", "area_key"], columns="year",
                               values="share_met_pct")
    entities = shares.index.get_level_values("entity").unique()
    title = "Share of KPIs met by area, per year"
    if len(entities) == 1:  # the entity goes in the title, not on every row
        shares.index = [labels[(entity, key)] for entity, key in shares.index]
        return _heatmap(shares, f"{entities[0]}: {title[0].lower()}{title[1:]}", cache)
    shares.index = [f"{entity} · {labels[(entity, key)]}" for entity, key in shares.index]
    return _heatmap(shares, title, cache)


def markdown_image(png: bytes, alt: str) -> str:
    """The image inline in markdown, which the Dagster UI renders in asset metadata."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
