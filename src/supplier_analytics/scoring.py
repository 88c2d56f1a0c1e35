"""Scoring: metric values -> points -> dimension scores -> overall score, grade, rank.

The steps, each configurable in ``[scoring]`` of the configuration:

1. **Shrinkage** (``scoring.shrinkage``). Each rate used for points (and each
   rate with a target) is replaced, for points and ranks, by its beta-binomial
   empirical-Bayes posterior mean toward the peer level
   (:func:`~supplier_analytics.stats.fit_beta_binomial`): 3 on-time deliveries
   out of 3 no longer outrank 2,950 out of 3,000. PPM is shrunk the same way on
   units (defective units among units inspected). Raw rates stay in the frame
   next to the ``<rate>_shrunk`` columns.
2. **Points**: each metric maps to 0-100 points through its piecewise linear
   curve (:func:`points`), flat beyond the first and last breakpoints.
3. **Dimension scores** (delivery, quality, responsiveness): the weighted mean
   of the points of the metrics the supplier has data for (metric weights
   re-normalised over those). A dimension below the minimum evidence
   (``[evidence]``: deliveries, inspections, requests in the window) is NaN,
   never 0 or 100, and so are its points.
4. **Overall score**: the weighted mean of the dimension scores the supplier
   has; missing dimensions re-weight the rest, and ``reweighted`` says so.
5. **Grade** from the bands (:func:`grade_for`); "insufficient evidence" when
   no dimension has enough evidence (with one
   :class:`~supplier_analytics.errors.InsufficientEvidenceWarning`).
6. **Rank** among graded suppliers, best first, ties sharing the lower rank.
7. **Weight sensitivity**: the dimension weights are drawn at random around
   the configured ones, and ``grade_stability`` is the share of draws in which
   the grade holds.

Examples
--------
>>> import pandas as pd
>>> from supplier_analytics.config import load_config
>>> cfg = load_config({"scoring": {"shrinkage": False}})
>>> m = pd.DataFrame({"supplier_id": ["S1", "S2"], "n_deliveries": [50, 40],
...                   "otif_rate": [0.98, 0.80], "otif_rate_k": [49, 32], "otif_rate_n": [50, 40]})
>>> scored = score_suppliers(m, cfg)
>>> scored[["supplier_id", "delivery_score", "overall_score", "grade", "rank"]].round(1)
  supplier_id  delivery_score  overall_score grade  rank
0          S1           100.0          100.0     A   1.0
1          S2            56.7           56.7     C   2.0

(0.80 lies between the default curve's breakpoints 0.70 -> 30 and 0.85 -> 70 points.)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from supplier_analytics.catalog import METRICS
from supplier_analytics.config import DIMENSIONS, Config, load_config
from supplier_analytics.errors import ConfigError, InputError, InsufficientEvidenceWarning, ValidationError
from supplier_analytics.stats import fit_beta_binomial, prob_below, shrink_rate

__all__ = [
    "points",
    "grade_for",
    "score_suppliers",
    "scoring_explained",
    "INSUFFICIENT_EVIDENCE",
    "EVIDENCE_COLUMNS",
    "MIN_PEER_GROUP",
]

#: The grade given when no dimension has enough evidence.
INSUFFICIENT_EVIDENCE = "insufficient evidence"


def _evidence_count(dimension: str) -> str:
    count = METRICS[f"{dimension}_score"].evidence_count
    assert count is not None, f"the catalogue gives {dimension}_score no evidence count"
    return count


#: Per dimension: the count column of the metric frame (the catalogue's evidence count of the dimension's
#: score) and the ``[evidence]`` key it is held against.
EVIDENCE_COLUMNS: Mapping[str, tuple[str, str]] = {
    dim: (_evidence_count(dim), key)
    for dim, key in zip(DIMENSIONS, ("min_deliveries", "min_inspections", "min_requests"))
}

#: A peer group needs at least this many suppliers with data to get its own shrinkage prior.
MIN_PEER_GROUP = 5

#: Prior for "probability below target" when shrinkage is off (Jeffreys).
_JEFFREYS = (0.5, 0.5)


# --------------------------------------------------------------------------- points and grades


def _check_curve(curve, name: str | None) -> tuple[np.ndarray, np.ndarray]:
    what = f"scoring.curves.{name}" if name else "the scoring curve"
    try:
        arr = np.asarray([(float(x), float(p)) for x, p in curve], dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{what} must be a list of [value, points] pairs, e.g. [[0.7, 0.0], [0.98, 100.0]]; fix the curve."
        ) from None
    if arr.ndim != 2 or len(arr) < 1:
        raise ConfigError(f"{what} has no breakpoints; give at least two [value, points] pairs.")
    xs, ys = arr[:, 0], arr[:, 1]
    if np.any(np.diff(xs) <= 0) or not np.isfinite(arr).all():
        raise ConfigError(
            f"{what}: the values {xs.tolist()} must be finite and strictly increasing; "
            "sort the pairs by value and drop repeats."
        )
    return xs, ys


def points(values, curve, *, name: str | None = None):
    """Map metric values to points, piecewise linear between breakpoints.

    Parameters
    ----------
    values : scalar, array_like or Series
        Metric values (rates as fractions, PPM as parts per million, ...).
        NaN (no data) gives NaN points, never 0 or 100.
    curve : sequence of (value, points) pairs
        Breakpoints with strictly increasing values. Beyond the first and the
        last breakpoint the points stay flat. A decreasing curve (lower is
        better, e.g. PPM) simply lists falling points.
    name : str, optional
        Metric name, used in error messages.

    Returns
    -------
    float, ndarray or Series
        Same shape as ``values`` (a Series keeps its index).

    Examples
    --------
    >>> curve = [(0.70, 0.0), (0.90, 60.0), (0.98, 100.0)]
    >>> points([0.5, 0.70, 0.80, 0.94, 0.98, 1.0], curve).round(6).tolist()
    [0.0, 0.0, 30.0, 80.0, 100.0, 100.0]
    >>> float(points(2750.0, [(0.0, 100.0), (500.0, 80.0), (5000.0, 0.0)]))  # PPM: lower is better
    40.0
    """
    xs, ys = _check_curve(curve, name)
    if isinstance(values, pd.Series):
        v = values.to_numpy(dtype=float, na_value=np.nan)
        out = np.where(np.isnan(v), np.nan, np.interp(v, xs, ys))
        return pd.Series(out, index=values.index, name=values.name)
    v = np.asarray(values, dtype=float)
    out = np.where(np.isnan(v), np.nan, np.interp(v, xs, ys))
    return out[()] if out.ndim == 0 else out


def _grades(grades) -> tuple[list[str], np.ndarray]:
    pairs = list(grades.items()) if isinstance(grades, Mapping) else list(grades)
    if not pairs:
        raise ConfigError("scoring.grades is empty; give bands such as A = 85.0, B = 70.0, C = 50.0, D = 0.0.")
    names = [str(g) for g, _ in pairs]
    mins = np.asarray([float(m) for _, m in pairs], dtype=float)
    if np.any(np.diff(mins) >= 0):
        raise ConfigError("scoring.grades: list the bands best first with strictly decreasing lowest scores.")
    return names, mins


def _grade_index(scores: np.ndarray, mins: np.ndarray) -> np.ndarray:
    """Index of the band per score (0 = best); -1 for NaN. Below every band -> the last band."""
    s = np.round(np.asarray(scores, dtype=float), 9)  # 84.99999999999999 is 85
    idx = np.sum(s[..., None] < mins, axis=-1)  # bands whose minimum the score misses
    idx = np.minimum(idx, len(mins) - 1)
    return np.where(np.isnan(s), -1, idx)


def grade_for(score, grades):
    """Grade band of an overall score.

    Parameters
    ----------
    score : float, array_like or Series
        Overall scores 0-100; NaN gives ``"insufficient evidence"``.
    grades : sequence of (grade, min_score) pairs, best first, or a mapping
        ``config.scoring.grades``. A score gets the first band whose minimum it
        reaches (a score exactly on a boundary gets the better band); a score
        below every band gets the last one.

    Returns
    -------
    str, ndarray of str or Series

    Examples
    --------
    >>> bands = (("A", 85.0), ("B", 70.0), ("C", 50.0), ("D", 0.0))
    >>> grade_for(85.0, bands), grade_for(84.99, bands)
    ('A', 'B')
    >>> grade_for([70.0, 49.9, float("nan")], bands).tolist()
    ['B', 'D', 'insufficient evidence']
    """
    names, mins = _grades(grades)
    labels = np.asarray(names + [INSUFFICIENT_EVIDENCE], dtype=object)
    if isinstance(score, pd.Series):
        idx = _grade_index(score.to_numpy(dtype=float, na_value=np.nan), mins)
        return pd.Series(labels[idx], index=score.index, name="grade", dtype="str")
    idx = _grade_index(np.asarray(score, dtype=float), mins)
    out = labels[idx]
    return str(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------- configuration helpers


def _dimension_weights(config: Config) -> dict[str, float]:
    """Dimension -> weight (> 0 only), in report order."""
    w = config.scoring.weights
    return {d: float(w[d]) for d in DIMENSIONS if float(w.get(d, 0.0)) > 0}


def _metric_weights(config: Config) -> dict[str, dict[str, float]]:
    """Dimension -> {metric: weight > 0}; every weighted metric must have a curve."""
    out: dict[str, dict[str, float]] = {}
    for dim in DIMENSIONS:
        table = config.scoring.metric_weights.get(dim, {})
        used = {m: float(w) for m, w in table.items() if float(w) > 0}
        for m in used:
            if m not in config.scoring.curves:
                raise ConfigError(
                    f"scoring.metric_weights.{dim}.{m} has a weight but scoring.curves has no curve for {m}; "
                    f"add scoring.curves.{m} or set the weight to 0."
                )
        out[dim] = used
    return out


# --------------------------------------------------------------------------- shrinkage


def _counts_for(frame: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Numerator and denominator of a proportion metric, or None if the frame lacks them.

    Rates use ``<rate>_k`` / ``<rate>_n``. PPM uses ``ppm_k`` / ``ppm_n`` when
    present, else units inspected (``quantity_inspected``) with the defective
    units implied by the PPM itself (``ppm x units / 1e6``), so the shrunk
    figure is consistent with the raw one however the defects were counted.
    """

    def col(name):
        return frame[name].to_numpy(dtype=float, na_value=np.nan)

    if f"{metric}_k" in frame.columns and f"{metric}_n" in frame.columns:
        k, n = col(f"{metric}_k"), col(f"{metric}_n")
    elif metric == "ppm" and "ppm" in frame.columns and "quantity_inspected" in frame.columns:
        n = col("quantity_inspected")
        k = col("ppm") * n / METRICS["ppm"].scale
    else:
        return None
    n = np.where(np.isfinite(n) & (n > 0), n, 0.0)
    k = np.where(n > 0, np.clip(np.nan_to_num(k, nan=0.0), 0.0, n), 0.0)
    return k, n


