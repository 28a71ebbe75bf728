"""Charts of the report drawn with matplotlib's Agg canvas (no pyplot global state: safe from a GUI thread).

Each function returns PNG bytes at 150 dpi, or None when there is nothing to draw.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from workbench.report.numbers import group_int

DPI = 150
BAR = "#2b5d8a"
GREY = "#9aa5b1"
WIDTH_IN = 6.6


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def _round_axis(axis, lang: str) -> None:
    """Ticks on round values (1, 2, 5 × 10^n: 0, 10 000, 20 000...), labelled the way ``lang`` groups digits."""
    axis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: group_int(v, lang)))


def horizontal_bars(labels: list[str], values: list[int], *, title: str, xlabel: str,
                    highlight_last: bool = False, lang: str = "en") -> bytes | None:
    """One bar per label, largest first as given; long labels wrapped."""
    if not values or not any(values):
        return None
    wrapped = ["\n".join(textwrap.wrap(label, 38)[:2]) or "-" for label in labels]
    fig = _figure(max(1.6, 0.45 * len(labels) + 0.9))
    ax = fig.add_subplot()
    colours = [BAR] * len(values)
    if highlight_last:
        colours[-1] = GREY
    y = list(range(len(values)))
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, wrapped, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    top = max(values)
    for yi, v in zip(y, values, strict=True):
        ax.text(v + top * 0.01, yi, group_int(v, lang), va="center", fontsize=7)
    ax.set_xlim(0, top * 1.15)
    _round_axis(ax.xaxis, lang)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def date_histogram(per_month: dict[str, int], *, title_month: str, title_year: str, ylabel: str,
                   lang: str = "en") -> bytes | None:
    """Records per month (per year when the span exceeds ten years); per_month keys are ``yyyy-mm``."""
    if not per_month:
        return None
    months = sorted(per_month)
    first_year, last_year = int(months[0][:4]), int(months[-1][:4])
    if last_year - first_year >= 10:
        per_year: dict[int, int] = {}
        for m, n in per_month.items():
            per_year[int(m[:4])] = per_year.get(int(m[:4]), 0) + n
        keys = list(range(first_year, last_year + 1))
        labels = [str(k) for k in keys]
        values = [per_year.get(k, 0) for k in keys]
        title = title_year
    else:
        keys_m = []
        y, mo = first_year, int(months[0][5:7])
        while (y, mo) <= (last_year, int(months[-1][5:7])):
            keys_m.append(f"{y:04d}-{mo:02d}")
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        labels, values, title = keys_m, [per_month.get(k, 0) for k in keys_m], title_month
    fig = _figure(2.6)
    ax = fig.add_subplot()
    x = list(range(len(values)))
    ax.bar(x, values, color=BAR, width=0.9)
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=8)
    _round_axis(ax.yaxis, lang)
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
