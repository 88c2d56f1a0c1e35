"""Change signals: one before/after comparison of record shares, used by every caller.

Three questions in the package compare a metric on two sides of a date:

* :func:`~supplier_analytics.trends.compare_windows`: one window of periods against another;
* :func:`change_signals`: the recent months against the same months a year earlier;
* :func:`~supplier_analytics.actions.compare_before_after`: the months before an action was opened
  against the months after it was closed.

Each only selects its two sides; :func:`compare` does the rest, the same way for all three: the
pooled two-proportion z-test with Newcombe's interval of the difference
(:func:`~supplier_analytics.stats.two_proportion_test`), the minimum-records rule, the
Benjamini-Hochberg adjustment across the rows tested, and the direction from the metric catalogue
(:func:`~supplier_analytics.catalog.lower_is_better`). The sides are called ``before`` and ``after``
everywhere, and ``difference`` is always after - before.

Examples
--------
>>> r = compare([285, 45], [300, 50], [239, 45], [300, 50], metric="otif_rate")
>>> r[["before", "after", "difference", "direction"]].round(4).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'before': 0.95, 'after': 0.7967, 'difference': -0.1533, 'direction': 'deteriorating'},
 {'before': 0.9, 'after': 0.9, 'difference': 0.0, 'direction': 'no change'}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.catalog import METRICS, RECORD_SHARES, spec
from supplier_analytics.errors import InputError
from supplier_analytics.stats import benjamini_hochberg, two_proportion_test

__all__ = [
    "compare",
    "compare_sides",
    "change_signals",
    "record_flags",
    "COMPARE_COLUMNS",
    "SIGNAL_COLUMNS",
    "SIGNAL_METRICS",
    "RECORD_SHARES",
    "DIRECTIONS",
]


def _side(side: str) -> list[str]:
    """The columns of one side of a comparison: records with the flag, records, and the figure."""
    return [f"{side}_k", f"{side}_n", side]


#: Columns :func:`compare` returns, in order.
COMPARE_COLUMNS = [
    *_side("before"),
    *_side("after"),
    "difference",
    "low",
    "high",
    "statistic",
    "p_value",
    "q_value",
    "direction",
]
#: Values of ``direction``.
DIRECTIONS = ("improving", "deteriorating", "no change", "not tested")
#: Columns of :func:`change_signals` and :func:`~supplier_analytics.trends.compare_windows`.
SIGNAL_COLUMNS = [
    "supplier_id",
    "metric",
    "before_from",
    "before_to",
    *_side("before"),
    "after_from",
    "after_to",
    *_side("after"),
    "difference",
    "low",
    "high",
    "p_value",
    "q_value",
    "direction",
]
#: Metrics :func:`change_signals` tests by default.
SIGNAL_METRICS = ("otif_rate", "lot_rejection_rate", "within_sla_rate")
#: Rates that are shares of independent records (lines, lots, requests), each record flagged or not: what
#: :func:`record_flags` can count on any two sides of a date.

# judged-record table -> (attribute of a MetricsResult, the date a record is counted at)
_TABLES = {
    "deliveries": ("lines", "date_received"),
    "inspections": ("lots", "date"),
    "requests": ("requests", "date_sent"),
}


def compare_sides(frame: pd.DataFrame, **options) -> pd.DataFrame:
    """:func:`compare` of a frame with the counts of both sides (``before_k``, ``before_n``, ``after_k``,
    ``after_n``) and the ``metric`` of each row; ``options`` as for :func:`compare`."""
    return compare(
        frame["before_k"], frame["before_n"], frame["after_k"], frame["after_n"], metric=frame["metric"], **options
    )


def compare(
    before_k, before_n, after_k, after_n, *, metric, fdr: float = 0.05, confidence: float = 0.95, min_records: int = 1
) -> pd.DataFrame:
    """The after side against the before side, row by row (a supplier, an action ...).

    Parameters
    ----------
    before_k, before_n, after_k, after_n : array_like
        Counts of each side: records with the flag (``k``) among the records
        (``n``); for PPM defective among inspected units. NaN counts as 0.
    metric : str or array_like of str
        The metric of every row, or of each row: a count metric of the
        catalogue (a rate or ``ppm``), which gives the scale and which
        direction is better.
    fdr : float, default 0.05
        Benjamini-Hochberg false discovery rate across the rows tested.
    confidence : float, default 0.95
        Coverage of the interval of the difference.
    min_records : int, default 1
        Records (``n``) each side needs; rows with fewer are "not tested" and
        have no difference, interval or p-value.

    Returns
    -------
    DataFrame
        :data:`COMPARE_COLUMNS`, one row per input row: the counts as given,
        the figure of each side (``k / n`` times the metric's scale, NaN
        without records), ``difference`` (after - before) with Newcombe's
        interval ``low``/``high``, the pooled z ``statistic`` and its
        ``p_value``, ``q_value`` (BH-adjusted) and ``direction``
        ("improving" or "deteriorating" when ``q_value <= fdr``, else "no
        change"; "not tested" below ``min_records``).
    """
    if not 0.0 < fdr < 1.0:
        raise InputError(f"fdr must lie strictly between 0 and 1, got {fdr!r}; use e.g. 0.05.")
    counts = [np.asarray(x, dtype=float).ravel() for x in (before_k, before_n, after_k, after_n)]
    if len({len(c) for c in counts}) != 1:
        raise InputError("before_k, before_n, after_k and after_n must have one entry per row each.")
    bk, bn, ak, an = (np.nan_to_num(c) for c in counts)
    names = np.broadcast_to(np.asarray(metric, dtype=object), bk.shape)
    specs = {}
    for name in pd.unique(names):
        m = METRICS.get(name)
        if m is None or not m.is_count_metric:
            raise InputError(
                f"{name!r} is not a count metric; compare rates or ppm, "
                "e.g. otif_rate, lot_rejection_rate, within_sla_rate, ppm."
            )
        specs[name] = m
    scale = np.array([specs[x].scale for x in names], dtype=float)
    lower = np.array([specs[x].lower_is_better for x in names], dtype=bool)
    floor = max(int(min_records), 1)
    tested = (bn >= floor) & (an >= floor)
    t = two_proportion_test(ak, an, bk, bn, confidence=confidence)
    stat = {
        c: np.where(tested, np.asarray(getattr(t, c), dtype=float), np.nan)
        for c in ("difference", "low", "high", "statistic", "p_value")
    }
    reject, q = benjamini_hochberg(stat["p_value"], fdr)
    better = np.where(lower, stat["difference"] < 0, stat["difference"] > 0)
    direction = np.where(
        ~tested, "not tested", np.where(reject, np.where(better, "improving", "deteriorating"), "no change")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        before = np.where(bn > 0, bk / np.where(bn > 0, bn, 1.0), np.nan) * scale
        after = np.where(an > 0, ak / np.where(an > 0, an, 1.0), np.nan) * scale
    return pd.DataFrame(
        {
            "before_k": counts[0],
            "before_n": counts[1],
            "before": before,
            "after_k": counts[2],
            "after_n": counts[3],
            "after": after,
            "difference": stat["difference"] * scale,
            "low": stat["low"] * scale,
            "high": stat["high"] * scale,
            "statistic": stat["statistic"],
            "p_value": stat["p_value"],
            "q_value": q,
            "direction": pd.array(direction, dtype="string"),
        }
    )


# --------------------------------------------------------------------------- the records behind a share


def _no_records(needed_by: str, exc: Exception | None = None) -> InputError:
    return InputError(
        f"{needed_by} counts the judged records (also those before the evaluation window), but this result "
        "came from the dask engine, which keeps only the window's statistics; score with engine='pandas' "
        f"for {needed_by}." + (f" ({exc})" if exc is not None else "")
    )


def _judged(result, table: str, needed_by: str) -> pd.DataFrame | None:
    """The judged records of ``table``; None when the run had no such table; an InputError when the run had
    the table but kept no records (the dask engine). The one place that tells the two apart."""
    if getattr(result, "engine", None) == "dask":
        raise _no_records(needed_by)
    try:
        rec = getattr(result, _TABLES[table][0], None)
    except InputError as exc:  # a result that refuses to give records it does not hold
        raise _no_records(needed_by, exc) from None
    if rec is None:
        counted = getattr(result, "suppliers", None)
        column = f"n_{table}"
        if isinstance(counted, pd.DataFrame) and column in counted and float(counted[column].sum()) > 0:
            raise _no_records(needed_by)  # the window has such records, the result does not
    return rec


def record_flags(source, metric: str, *, needed_by: str = "this comparison") -> pd.DataFrame:
    """The records behind a record share, each with its date and flag.

    Parameters
    ----------
    source : Scorecard or MetricsResult (or an object with ``lines``, ``lots``, ``requests``)
    metric : str
        One of :data:`RECORD_SHARES`.
    needed_by : str
        Who asks, for the error message.

    Returns
    -------
    DataFrame
        ``supplier_id`` (str), ``date`` (the catalogue table's record date:
        received, inspected, sent) and ``flag`` (bool): every judged record
        and every record before the window whose flag is known; excluded
        records are left out. Empty when the run had no such table.

    Raises
    ------
    InputError
        The metric is not a record share, or the result kept no records (the
        dask engine).
    """
    if metric not in RECORD_SHARES:
        raise InputError(
            f"{needed_by} cannot count {metric!r} on two sides of a date; use one of {', '.join(RECORD_SHARES)}."
        )
    m = spec(metric)
    assert m.records is not None, f"the catalogue names no records behind the record share {metric}"
    result = getattr(source, "metrics", source)
    rec = _judged(result, m.records, needed_by)
    date_col = _TABLES[m.records][1]
    if rec is None or m.flag not in rec:
        return pd.DataFrame(
            {
                "supplier_id": pd.Series(dtype=str),
                "date": pd.Series(dtype="datetime64[ns]"),
                "flag": pd.Series(dtype=bool),
            }
        )
    ok = (rec["status"].isin(["judged", "before window"]) & rec[m.flag].notna()).to_numpy(dtype=bool)
    sel = rec.loc[ok]
    return pd.DataFrame(
        {
            "supplier_id": sel["supplier_id"].astype(str).to_numpy(),
            "date": sel[date_col].to_numpy(),
            "flag": sel[m.flag].astype(bool).to_numpy(),
        }
    )


# --------------------------------------------------------------------------- year on year


def _month_label(start: pd.Timestamp, end_exclusive: pd.Timestamp) -> str:
    last = end_exclusive - pd.Timedelta(days=1)
    return f"{start:%b %Y} to {last:%b %Y}"


def change_signals(
    card, *, recent_months: int = 6, fdr: float = 0.05, min_records: int = 10, metrics=SIGNAL_METRICS
) -> pd.DataFrame:
    """Year-on-year change of each supplier's metrics: the recent months against the same months a year earlier.

    Comparing with the same months of the year before keeps seasonal effects
    (a slow December) out of the comparison, and the recent half of the
    window is where a trend that is under way shows most.

    Parameters
    ----------
    card : Scorecard
        Its records include those before the evaluation window, which give
        the before side. A scorecard of the dask engine keeps no records: it is
        refused with an :class:`~supplier_analytics.InputError`.
    recent_months : int, default 6
        Months up to the as-of date on the after side (the as-of day included);
        the before side is the same months a year earlier.
    fdr : float, default 0.05
        Benjamini-Hochberg false discovery rate across every supplier x metric
        tested.
    min_records : int, default 10
        Records each side needs; suppliers with fewer are "not tested".
    metrics : sequence of str
        Record shares to test (some of :data:`RECORD_SHARES`).

    Returns
    -------
    DataFrame
        Columns :data:`SIGNAL_COLUMNS`; ``difference`` is after - before with
        Newcombe's interval, ``p_value`` the pooled two-proportion z-test,
        ``direction`` "improving", "deteriorating", "no change" or "not tested"
        (:func:`compare`). ``attrs["method"]`` says all this in one paragraph;
        ``attrs["before"]`` and ``attrs["after"]`` name the months of each side.
    """
    if getattr(card, "metrics", None) is None or not hasattr(card, "suppliers"):
        raise InputError(f"change_signals needs a Scorecard, not {type(card).__name__}; pass score(...).")
    if recent_months < 1 or recent_months > 12:
        raise InputError(f"recent_months must lie between 1 and 12, got {recent_months!r}.")
    end = pd.Timestamp(card.as_of).normalize() + pd.Timedelta(days=1)
    a0 = end - pd.DateOffset(months=int(recent_months))
    b0, b1 = a0 - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
    sups = pd.Index(card.suppliers["supplier_id"].astype(str), name="supplier_id")
    parts = []
    for metric in metrics:
        flags = record_flags(card, metric, needed_by="change_signals")
        frame = pd.DataFrame(index=sups)
        frame.insert(0, "metric", metric)
        for side, lo, hi in (("before", b0, b1), ("after", a0, end)):
            sel = flags.loc[((flags["date"] >= lo) & (flags["date"] < hi)).to_numpy(dtype=bool)]
            g = sel["flag"].groupby(sel["supplier_id"])
            frame[f"{side}_from"], frame[f"{side}_to"] = lo, hi - pd.Timedelta(days=1)
            frame[f"{side}_k"] = g.sum().astype(float).reindex(sups, fill_value=0.0).to_numpy()
            frame[f"{side}_n"] = g.size().astype(float).reindex(sups, fill_value=0.0).to_numpy()
        parts.append(frame.reset_index())
    if not parts:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    stats = compare_sides(out, fdr=fdr, min_records=min_records)
    for c in ("before", "after", "difference", "low", "high", "p_value", "q_value", "direction"):
        out[c] = stats[c].to_numpy()
    out["direction"] = out["direction"].astype("string")
    out = out[SIGNAL_COLUMNS]
    n_tests = int((stats["direction"] != "not tested").sum())
    out.attrs["method"] = (
        f"Year-on-year comparison: {_month_label(a0, end)} against {_month_label(b0, b1)} (the same months a "
        f"year earlier, so seasons match), two-proportion z-test per supplier and metric, Benjamini-Hochberg "
        f"false discovery rate {fdr:g} across all {n_tests} tests; fewer than {min_records} records "
        "on a side: not tested."
    )
    out.attrs["after"] = _month_label(a0, end)
    out.attrs["before"] = _month_label(b0, b1)
    return out