def _peer_priors(k: np.ndarray, n: np.ndarray, groups: np.ndarray | None):
    """Per-row prior (alpha, beta) and a description of each prior fitted."""
    a_all, b_all = fit_beta_binomial(k, n)
    alpha = np.full(len(k), a_all)
    beta = np.full(len(k), b_all)
    info = {"all": {"alpha": a_all, "beta": b_all, "suppliers": int((n > 0).sum())}}
    if groups is not None:
        has = n > 0
        for g in pd.unique(groups[pd.notna(groups)]):
            rows = groups == g
            kg, ng = k[rows].sum(), n[rows].sum()
            # a group where every record succeeded (or every one failed) shows no spread:
            # it keeps the prior of all suppliers rather than a degenerate one
            if int((rows & has).sum()) >= MIN_PEER_GROUP and 0 < kg < ng:
                a, b = fit_beta_binomial(k[rows], n[rows])
                alpha[rows], beta[rows] = a, b
                info[str(g)] = {"alpha": a, "beta": b, "suppliers": int((rows & has).sum())}
    return alpha, beta, info


# --------------------------------------------------------------------------- scoring


def _check_frame(metrics: pd.DataFrame) -> None:
    if not isinstance(metrics, pd.DataFrame):
        raise InputError(
            f"score_suppliers expects a DataFrame of supplier metrics, not {type(metrics).__name__}; "
            "pass the frame returned by supplier_metrics()."
        )
    if "supplier_id" not in metrics.columns:
        raise InputError("The metrics frame has no supplier_id column; pass the frame returned by supplier_metrics().")
    dup = metrics["supplier_id"].duplicated(keep=False)
    if dup.any():
        cases = metrics.loc[dup, ["supplier_id"]]
        first = cases["supplier_id"].iloc[0]
        raise ValidationError(
            f"The metrics frame has {int(dup.sum())} rows for {cases['supplier_id'].nunique()} repeated "
            f"supplier_id values (e.g. {first!r}); give one row per supplier, as supplier_metrics() does.",
            failure_cases=cases,
        )


