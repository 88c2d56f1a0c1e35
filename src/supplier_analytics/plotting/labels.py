"""Text that keeps off the data: point labels placed where they overlap nothing, and legends beside the Axes.

:func:`place_labels` writes a label next to each of a few points, trying positions around the point (near
first, then further out with a thin leader line) and taking the first whose box overlaps no other label,
no plotted point and stays inside the Axes; a label that finds no free place is left out and returned, so
the caller can say so. :func:`legend_outside` puts the legend to the right of (or below) the Axes, where it
can never cover a point.

Place the labels once the Axes limits and the figure layout are final: positions are computed in display
coordinates, so a later change of limits or layout moves the points but not the offsets of their labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["place_labels", "legend_outside", "renderer_of"]

#: Distances (points) from a point to the nearest edge of its label, tried in this order.
_RADII = (2.0, 7.0, 14.0, 24.0, 36.0)
#: Directions tried at each distance: right, left, above, below, then the four diagonals.
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))


def renderer_of(fig):
    """The figure's renderer, attaching an Agg canvas to a figure made without pyplot (``Figure()``)."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        get = FigureCanvasAgg(fig).get_renderer
    return get()


def legend_outside(ax, *, where: str = "right", **kwargs):
    """A legend beside the Axes (``where="right"``) or below them (``"below"``, under the x label: set it
    first), never over the data.

    A figure without a layout engine gets a constrained layout, which leaves room for the legend (a
    figure laid out by hand, ``subplots_adjust``, would cut it off at its edge).
    Other keyword arguments go to ``Axes.legend``. Returns the Legend (None when nothing is labelled).
    """
    handles, _ = ax.get_legend_handles_labels()
    if not handles and "handles" not in kwargs:
        return None
    if where == "right":
        kw = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
    elif where == "below":
        # just under the tick labels and every line of the x label, whatever the Axes' height: an offset in
        # inches, not a share of the Axes (which lands far below a tall chart and on the label of a flat one)
        from matplotlib.transforms import ScaledTranslation

        xlabel = ax.get_xlabel()
        drop = (26 + 14 * (xlabel.count("\n") + 1 if xlabel else 0)) / 72
        kw = {
            "loc": "upper center",
            "bbox_to_anchor": (0.5, 0.0),
            "bbox_transform": ax.transAxes + ScaledTranslation(0, -drop, ax.figure.dpi_scale_trans),
            "borderaxespad": 0.0,
            "ncols": 3,
        }
    else:
        raise ValueError(f"where must be 'right' or 'below', got {where!r}")
    kw["fontsize"] = "small"
    kw.update(kwargs)
    fig = ax.figure
    if fig.get_layout_engine() is None:
        # a figure laid out by hand has no room beside its Axes: a constrained layout makes it
        fig.set_layout_engine("constrained")
    return ax.legend(**kw)


def _overlaps(box, boxes: np.ndarray) -> bool:
    """Whether ``box`` (x0, y0, x1, y1) overlaps any row of ``boxes``."""
    if len(boxes) == 0:
        return False
    return bool(
        np.any((box[0] < boxes[:, 2]) & (boxes[:, 0] < box[2]) & (box[1] < boxes[:, 3]) & (boxes[:, 1] < box[3]))
    )


def place_labels(
    ax,
    x: Sequence[float],
    y: Sequence[float],
    texts: Sequence[str],
    *,
    avoid: tuple[Sequence[float], Sequence[float]] | None = None,
    marker_radius: float = 5.0,
    fontsize="x-small",
    **kwargs,
) -> list[str]:
    """Label the points (``x``, ``y``) in data coordinates with ``texts``, in order of importance.

    Parameters
    ----------
    ax : matplotlib Axes
        With its limits and its figure's layout final.
    x, y, texts : sequences of equal length
        The points to label, most important first (an earlier label gets the nearer place).
    avoid : (xs, ys), optional
        Every plotted point, which no label may cover (default: the labelled points).
    marker_radius : float, default 5.0
        Half the size of a marker in points, the box kept free around each point.
    fontsize, **kwargs
        Passed to ``Axes.annotate``.

    Returns
    -------
    list of str
        The texts that found no free place and were left out (empty when all are drawn).
    """
    fig = ax.figure
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()  # lay the figure out first: the labels are placed in display coordinates
    renderer = renderer_of(fig)
    px = fig.dpi / 72.0  # display pixels per point
    xy = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    others = xy if avoid is None else ax.transData.transform(np.column_stack([np.asarray(a, float) for a in avoid]))
    r = marker_radius * px
    taken = np.column_stack([others[:, 0] - r, others[:, 1] - r, others[:, 0] + r, others[:, 1] + r])
    frame = ax.get_window_extent(renderer)
    left_out = []
    for (u, v), text in zip(xy, texts):
        probe = ax.text(0, 0, str(text), fontsize=fontsize, ha="center", va="center")
        box = probe.get_window_extent(renderer)
        probe.remove()
        w, h = box.width / 2 + px, box.height / 2 + px
        spot = None
        for radius in _RADII:
            for ex, ey in _DIRECTIONS:
                cx = u + ex * (r + radius * px + w)
                cy = v + ey * (r + radius * px + h)
                cand = (cx - w, cy - h, cx + w, cy + h)
                inside = cand[0] >= frame.x0 and cand[2] <= frame.x1 and cand[1] >= frame.y0 and cand[3] <= frame.y1
                if inside and not _overlaps(cand, taken):
                    spot = (cx, cy, radius, cand)
                    break
            if spot is not None:
                break
        if spot is None:
            left_out.append(str(text))
            continue
        cx, cy, radius, cand = spot
        far = {"arrowprops": {"arrowstyle": "-", "color": "0.55", "lw": 0.6, "shrinkA": 0, "shrinkB": r / px}}
        ax.annotate(
            str(text),
            ax.transData.inverted().transform((u, v)),
            xytext=((cx - u) / px, (cy - v) / px),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=fontsize,
            **(far if radius >= 14.0 else {}),
            **kwargs,
        )
        taken = np.vstack([taken, cand])
    return left_out
