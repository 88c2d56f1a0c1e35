"""What every plot shares: the Axes to draw into, input checks, empty Axes, and axis labels and number
formats taken from the metric catalogue (a rate's axis shows percentages, PPM whole numbers)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from supplier_analytics.catalog import METRICS
from supplier_analytics.catalog import label as metric_label
from supplier_analytics.errors import InputError

#: Grade colours, best first (green to red); more grades than colours reuse a colormap.
_GRADE_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
_GREY = "#bdbdbd"
_NO_DATA = "0.55"


def _axes(ax, figsize=None):
    """The given Axes, or a new figure's (of ``figsize`` when given, e.g. tall for many bars)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")  # room for a legend beside the Axes
    return ax


def _require(frame, columns: Sequence[str], func: str, hint: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{func} expects a DataFrame, not {type(frame).__name__}; {hint}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{func}: the frame has no {', '.join(missing)} column; {hint}.")


def _empty(ax, text: str):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    return ax


def _labels(frame, label_col: str) -> pd.Series:
    """Text labels from ``label_col``; a supplier without a name (an empty ``supplier_name``) shows its id."""
    text = frame[label_col].astype("string")
    if label_col == "supplier_name" and "supplier_id" in frame.columns:
        text = text.fillna(frame["supplier_id"].astype("string"))
    return text.fillna("").astype(str)


def _float(frame, col) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _period_x(frame) -> pd.Series:
    """First day of each row's period: ``period_start`` when present, else ``period``."""
    if "period_start" in frame.columns:
        return pd.to_datetime(frame["period_start"]).astype("datetime64[ns]")
    col = frame["period"]
    if isinstance(col.dtype, pd.PeriodDtype):
        return col.dt.start_time.astype("datetime64[ns]")
    return pd.to_datetime(col.astype("str")).astype("datetime64[ns]")


def _grade_colours(names: Sequence[str]) -> dict[str, str]:
    if len(names) <= len(_GRADE_COLOURS):
        # spread the palette so that two grades are green and red, not green and light green
        idx = np.round(np.linspace(0, len(_GRADE_COLOURS) - 1, max(len(names), 1))).astype(int)
        return {g: _GRADE_COLOURS[i] for g, i in zip(names, idx)}
    import matplotlib

    cmap = matplotlib.colormaps["RdYlGn_r"]
    return {g: matplotlib.colors.to_hex(cmap(x)) for g, x in zip(names, np.linspace(0.05, 0.95, len(names)))}


def _is_rate(metric: str) -> bool:
    """Whether the catalogue says the metric is a fraction in [0, 1] (shown as a percentage)."""
    m = METRICS.get(metric)
    return m is not None and m.unit == "rate"


def _value_text(metric: str, value) -> str:
    """A value as people read it: the catalogue's format for a metric, else three significant digits."""
    m = METRICS.get(metric)
    return m.format(value) if m is not None else f"{float(value):.3g}"


def _value_axis(ax, metric: str, which: str = "y", text: str | None = None) -> None:
    """Label the axis with the metric's label (or ``text``) and format its ticks in the metric's unit."""
    from matplotlib.ticker import PercentFormatter, StrMethodFormatter

    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_label_text(metric_label(metric) if text is None else text)
    m = METRICS.get(metric)
    if m is None:
        return
    if m.unit == "rate":
        axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    elif m.unit in ("ppm", "count", "quantity"):
        axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _plain_log_ticks(ax, which: str = "x") -> None:
    """Tick labels of a log axis as plain numbers (1, 10, 100, 1,000), not powers of ten."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.10g}"))
    axis.set_minor_formatter(NullFormatter())


def _percent_axis(ax, which: str = "y", xmax: float = 1.0) -> None:
    """Show the axis as percentages (``xmax`` is 100 %)."""
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if which == "y" else ax.xaxis).set_major_formatter(PercentFormatter(xmax=xmax, decimals=None))
