"""Charts of the summary tables, as PNG bytes (matplotlib), for the Dagster UI metadata."""

from __future__ import annotations

import base64
import io

import pandas as pd

LABEL_CHARS = 45
STATUS_COLOURS = {"met": "#2e7d32", "partial": "#f9a825", "not_met": "#c62828",
                  "unscorable": "#9e9e9e"}


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display: the image goes into run metadata
    import matplotlib.pyplot as plt

    return plt


def share_met_by_area(trend_by_area: pd.DataFrame) -> bytes:
    """Horizontal bars: share of KPIs met (%) per area, one bar per year, one panel per entity."""
    plt = _pyplot()
    frame = trend_by_area[trend_by_area["kpis"] > 0]
    entities = sorted(frame["entity"].unique()) or ["(no reports)"]
    years = sorted(frame["year"].unique())
    heights = [max(2.0, 0.3 * len(years) * frame[frame["entity"] == e]["area_key"].nunique()
                   + 1.2) for e in entities]
    fig, axes = plt.subplots(len(entities), 1, figsize=(9, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, entity in zip(axes[:, 0], entities, strict=True):
        rows = frame[frame["entity"] == entity].sort_values("year")
        # One row per area across years (area_key), labelled as printed in the latest year.
        labels = rows.groupby("area_key")["area"].last().sort_index()
        bar = 0.8 / max(len(years), 1)
        for i, year in enumerate(years):
            shares = rows[rows["year"] == year].set_index("area_key")["share_met_pct"]
            positions = [a + i * bar for a in range(len(labels))]
            ax.barh(positions, [shares.get(key, 0.0) for key in labels.index], height=bar,
                    label=str(year))
        ax.set_yticks([a + bar * (len(years) - 1) / 2 for a in range(len(labels))],
                      [_short(label) for label in labels], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("KPIs met (%)")
        ax.set_title(f"{entity}: share of KPIs met by area, per year", fontsize=10)
        if years:
            ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def status_by_year(summary_by_report: pd.DataFrame) -> bytes:
    """Stacked bars: KPIs by status for every report (entity and year)."""
    plt = _pyplot()
    frame = summary_by_report.sort_values(["entity", "year"])
    labels = [f"{e}\n{y}" for e, y in zip(frame["entity"], frame["year"], strict=True)]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.4 * len(frame) + 2), 3.5))
    bottom = pd.Series(0, index=frame.index, dtype="float64")
    for status, colour in STATUS_COLOURS.items():
        ax.bar(labels, frame[status], bottom=bottom, color=colour,
               label=status.replace("_", " "))
        bottom += frame[status]
    ax.set_ylabel("KPIs")
    ax.set_title("KPIs by status, per report", fontsize=10)
    if len(frame):
        ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.tick_params(axis="x", labelsize=8)
    return _png(fig)


def markdown_image(png: bytes, alt: str) -> str:
    """The image inline in markdown, which the Dagster UI renders in asset metadata."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
