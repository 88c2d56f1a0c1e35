"""Scoring: metric values -> points -> dimension scores -> overall score, grade probabilities, rank.

In words an analyst can repeat: *every supplier is scored on every dimension; what we do not know about a
supplier is shown as uncertainty, never turned into a better or a worse grade.* The steps, each
configurable in ``[scoring]`` of the configuration:

1. **Peer level** (``scoring.peer_groups``). For each rate, a beta prior is fitted across the whole supplier
   base (:func:`~supplier_analytics.stats.fit_beta_binomial`): its mean is the peer level. By default there
   is one per metric for the base, so identical records score the same in every category, and a supplier
   with at least as many successes and no more failures on every rate never scores lower. ``"category"``
   fits one per purchasing category instead (categories with at least 5 suppliers holding data).
2. **Shrinkage** (``scoring.shrinkage``). Each rate used for points is replaced by its posterior mean
   ``(k + alpha) / (n + alpha + beta)``: 3 on-time deliveries out of 3 do not outrank 2,950 out of 3,000,
   and 12 deliveries at 67 % OTIF count as a little better than 67 %, not as "unknown". PPM is shrunk the
   same way on units. A rate with no records at all is the peer level itself (the prior mean), and
   ``dimensions_at_peer_level`` / ``metrics_at_peer_level`` say so. Metrics that are not a ratio of two
   counts (incidents and downtime per month, medians) keep their value, and without records take the
   median of the suppliers that have one.
3. **Points**: each metric maps to 0-100 points through its piecewise linear curve (:func:`points`).
4. **Dimension and overall scores**: weighted means of the points and of the dimension scores. Nothing is
   dropped and re-weighted for one supplier: only a metric or dimension that no supplier of the base has
   data for is left out, for everyone alike. There are no thresholds inside a score: it moves smoothly as
   records are added or removed.
5. **Grade probabilities** (``[scoring.uncertainty]``): each rate's posterior is drawn ``draws`` times
   (seeded); every draw goes through points, dimension and overall score; the share of draws in each band
   is ``prob_<grade>``. Each metric's points are the mean points over its posterior (exactly,
   :func:`expected_points`; with ``shrinkage = false`` Jeffreys' ``Beta(k + 1/2, n - k + 1/2)``), so the
   overall score is the centre of these draws either way. The grade shown is the
   most probable one, with ``grade_probability``; it is ``provisional`` below ``provisional_below``. Where
   the band of the score itself is as probable within the draws' resolution (``1/sqrt(draws)``: a coin
   flip at a boundary), the grade is that band, so that a score of 69.9 is not shown as a B.
6. **Rank** by overall score, best first, with ``rank_low`` to ``rank_high``: the ranks held in
   ``rank_interval`` (95 %) of the draws.
7. **Thin evidence** (``[evidence]``): dimensions with fewer records than the minimum are listed in
   ``thin_evidence``; the flag changes no score. A supplier with no record in any dimension is graded
   "insufficient evidence" (with one :class:`~supplier_analytics.errors.InsufficientEvidenceWarning`).
8. **Weight sensitivity**: the dimension weights are drawn at random around the configured ones, and
   ``grade_stability`` is the share of draws in which the grade holds.

Examples
--------
>>> import pandas as pd
>>> m = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "n_deliveries": [3000, 12, 50],
...                   "otif_rate": [2950 / 3000, 8 / 12, 0.80], "otif_rate_k": [2950, 8, 40],
...                   "otif_rate_n": [3000, 12, 50]})
>>> scored = score_suppliers(m)
>>> scored[["supplier_id", "otif_rate_shrunk", "overall_score", "grade"]].round(2)
  supplier_id  otif_rate_shrunk  overall_score grade
0          S1              0.98         100.00     A
1          S2              0.71          38.46     D
2          S3              0.81          58.80     C
>>> scored[["grade_probability", "provisional", "rank", "rank_low", "rank_high"]].round(2)
   grade_probability  provisional  rank  rank_low  rank_high
0               1.00        False   1.0       1.0        1.0
1               0.70        False   3.0       2.0        3.0
2               0.54         True   2.0       2.0        3.0

S2's 8 of 12 (67 %) is shrunk toward the peer level, not dropped: 12 lines are thin evidence
(``thin_evidence == "delivery"``), which shows as a D with probability 0.70, not as a better grade.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from supplier_analytics.catalog import METRICS
from supplier_analytics.config import DIMENSIONS, Config, load_config
from supplier_analytics.errors import ConfigError, InputError, InsufficientEvidenceWarning, ValidationError
from supplier_analytics.stats import beta_piecewise_mean, fit_beta_binomial, prob_below, rank_interval

__all__ = [
    "points",
    "expected_points",
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


def expected_points(alpha, beta, curve, *, scale: float = 1.0, name: str | None = None) -> np.ndarray:
    r"""The mean points of a rate whose uncertainty is a Beta distribution, exactly.

    Parameters
    ----------
    alpha, beta : array_like
        Beta parameters of each rate (its posterior), the rate a fraction.
    curve : sequence of (value, points) pairs
        As for :func:`points`, in the metric's units (``scale`` times the fraction).
    scale : float, default 1
        Units of the metric per unit of the fraction (1e6 for PPM).
    name : str, optional
        Metric name, used in error messages.

    Returns
    -------
    ndarray
        :math:`E[f(X)]` for the piecewise-linear curve ``f`` and :math:`X = \text{scale} \cdot B`,
        :math:`B \sim \mathrm{Beta}(\alpha, \beta)`.

    Notes
    -----
    On a segment :math:`[x_i, x_{i+1}]` with slope :math:`s_i` the curve is
    :math:`y_i + s_i (x - x_i)`, so its share of the mean is
    :math:`(y_i - s_i x_i)\,\Delta F + s_i\,\Delta G` with
    :math:`F(c) = I_{c/\text{scale}}(\alpha, \beta)` and
    :math:`G(c) = E[X; X < c] = \text{scale}\,\frac{\alpha}{\alpha + \beta} I_{c/\text{scale}}(\alpha + 1, \beta)`
    (:math:`I` the regularised incomplete beta function); beyond the end points
    the curve is flat. The score of a supplier is then the mean of the
    posterior draws behind its grade probabilities, and, since the curve only
    rises (or only falls), a better posterior never earns fewer points.

    Examples
    --------
    A rate known to be about 0.9 (Beta(90, 10)) on a curve that stops at 100 points from 0.95 earns a
    little less than the 88.89 points of 0.9 itself, since the chances above 0.95 earn no more than 100:

    >>> round(float(expected_points(90, 10, [(0.5, 0.0), (0.95, 100.0)])), 2)
    88.85
    """
    xs, ys = _check_curve(curve, name)
    return beta_piecewise_mean(alpha, beta, xs, ys, scale=scale)


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


def _groups(out: pd.DataFrame, peer_groups, cfg: Config) -> np.ndarray | None:
    """Peer group per row under ``peer_groups = "category"``; None (one peer level: the base) otherwise."""
    if peer_groups is None:
        return None
    if not isinstance(peer_groups, pd.Series):
        raise InputError(
            "peer_groups must be a pandas Series indexed by supplier_id; "
            "e.g. suppliers.set_index('supplier_id')['category']."
        )
    if peer_groups.index.has_duplicates:
        raise InputError("peer_groups has repeated supplier_id values in its index; give one group per supplier.")
    if cfg.scoring.peer_groups != "category":
        return None
    groups = out["supplier_id"].map(peer_groups).to_numpy(dtype=object)
    return np.where(pd.isna(groups), None, groups)


def _joined(names: Sequence[str], flags: Sequence[np.ndarray], n: int, empty: str = "") -> np.ndarray:
    """Per row, the names whose flag is set, comma-joined (``empty`` when none)."""
    if not names:
        return np.full(n, empty, dtype=object)
    stacked = np.column_stack(flags)
    return np.asarray([", ".join(x for x, f in zip(names, row) if f) or empty for row in stacked], dtype=object)


def score_suppliers(
    metrics: pd.DataFrame,
    config: Config | Mapping | None = None,
    *,
    peer_groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Score, grade and rank suppliers from their metrics, with the probability of each grade.

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
        ``supplier_id``; used only under ``scoring.peer_groups = "category"``.
        Then a group with at least 5 suppliers holding data for a rate (and not
        all at 0 % or all at 100 %) gets its own prior; everyone else shrinks
        toward all suppliers. Under the default ``"base"`` it is ignored.

    Returns
    -------
    DataFrame
        The input columns, then:

        ``<rate>_shrunk``
            Posterior mean toward the peer level, for each proportion used in
            scoring (only when ``scoring.shrinkage``); the peer level itself
            (the prior mean) where the supplier has no records. ``ppm_shrunk``
            is in parts per million.
        ``<rate>_prob_below_target``
            Posterior probability that the true rate is below
            ``config.targets[<rate>]`` (peer prior when shrinking, Jeffreys
            prior ``Beta(1/2, 1/2)`` otherwise), for rates where higher is
            better; NaN without records.
        ``<metric>_prob_above_target``
            For PPM and rates where lower is better (lot rejection, say): the
            posterior probability that the true figure is worse (above) its target.
        ``pts_<metric>``
            Points 0-100 from the metric's curve: for a rate the mean points
            over its posterior (peer prior when shrinking, Jeffreys prior
            otherwise; the peer prior itself without records), else the points
            of its value; NaN when no supplier of the base has data for the metric.
        ``delivery_score``, ``quality_score``, ``responsiveness_score``
            Weighted mean of the dimension's points.
        ``dimensions_used``
            The dimensions scored from the supplier's own records, e.g.
            ``"delivery, quality"``; ``"none"`` when it has no records at all.
        ``dimensions_at_peer_level``, ``<dimension>_at_peer_level``
            The dimensions the supplier has no records for, scored at the peer
            level ("" when none), and one boolean per dimension.
        ``metrics_at_peer_level``
            Metrics without records inside a dimension that has records (a
            supplier with lots but no quantities, say), scored at the peer level.
        ``thin_evidence``
            Dimensions with fewer records than ``[evidence]`` asks for ("" when
            none): a flag for the reader, it changes no score.
        ``reweighted``
            True when a configured dimension is left out because no supplier of
            the base has data for it (the same for every supplier).
        ``overall_score``
            Weighted mean of the dimension scores; NaN for a supplier without
            any record.
        ``grade``, ``grade_probability``, ``prob_<grade>``
            The most probable grade over ``scoring.uncertainty.draws`` posterior
            draws (the score's own band where it is as probable within
            ``1/sqrt(draws)``), its probability, and the probability of every grade;
            ``"insufficient evidence"`` (probabilities NaN) without any record.
        ``provisional``
            ``grade_probability < scoring.uncertainty.provisional_below``.
        ``rank``, ``rank_low``, ``rank_high``
            1 = best overall score among graded suppliers, ties sharing the
            lower rank; the interval holding the rank in
            ``scoring.uncertainty.rank_interval`` of the draws. NaN when not graded.
        ``grade_stability``
            Share of ``scoring.sensitivity.draws`` random dimension-weight
            draws (Dirichlet, concentration x configured weight) in which the
            grade holds; NaN when not graded.
        ``weight_sensitive``
            ``grade_stability < scoring.sensitivity.stable_share``.

        ``attrs["shrinkage_priors"]`` records each fitted prior (metric ->
        peer group or ``"all"`` -> alpha, beta, suppliers); ``attrs["peer_levels"]``
        the peer level used for each metric without records (base level).

    Warns
    -----
    InsufficientEvidenceWarning
        Once, naming how many suppliers have no record in any dimension.

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
    nrow = len(out)
    mweights = _metric_weights(cfg)
    dweights = _dimension_weights(cfg)
    scored = [m for dim in DIMENSIONS for m in mweights[dim]]
    groups = _groups(out, peer_groups, cfg)

    # 1. records per dimension: none at all (-> peer level) and thin (below [evidence], a flag only)
    has_records: dict[str, np.ndarray] = {}
    thin: dict[str, np.ndarray] = {}
    for dim in DIMENSIONS:
        count_col, key = EVIDENCE_COLUMNS[dim]
        present = [m for m in mweights[dim] if m in out.columns]
        if count_col in out.columns:
            cnt = np.nan_to_num(out[count_col].to_numpy(dtype=float, na_value=np.nan), nan=0.0)
        elif present:
            raise InputError(
                f"The metrics frame has {dim} metrics ({', '.join(present)}) but no {count_col} column; "
                f"pass the frame returned by supplier_metrics() or add {count_col}."
            )
        else:
            cnt = np.zeros(nrow)
        has_records[dim] = cnt > 0
        thin[dim] = cnt < getattr(cfg.evidence, key)

    # 2. per metric: the value behind the points, its posterior (for the draws) and the peer level
    proportions = [m for m in dict.fromkeys([*scored, *cfg.targets]) if m in METRICS and METRICS[m].is_count_metric]
    new: dict[str, np.ndarray] = {}
    priors: dict[str, dict] = {}
    peer_levels: dict[str, float] = {}
    values: dict[str, np.ndarray] = {}  # metric -> value for points (peer level where no records)
    missing: dict[str, np.ndarray] = {}  # metric -> no records
    posterior: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # metric -> Beta parameters per row
    for m in proportions:
        counts = _counts_for(out, m)
        target = cfg.targets.get(m)
        if counts is None or (m not in scored and target is None):
            continue
        k, n = counts
        scale = METRICS[m].scale
        alpha, beta, info = _peer_priors(k, n, groups)
        if cfg.scoring.shrinkage:
            priors[m] = info
            pa, pb = alpha, beta
        else:
            pa, pb = np.full(nrow, _JEFFREYS[0]), np.full(nrow, _JEFFREYS[1])
        if target is not None and METRICS[m].lower_is_better:  # worse is above the target
            new[f"{m}_prob_above_target"] = 1.0 - prob_below(k, n, pa, pb, float(target) / scale)
        elif target is not None:
            new[f"{m}_prob_below_target"] = prob_below(k, n, pa, pb, float(target) / scale)
        has = n > 0
        if m not in scored or not has.any():
            continue
        # no records: the prior itself (the peer level); records: the posterior under the peer prior
        # (shrinkage on) or Jeffreys' Beta(1/2, 1/2) (off). Points are the mean points over it either way,
        # so the score is the centre of the draws behind the grade (points of the raw rate were not: 92.5 C)
        a_post = np.where(has, k + pa, alpha)
        b_post = np.where(has, n - k + pb, beta)
        values[m] = a_post / (a_post + b_post) * scale
        if cfg.scoring.shrinkage:
            new[f"{m}_shrunk"] = values[m]
        posterior[m] = (a_post, b_post)
        missing[m] = ~has
        peer_levels[m] = float(info["all"]["alpha"] / (info["all"]["alpha"] + info["all"]["beta"]) * scale)
    for m in scored:
        if m in values or (m in posterior):
            continue
        v = out[m].to_numpy(dtype=float, na_value=np.nan) if m in out.columns else np.full(nrow, np.nan)
        has = ~np.isnan(v)
        if not has.any():
            continue
        # not a ratio of two counts (incidents or downtime per month, a median): its own value where the
        # supplier has records, the median of the suppliers that have it where not; no sampling error drawn
        peer_levels[m] = float(np.median(v[has]))
        values[m] = np.where(has, v, peer_levels[m])
        missing[m] = ~has

    # 3. points and dimension scores: metric weights over the metrics the base has data for
    used: dict[str, dict[str, float]] = {}
    dim_scores: dict[str, np.ndarray] = {}
    pts_of: dict[str, np.ndarray] = {}
    for dim in DIMENSIONS:
        table = {m: w for m, w in mweights[dim].items() if m in values}
        total = sum(table.values())
        used[dim] = {m: w / total for m, w in table.items()}
        acc = np.zeros(nrow) if table else np.full(nrow, np.nan)
        for m in mweights[dim]:
            if m in values:
                if m in posterior:  # the mean points over the rate's posterior
                    a, b = posterior[m]
                    pts_of[m] = expected_points(a, b, cfg.scoring.curves[m], scale=METRICS[m].scale, name=m)
                else:
                    pts_of[m] = points(values[m], cfg.scoring.curves[m], name=m)
                acc = acc + used[dim][m] * pts_of[m]
        dim_scores[dim] = acc

    # 4. overall score over the dimensions the base has data for; no record at all: not graded
    dims = [d for d in dweights if used[d]]
    wsum = sum(dweights[d] for d in dims)
    dw = np.asarray([dweights[d] / wsum for d in dims], dtype=float)
    graded = np.zeros(nrow, dtype=bool)
    for d in dims:
        graded |= has_records[d]
    s = np.column_stack([dim_scores[d] for d in dims]) if dims else np.empty((nrow, 0))
    overall = np.where(graded, s @ dw, np.nan) if dims else np.full(nrow, np.nan)
    for dim in DIMENSIONS:
        for m in mweights[dim]:
            new[f"pts_{m}"] = np.where(graded, pts_of[m], np.nan) if m in pts_of else np.full(nrow, np.nan)
        new[f"{dim}_score"] = np.where(graded, dim_scores[dim], np.nan)
    peer_dims = [graded & ~has_records[d] for d in dims]
    new["dimensions_used"] = _joined(dims, [graded & has_records[d] for d in dims], nrow, "none")
    new["dimensions_at_peer_level"] = _joined(dims, peer_dims, nrow)
    for dim in DIMENSIONS:
        new[f"{dim}_at_peer_level"] = graded & ~has_records[dim] if dim in dims else np.zeros(nrow, dtype=bool)
    inner = [m for d in dims for m in used[d]]
    dim_of = {m: d for d in dims for m in used[d]}
    new["metrics_at_peer_level"] = _joined(inner, [graded & has_records[dim_of[m]] & missing[m] for m in inner], nrow)
    new["thin_evidence"] = _joined(dims, [graded & thin[d] for d in dims], nrow)
    new["reweighted"] = graded & (len(dims) < len(dweights))
    new["overall_score"] = overall

    # 5. posterior draws -> grade probabilities, grade, rank interval
    names, mins = _grades(cfg.scoring.grades)
    unc = cfg.scoring.uncertainty
    rows = np.flatnonzero(graded)
    rows = rows[np.argsort(out["supplier_id"].astype(str).to_numpy()[rows], kind="stable")]  # draws follow the ids
    draws = _overall_draws(rows, dims, dw, used, values, posterior, cfg)
    probs = np.full((nrow, len(names)), np.nan)
    if len(rows):
        gi = _grade_index(draws, mins)
        probs[rows] = np.stack([(gi == g).mean(axis=1) for g in range(len(names))], axis=1)
    gidx = np.where(graded, np.argmax(np.nan_to_num(probs, nan=-1.0), axis=1), -1)  # ties: the better grade
    # Where the score's own band is as probable as the most probable one within the draws' resolution (a
    # coin flip at a boundary), the grade follows the score, so that 69.9 is not shown as a B.
    if len(rows):
        band = _grade_index(np.where(graded, overall, np.nan), mins)
        p_band = np.take_along_axis(np.nan_to_num(probs), np.maximum(band, 0)[:, None], axis=1)[:, 0]
        p_top = np.nanmax(np.where(graded[:, None], probs, 0.0), axis=1)
        gidx = np.where(graded & (band >= 0) & (p_band >= p_top - 1.0 / np.sqrt(unc.draws)), band, gidx)
    labels = np.asarray(names + [INSUFFICIENT_EVIDENCE], dtype=object)
    new["grade"] = labels[gidx]
    p_shown = np.take_along_axis(np.nan_to_num(probs), np.maximum(gidx, 0)[:, None], axis=1)[:, 0]
    new["grade_probability"] = np.where(graded, p_shown, np.nan)
    for j, g in enumerate(names):
        new[f"prob_{g}"] = probs[:, j]
    new["provisional"] = graded & (new["grade_probability"] < unc.provisional_below)
    new["rank"] = pd.Series(np.round(overall, 9)).rank(method="min", ascending=False).to_numpy()
    low, high = np.full(nrow, np.nan), np.full(nrow, np.nan)
    if len(rows):
        low[rows], high[rows] = rank_interval(draws, unc.rank_interval)
    new["rank_low"], new["rank_high"] = low, high

    # 6. weight sensitivity
    # the band of the score under random weights against its band under the configured ones (the grade shown
    # is that band except in a clear case of the draws; comparing with it would mix the two questions)
    new["grade_stability"] = _stability(s, graded, _grade_index(np.where(graded, overall, np.nan), mins), dw, mins, cfg)
    new["weight_sensitive"] = np.where(
        np.isnan(new["grade_stability"]), False, new["grade_stability"] < cfg.scoring.sensitivity.stable_share
    )

    added = pd.DataFrame(new, index=out.index)
    for col in ("dimensions_used", "dimensions_at_peer_level", "metrics_at_peer_level", "thin_evidence", "grade"):
        added[col] = added[col].astype("str")
    for col in ("reweighted", "provisional", "weight_sensitive", *(f"{d}_at_peer_level" for d in DIMENSIONS)):
        added[col] = added[col].astype(bool)
    out = out.drop(columns=[c for c in added.columns if c in out.columns])
    out = pd.concat([out, added], axis=1)
    out.attrs["shrinkage_priors"] = priors
    out.attrs["peer_levels"] = peer_levels

    n_insufficient = int((~graded).sum())
    if n_insufficient:
        warnings.warn(
            f"{n_insufficient} of {len(out)} suppliers have no record in any scored dimension (no delivery "
            f"line, inspection or request in the window) and are graded {INSUFFICIENT_EVIDENCE!r}; "
            "collect records for them or leave them out.",
            InsufficientEvidenceWarning,
            stacklevel=2,
        )
    return out


def _overall_draws(rows, dims, dw, used, values, posterior, cfg: Config) -> np.ndarray:
    """Posterior draws of the overall score, one row per supplier of ``rows`` (float32, rows x draws).

    Each rate is drawn from its Beta posterior (the prior where the supplier has no records) and each draw
    goes through the points curve, the dimension and the overall weights; other metrics stay at their value.
    Suppliers are drawn in chunks so that memory stays bounded on a large base.
    """
    unc = cfg.scoring.uncertainty
    rng = np.random.default_rng(unc.seed)
    out = np.empty((len(rows), unc.draws), dtype=np.float32)
    chunk = max(1, 2_000_000 // unc.draws)
    for start in range(0, len(rows), chunk):
        r = rows[start : start + chunk]
        acc = np.zeros((len(r), unc.draws))
        for d, wd in zip(dims, dw):
            for m, wm in used[d].items():
                xs, ys = _check_curve(cfg.scoring.curves[m], m)
                if m in posterior:
                    a, b = posterior[m]
                    x = rng.beta(a[r][:, None], b[r][:, None], size=(len(r), unc.draws)) * METRICS[m].scale
                    acc += wd * wm * np.interp(x, xs, ys)
                else:
                    acc += wd * wm * np.interp(values[m][r], xs, ys)[:, None]
        out[start : start + chunk] = acc
    return out


def _stability(s, graded, gidx, dw, mins, cfg: Config) -> np.ndarray:
    """Share of random dimension-weight draws (Dirichlet around the configured weights) keeping the grade."""
    stability = np.full(len(graded), np.nan)
    sens = cfg.scoring.sensitivity
    if not graded.any() or sens.draws <= 0 or len(dw) == 0:
        return stability
    rng = np.random.default_rng(sens.seed)
    wdraws = rng.dirichlet(sens.concentration * dw, size=sens.draws)  # draws x dims
    rows = np.flatnonzero(graded)
    chunk = max(1, 2_000_000 // max(sens.draws, 1))
    for start in range(0, len(rows), chunk):
        r = rows[start : start + chunk]
        ov = s[r] @ wdraws.T  # suppliers x draws (the weights of a draw sum to 1)
        stability[r] = (_grade_index(ov, mins) == gidx[r][:, None]).mean(axis=1)
    return stability


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
    cols = ["dimension", "metric", "metric_weight", "dimension_weight", "effective_weight", "better", "curve"]
    return pd.DataFrame(rows, columns=[*cols, "target", "shrunk"])