def score_suppliers(
    metrics: pd.DataFrame,
    config: Config | Mapping | None = None,
    *,
    peer_groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Score, grade and rank suppliers from their metrics.

    Parameters
    ----------
    metrics : DataFrame
        One row per ``supplier_id`` as returned by ``supplier_metrics``: the
        metrics named in ``config.scoring.metric_weights``, for each rate
        ``<rate>_k`` and ``<rate>_n``, for PPM ``quantity_inspected``, and the
        evidence counts ``n_deliveries``, ``n_inspections``, ``n_requests``
        for the dimensions present. A metric column that is absent counts as
        "no data". The frame is not changed.
    config : Config, dict or None
        Scoring configuration (``None``: the defaults; a dict overrides them).
    peer_groups : Series, optional
        Peer group per supplier (e.g. purchasing category), indexed by
        ``supplier_id``. A group with at least 5 suppliers holding data for a
        rate (and not all at 0 % or all at 100 %) gets its own shrinkage
        prior; everyone else shrinks toward all suppliers.

    Returns
    -------
    DataFrame
        The input columns, then:

        ``<rate>_shrunk``
            Posterior mean toward the peer level, for each proportion used in
            scoring or with a target (only when ``scoring.shrinkage``); NaN
            without data. ``ppm_shrunk`` is in parts per million.
        ``<rate>_prob_below_target``
            Posterior probability that the true rate is below
            ``config.targets[<rate>]`` (peer prior when shrinking, Jeffreys
            prior ``Beta(1/2, 1/2)`` otherwise), for rates where higher is better.
        ``<metric>_prob_above_target``
            For PPM and rates where lower is better (lot rejection, say): the
            posterior probability that the true figure is worse (above) its target.
        ``pts_<metric>``
            Points 0-100 from the metric's curve (from the shrunk value when
            shrinking); NaN without data or below the dimension's minimum
            evidence.
        ``delivery_score``, ``quality_score``, ``responsiveness_score``
            Weighted mean of the dimension's available points; NaN when the
            dimension has no data or too little evidence.
        ``dimensions_used``
            Text, e.g. ``"delivery, quality"``; ``"none"`` when no dimension
            counts.
        ``reweighted``
            True when a configured dimension is missing and the others were
            re-weighted.
        ``overall_score``
            Weighted mean of the available dimension scores; NaN without any.
        ``grade``
            Band from ``scoring.grades``, or ``"insufficient evidence"``.
        ``rank``
            1 = best among graded suppliers; ties share the lower rank; NaN for
            insufficient evidence.
        ``grade_stability``
            Share of ``scoring.sensitivity.draws`` random dimension-weight
            draws (Dirichlet, concentration x configured weight) in which the
            grade holds; NaN when not graded.
        ``weight_sensitive``
            ``grade_stability < scoring.sensitivity.stable_share``.

        ``attrs["shrinkage_priors"]`` records each fitted prior (metric ->
        peer group or ``"all"`` -> alpha, beta, suppliers).

    Warns
    -----
    InsufficientEvidenceWarning
        Once, naming how many suppliers have too little evidence in every
        dimension to be graded.

    Raises
    ------
    InputError
        Not a DataFrame, no ``supplier_id`` column, or metrics without their
        evidence count.
    ValidationError
        A supplier appears in more than one row.
    ConfigError
        A weighted metric has no curve.
    """
    _check_frame(metrics)
    cfg = load_config(config)
    out = metrics.copy()
    mweights = _metric_weights(cfg)
    dweights = _dimension_weights(cfg)
    scored = [m for dim in DIMENSIONS for m in mweights[dim]]

    groups = None
    if peer_groups is not None:
        if not isinstance(peer_groups, pd.Series):
            raise InputError(
                "peer_groups must be a pandas Series indexed by supplier_id; "
                "e.g. suppliers.set_index('supplier_id')['category']."
            )
        if peer_groups.index.has_duplicates:
            raise InputError("peer_groups has repeated supplier_id values in its index; give one group per supplier.")
        groups = out["supplier_id"].map(peer_groups).to_numpy(dtype=object)
        groups = np.where(pd.isna(groups), None, groups)

    # 1. shrinkage and probabilities against targets
    proportions = [m for m in dict.fromkeys([*scored, *cfg.targets]) if m in METRICS and METRICS[m].is_count_metric]
    new: dict[str, np.ndarray] = {}
    priors: dict[str, dict] = {}
    for m in proportions:
        counts = _counts_for(out, m)
        if counts is None:
            continue
        k, n = counts
        scale = METRICS[m].scale
        target = cfg.targets.get(m)
        if m not in scored and target is None:
            continue
        if cfg.scoring.shrinkage:
            alpha, beta, info = _peer_priors(k, n, groups)
            priors[m] = info
            if m in scored:
                new[f"{m}_shrunk"] = shrink_rate(k, n, alpha, beta) * scale
        else:
            alpha, beta = np.full(len(k), _JEFFREYS[0]), np.full(len(k), _JEFFREYS[1])
        if target is not None and METRICS[m].lower_is_better:  # worse is above the target
            new[f"{m}_prob_above_target"] = 1.0 - prob_below(k, n, alpha, beta, float(target) / scale)
        elif target is not None:
            new[f"{m}_prob_below_target"] = prob_below(k, n, alpha, beta, float(target) / scale)

    # 2. evidence per dimension
    enough: dict[str, np.ndarray] = {}
    for dim in DIMENSIONS:
        count_col, key = EVIDENCE_COLUMNS[dim]
        present = [m for m in mweights[dim] if m in out.columns]
        if count_col in out.columns:
            cnt = out[count_col].to_numpy(dtype=float, na_value=np.nan)
            enough[dim] = np.nan_to_num(cnt, nan=0.0) >= max(getattr(cfg.evidence, key), 1)
        elif present:
            raise InputError(
                f"The metrics frame has {dim} metrics ({', '.join(present)}) but no {count_col} column; "
                f"pass the frame returned by supplier_metrics() or add {count_col}."
            )
        else:
            enough[dim] = np.zeros(len(out), dtype=bool)

    # 3. points and dimension scores
    dim_scores: dict[str, np.ndarray] = {}
    for dim in DIMENSIONS:
        num = np.zeros(len(out))
        den = np.zeros(len(out))
        for m, w in mweights[dim].items():
            if f"{m}_shrunk" in new:
                values = new[f"{m}_shrunk"]
            elif m in out.columns:
                values = out[m].to_numpy(dtype=float, na_value=np.nan)
            else:
                values = np.full(len(out), np.nan)
            pts = np.where(enough[dim], points(values, cfg.scoring.curves[m], name=m), np.nan)
            new[f"pts_{m}"] = pts
            has = ~np.isnan(pts)
            num += np.where(has, w * np.nan_to_num(pts), 0.0)
            den += np.where(has, w, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            dim_scores[dim] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        new[f"{dim}_score"] = dim_scores[dim]

    # 4. overall score
    dims = list(dweights)
    s = np.column_stack([dim_scores[d] for d in dims]) if dims else np.empty((len(out), 0))
    w = np.asarray([dweights[d] for d in dims], dtype=float)
    avail = ~np.isnan(s)
    num = (np.nan_to_num(s) * w).sum(axis=1)
    den = (avail * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    graded = ~np.isnan(overall)
    used = [", ".join(d for d, a in zip(dims, row) if a) or "none" for row in avail]
    new["dimensions_used"] = np.asarray(used, dtype=object)
    new["reweighted"] = graded & (avail.sum(axis=1) < len(dims))
    new["overall_score"] = overall

    # 5. grade and 6. rank
    names, mins = _grades(cfg.scoring.grades)
    gidx = _grade_index(overall, mins)
    labels = np.asarray(names + [INSUFFICIENT_EVIDENCE], dtype=object)
    new["grade"] = labels[gidx]
    new["rank"] = pd.Series(np.round(overall, 9)).rank(method="min", ascending=False).to_numpy()

    # 7. weight sensitivity
    stability = np.full(len(out), np.nan)
    sens = cfg.scoring.sensitivity
    if graded.any() and sens.draws > 0 and len(dims) > 0:
        rng = np.random.default_rng(sens.seed)
        draws = rng.dirichlet(sens.concentration * w / w.sum(), size=sens.draws)  # draws x dims
        rows = np.flatnonzero(graded)
        chunk = max(1, 2_000_000 // max(sens.draws, 1))
        for start in range(0, len(rows), chunk):
            r = rows[start : start + chunk]
            sc = np.nan_to_num(s[r]) @ draws.T  # suppliers x draws
            dn = avail[r].astype(float) @ draws.T
            with np.errstate(invalid="ignore", divide="ignore"):
                ov = sc / dn
            stability[r] = (_grade_index(ov, mins) == gidx[r][:, None]).mean(axis=1)
    new["grade_stability"] = stability
    new["weight_sensitive"] = np.where(np.isnan(stability), False, stability < sens.stable_share)

    added = pd.DataFrame(new, index=out.index)
    added["dimensions_used"] = added["dimensions_used"].astype("str")
    added["grade"] = added["grade"].astype("str")
    added["reweighted"] = added["reweighted"].astype(bool)
    added["weight_sensitive"] = added["weight_sensitive"].astype(bool)
    out = out.drop(columns=[c for c in added.columns if c in out.columns])
    out = pd.concat([out, added], axis=1)
    out.attrs["shrinkage_priors"] = priors

    n_insufficient = int((~graded).sum())
    if n_insufficient:
        ev = cfg.evidence
        warnings.warn(
            f"{n_insufficient} of {len(out)} suppliers have too little evidence in every dimension "
            f"(at least {ev.min_deliveries} deliveries, {ev.min_inspections} inspections or "
            f"{ev.min_requests} requests are needed) and are graded {INSUFFICIENT_EVIDENCE!r}; "
            "collect more records or lower the [evidence] minimums.",
            InsufficientEvidenceWarning,
            stacklevel=2,
        )
    return out


def _curve_text(curve: Sequence[tuple[float, float]]) -> str:
    return "; ".join(f"{x:g}: {p:g} pts" for x, p in curve)


def scoring_explained(config: Config | Mapping | None = None) -> pd.DataFrame:
    """One row per scored metric: how much it counts and how it becomes points.

    For the methodology sheet of the scorecard.

    Parameters
    ----------
    config : Config, dict or None
        Scoring configuration (``None``: the defaults).

    Returns
    -------
    DataFrame
        Columns ``dimension``, ``metric``, ``metric_weight`` (share within the
        dimension), ``dimension_weight`` (share of the overall score),
        ``effective_weight`` (their product: share of the overall score when a
        supplier has every metric), ``better`` ("higher" or "lower", from the
        metric catalogue), ``curve`` (breakpoints as text), ``target`` (NaN when none) and
        ``shrunk`` (whether the metric, a ratio of two counts, is shrunk before points).

    Examples
    --------
    >>> t = scoring_explained()
    >>> t.loc[t.metric == "otif_rate", ["dimension", "metric_weight", "effective_weight"]].to_dict("records")
    [{'dimension': 'delivery', 'metric_weight': 0.5, 'effective_weight': 0.25}]
    >>> round(float(t.effective_weight.sum()), 9)
    1.0
    """
    cfg = load_config(config)
    mweights = _metric_weights(cfg)
    dweights = _dimension_weights(cfg)
    dtotal = sum(dweights.values())
    rows = []
    for dim in DIMENSIONS:
        table = mweights[dim]
        mtotal = sum(table.values())
        for m, wm in table.items():
            curve = cfg.scoring.curves[m]
            target = cfg.targets.get(m)
            mw = wm / mtotal
            dw = dweights.get(dim, 0.0) / dtotal if dtotal else 0.0
            rows.append(
                {
                    "dimension": dim,
                    "metric": m,
                    "metric_weight": mw,
                    "dimension_weight": dw,
                    "effective_weight": mw * dw,
                    "better": METRICS[m].better,
                    "curve": _curve_text(curve),
                    "target": np.nan if target is None else float(target),
                    "shrunk": bool(cfg.scoring.shrinkage and METRICS[m].is_count_metric),
                }
            )
    cols = [
        "dimension",
        "metric",
        "metric_weight",
        "dimension_weight",
        "effective_weight",
        "better",
        "curve",
        "target",
        "shrunk",
    ]
    return pd.DataFrame(rows, columns=cols)
