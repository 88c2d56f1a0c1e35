"""Loading a configuration: the package defaults, overridden by a TOML file or a dict, merged key by key and
validated, every problem reported at once (see the package notes)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import math
import tomllib
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from supplier_analytics._io import read_toml
from supplier_analytics.catalog import DIMENSIONS, METRICS
from supplier_analytics.config.model import (
    GRADE_RESERVED,
    LEGACY_QUALITY_TARGETS,
    METRIC_DIMENSIONS,
    RATE_METRICS,
    WEEKDAYS,
    Config,
    DeliveryConfig,
    EvidenceConfig,
    FrozenMapping,
    PeriodsConfig,
    ResponsivenessConfig,
    ScoringConfig,
    SensitivityConfig,
    UncertaintyConfig,
)
from supplier_analytics.errors import ConfigError

__all__ = ["load_config", "default_config", "build_merged"]


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=1)
def _default_raw_text() -> str:
    return resources.files("supplier_analytics").joinpath("data/default_config.toml").read_text("utf-8")


def _default_raw() -> dict[str, Any]:
    return tomllib.loads(_default_raw_text())


@functools.lru_cache(maxsize=1)
def default_config() -> Config:
    """The default configuration, from the package's ``default_config.toml``.

    Examples
    --------
    >>> cfg = default_config()
    >>> cfg.delivery.reference_date, cfg.periods.period, cfg.scoring.grades[0]
    ('promised', 'month', ('A', 85.0))
    """
    return _build(_default_raw(), "the default configuration")


def load_config(path_or_dict: str | Path | Mapping | Config | None = None) -> Config:
    """Load a scoring configuration: the defaults overridden by a TOML file or a dict.

    Parameters
    ----------
    path_or_dict : ``None`` for the defaults; a path to a TOML file or a dict
        (same layout as the file) whose keys override the defaults; or a
        :class:`Config`, returned unchanged.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        The file cannot be read or parsed, or keys or values are invalid; the
        message names the file, every offending key and the allowed values.

    Examples
    --------
    >>> load_config({"periods": {"period": "week"}}).periods.freq
    'W-SUN'
    >>> load_config({"delivery": {"day_basis": "weekly"}})
    Traceback (most recent call last):
    ...
    supplier_analytics.errors.ConfigError: In the configuration dict, delivery.day_basis = 'weekly' is not allowed; use one of: calendar, working.
    """
    if path_or_dict is None:
        return default_config()
    if isinstance(path_or_dict, Config):
        return path_or_dict
    if isinstance(path_or_dict, Mapping):
        source = "the configuration dict"
        user = dict(path_or_dict)
    elif isinstance(path_or_dict, (str, Path)):
        source = Path(path_or_dict).name
        user = read_toml(path_or_dict, "Configuration file")
    else:
        raise ConfigError(
            f"load_config expects a TOML path, a dict or None, not {type(path_or_dict).__name__}; "
            "pass the path of a .toml file."
        )
    return _build(_merge(_default_raw(), user, source), source)


# --------------------------------------------------------------------------- merging

# Tables whose entries are open (names chosen by the user) -> how their names are checked.
_OPEN_TABLES = {
    "responsiveness.service_level_hours",
    "targets",
    "scoring.curves",
    "scoring.metric_weights",
    "scoring.metric_weights.delivery",
    "scoring.metric_weights.quality",
    "scoring.metric_weights.responsiveness",
    "scoring.weights",
}
_REPLACED_WHOLE = {"scoring.grades"}


class _Problems(list):
    def add(self, msg: str) -> None:
        self.append(msg)


def _merge(base: Mapping, user: Mapping, source: str) -> dict[str, Any]:
    problems = _Problems()
    user = _legacy_quality(user, source, problems)
    merged = _merge_level(base, user, "", source, problems)
    _raise(problems, source)
    return merged


def _legacy_quality(user: Mapping, source: str, problems: _Problems) -> Mapping:
    """``[quality]`` ppm_target / lot_rejection_target moved into ``[targets]`` (with a FutureWarning)."""
    old = user.get("quality")
    if old is None:
        return user
    out = {k: v for k, v in user.items() if k != "quality"}
    if not isinstance(old, Mapping):
        problems.add(f"quality must be a table of keys, not {_show(old)}")
        return out
    targets = dict(out.get("targets") or {}) if isinstance(out.get("targets", {}), Mapping) else out["targets"]
    moved = []
    for key, value in old.items():
        new = LEGACY_QUALITY_TARGETS.get(key)
        if new is None:
            problems.add(
                f"unknown key 'quality.{key}' in section [quality]; allowed: "
                f"{', '.join(LEGACY_QUALITY_TARGETS)} (deprecated: use [targets])"
            )
            continue
        moved.append(f"quality.{key} -> targets.{new}")
        if isinstance(targets, dict):
            targets.setdefault(new, value)  # a [targets] entry given too wins
    if moved:
        out["targets"] = targets
        warnings.warn(
            f"In {source}, the [quality] section is deprecated and was read as [targets] "
            f"({'; '.join(moved)}); move those keys to [targets].",
            FutureWarning,
            stacklevel=4,
        )
    return out


def _merge_level(base: Mapping, user: Mapping, prefix: str, source: str, problems: _Problems) -> dict:
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in base.items()}
    for key, value in user.items():
        dotted = f"{prefix}{key}"
        is_open = prefix[:-1] in _OPEN_TABLES
        if key not in base and not is_open:
            # the alias responsiveness.corrective_action_days for responsiveness.closure.corrective_action_days
            if dotted == "responsiveness.corrective_action_days":
                out.setdefault("closure", {})
                out["closure"] = {**out["closure"], "corrective_action_days": value}
                continue
            allowed = ", ".join(base) if base else "(none)"
            where = f"section [{prefix[:-1]}]" if prefix else "the top level"
            kind = "key" if prefix else "section"
            problems.add(f"unknown {kind} {dotted!r} in {where}; allowed: {allowed}")
            continue
        if dotted in _REPLACED_WHOLE:
            out[key] = value
        elif isinstance(base.get(key), Mapping) or (is_open and isinstance(value, Mapping)):
            if not isinstance(value, Mapping):
                problems.add(f"{dotted} must be a table of keys, not {_show(value)}")
                continue
            out[key] = _merge_level(base.get(key, {}), value, dotted + ".", source, problems)
        else:
            out[key] = value
    return out


def _raise(problems: list[str], source: str) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise ConfigError(f"In {source}, {problems[0]}.")
    raise ConfigError(f"{len(problems)} problems in {source}: " + "; ".join(problems) + "; fix them and load again.")


def _show(value: Any) -> str:
    return repr(value)


# --------------------------------------------------------------------------- building + validation


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _Builder:
    def __init__(self, raw: Mapping, problems: _Problems):
        self.raw = raw
        self.problems = problems

    def get(self, dotted: str) -> Any:
        node: Any = self.raw
        for part in dotted.split("."):
            node = node[part]
        return node

    def bad(self, key: str, value: Any, allowed: str) -> None:
        self.problems.add(f"{key} = {_show(value)} is not allowed; use {allowed}")

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        v = self.get(key)
        if v not in options:
            self.bad(key, v, "one of: " + ", ".join(options))
            return options[0]
        return v

    def number(
        self,
        key: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        lo_open=False,
        hi_open=False,
        value: Any = dataclasses.MISSING,
    ) -> float:
        v = self.get(key) if value is dataclasses.MISSING else value
        ok = _is_number(v)
        if ok and lo is not None:
            ok = v > lo if lo_open else v >= lo
        if ok and hi is not None:
            ok = v < hi if hi_open else v <= hi
        if not ok:
            self.bad(key, v, _range_text(lo, hi, lo_open, hi_open))
            return float(lo or 0.0)
        return float(v)

    def integer(self, key: str, *, lo: int = 0, value: Any = dataclasses.MISSING) -> int:
        v = self.get(key) if value is dataclasses.MISSING else value
        if not (_is_int(v) and v >= lo):
            self.bad(key, v, f"a whole number >= {lo}")
            return lo
        return int(v)

    def boolean(self, key: str) -> bool:
        v = self.get(key)
        if not isinstance(v, bool):
            self.bad(key, v, "true or false")
            return False
        return v


def _range_text(lo, hi, lo_open, hi_open) -> str:
    if lo is not None and hi is not None:
        return f"a number {'>' if lo_open else '>='} {lo:g} and {'<' if hi_open else '<='} {hi:g}"
    if lo is not None:
        return f"a number {'>' if lo_open else '>='} {lo:g}"
    return "a number"


def _build(raw: Mapping, source: str) -> Config:
    problems = _Problems()
    b = _Builder(raw, problems)
    cfg = Config(
        delivery=_delivery(b),
        periods=PeriodsConfig(
            period=b.choice("periods.period", ("week", "month", "quarter")),
            window_months=b.integer("periods.window_months", lo=1),
        ),
        responsiveness=_responsiveness(b),
        targets=_targets(b),
        scoring=_scoring(b),
        evidence=EvidenceConfig(
            min_deliveries=b.integer("evidence.min_deliveries"),
            min_inspections=b.integer("evidence.min_inspections"),
            min_requests=b.integer("evidence.min_requests"),
        ),
    )
    _raise(problems, source)
    return cfg


def _delivery(b: _Builder) -> DeliveryConfig:
    early = b.get("delivery.early_tolerance_days")
    if early is None or early == "unlimited":
        early_v = None
    elif _is_int(early) and early >= 0:
        early_v = int(early)
    else:
        b.bad("delivery.early_tolerance_days", early, 'a whole number of days >= 0 or "unlimited"')
        early_v = 0
    late = b.get("delivery.late_tolerance_days")
    if not (_is_int(late) and late >= 0):
        b.bad("delivery.late_tolerance_days", late, "a whole number of days >= 0")
        late = 0

    weekend_raw = b.get("delivery.weekend")
    weekend: list[str] = []
    if isinstance(weekend_raw, str) or not isinstance(weekend_raw, (list, tuple)):
        b.bad("delivery.weekend", weekend_raw, 'a list of day names such as ["Sat", "Sun"]')
    else:
        for day in weekend_raw:
            name = str(day)[:3].title() if isinstance(day, str) else None
            if name not in WEEKDAYS:
                b.bad("delivery.weekend", day, "day names: " + ", ".join(WEEKDAYS))
            elif name not in weekend:
                weekend.append(name)
        if len(weekend) == 7:
            b.bad("delivery.weekend", weekend_raw, "at most six weekend days (at least one working day)")
            weekend = []
    weekend_t = tuple(d for d in WEEKDAYS if d in weekend)

    hol_raw = b.get("delivery.holidays")
    holidays: set[_dt.date] = set()
    if isinstance(hol_raw, str) or not isinstance(hol_raw, (list, tuple)):
        b.bad("delivery.holidays", hol_raw, 'a list of dates such as ["2025-12-25"]')
    else:
        for h in hol_raw:
            if isinstance(h, _dt.datetime):
                holidays.add(h.date())
            elif isinstance(h, _dt.date):
                holidays.add(h)
            else:
                try:
                    holidays.add(_dt.date.fromisoformat(str(h)))
                except ValueError:
                    b.bad("delivery.holidays", h, "dates written YYYY-MM-DD")
    return DeliveryConfig(
        reference_date=b.choice("delivery.reference_date", ("promised", "requested")),
        early_tolerance_days=early_v,
        late_tolerance_days=int(late),
        day_basis=b.choice("delivery.day_basis", ("calendar", "working")),
        weekend=weekend_t,
        holidays=tuple(sorted(holidays)),
        in_full_tolerance=b.number("delivery.in_full_tolerance", lo=0.0, hi=1.0, hi_open=True),
        over_delivery_in_full=b.boolean("delivery.over_delivery_in_full"),
        open_lines=b.choice("delivery.open_lines", ("count_past_due", "ignore")),
    )


def _responsiveness(b: _Builder) -> ResponsivenessConfig:
    sla_raw = b.get("responsiveness.service_level_hours")
    sla = {}
    for rtype, hours in sla_raw.items():
        sla[str(rtype)] = b.number(f"responsiveness.service_level_hours.{rtype}", lo=0.0, lo_open=True, value=hours)
    if "default" not in sla:  # pragma: no cover - the defaults always provide it
        b.problems.add("responsiveness.service_level_hours needs a 'default' entry")
    return ResponsivenessConfig(
        service_level_hours=FrozenMapping(sla),
        corrective_action_days=b.number("responsiveness.closure.corrective_action_days", lo=0.0, lo_open=True),
    )


def _known_metric(b: _Builder, key: str, metric: str, dimension: str | None = None) -> bool:
    allowed = [m for m, d in METRIC_DIMENSIONS.items() if dimension is None or d == dimension]
    if metric not in allowed:
        b.problems.add(f"unknown metric {key!r}; allowed: {', '.join(allowed)}")
        return False
    return True


def _targets(b: _Builder) -> FrozenMapping:
    out = {}
    for metric, value in b.get("targets").items():
        key = f"targets.{metric}"
        if not _known_metric(b, key, metric):
            continue
        if metric in RATE_METRICS:
            out[metric] = b.number(key, lo=0.0, hi=1.0, value=value)
        elif METRICS[metric].unit == "ppm":
            out[metric] = b.number(key, lo=0.0, hi=1e6, value=value)
        else:
            out[metric] = b.number(key, lo=0.0, value=value)
    return FrozenMapping(out)


def _curve(b: _Builder, key: str, value: Any) -> tuple[tuple[float, float], ...] | None:
    shape = "a list of at least two [value, points] pairs, e.g. [[0.7, 0.0], [0.98, 100.0]]"
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or len(value) < 2:
        b.bad(key, value, shape)
        return None
    pairs = []
    for p in value:
        if isinstance(p, str) or not isinstance(p, (list, tuple)) or len(p) != 2 or not all(_is_number(x) for x in p):
            b.bad(key, value, shape)
            return None
        pairs.append((float(p[0]), float(p[1])))
    xs = [x for x, _ in pairs]
    if any(x2 <= x1 for x1, x2 in zip(xs, xs[1:])):
        b.problems.add(
            f"{key}: the values {xs} must be strictly increasing; sort the [value, points] pairs "
            "by value and drop repeats"
        )
        return None
    if any(not 0.0 <= p <= 100.0 for _, p in pairs):
        b.problems.add(f"{key}: points must lie between 0 and 100")
        return None
    return tuple(pairs)


def _curve_direction(b: _Builder, key: str, metric: str, curve: tuple[tuple[float, float], ...]) -> bool:
    """Whether the curve's points move the way the catalogue says the metric is better (never against it)."""
    spec = METRICS[metric]
    pts = [p for _, p in curve]
    steps = [p2 - p1 for p1, p2 in zip(pts, pts[1:])]
    lo, hi = curve[0][0], curve[-1][0]
    if spec.lower_is_better and any(d > 0 for d in steps):
        wrong, should, example = "rise", "fall", [[lo, 100.0], [hi, 0.0]]
    elif spec.higher_is_better and any(d < 0 for d in steps):
        wrong, should, example = "fall", "rise", [[lo, 0.0], [hi, 100.0]]
    else:
        return True
    b.problems.add(
        f"{key}: the points {pts} {wrong} as the value grows, but a {spec.better} {metric} is better; "
        f"give points that {should} or stay level as the value grows, e.g. {example}"
    )
    return False


def _weights(b: _Builder, key: str, table: Mapping, names_ok) -> FrozenMapping:
    out = {}
    before = len(b.problems)
    for name, w in table.items():
        if not names_ok(f"{key}.{name}", name):
            continue
        out[name] = b.number(f"{key}.{name}", lo=0.0, value=w)
    total = math.fsum(out.values())
    if len(b.problems) > before:  # a bad weight or name is reported already; its sum would only confuse
        pass
    elif out and total <= 0:
        b.problems.add(f"{key}: at least one weight must be above 0")
    elif out and not math.isclose(total, 1.0, abs_tol=1e-9):
        given = ", ".join(f"{name} = {w:g}" for name, w in out.items())
        b.problems.add(
            f"{key}: the weights {given} sum to {total:.6g}, not 1; make them sum to 1 "
            f"(an entry left out keeps its default; give 0 to leave one out)"
        )
    return FrozenMapping(out)


def _scoring(b: _Builder) -> ScoringConfig:
    curves = {}
    for metric, value in b.get("scoring.curves").items():
        key = f"scoring.curves.{metric}"
        if _known_metric(b, key, metric):
            c = _curve(b, key, value)
            if c is not None and _curve_direction(b, key, metric, c):
                curves[metric] = c

    def dim_ok(key: str, name: str) -> bool:
        if name not in DIMENSIONS:
            b.problems.add(f"unknown dimension {key!r}; allowed: {', '.join(DIMENSIONS)}")
            return False
        return True

    mw_raw = b.get("scoring.metric_weights")
    metric_weights = {}
    for dim, table in mw_raw.items():
        key = f"scoring.metric_weights.{dim}"
        if not dim_ok(key, dim):
            continue
        metric_weights[dim] = _weights(b, key, table, lambda k, m, dim=dim: _known_metric(b, k, m, dim))
    weights = _weights(b, "scoring.weights", b.get("scoring.weights"), dim_ok)

    grades_raw = b.get("scoring.grades")
    grades: list[tuple[str, float]] = []
    if not isinstance(grades_raw, Mapping) or not grades_raw:
        b.bad("scoring.grades", grades_raw, "a table of grade = lowest score, best first, e.g. A = 85.0")
    else:
        for g, lo in grades_raw.items():
            if str(g).strip().lower() == GRADE_RESERVED:
                b.problems.add(
                    f"scoring.grades: {g!r} is reserved for suppliers without enough evidence; choose another name"
                )
                continue
            grades.append((str(g), b.number(f"scoring.grades.{g}", lo=0.0, hi=100.0, value=lo)))
        mins = [m for _, m in grades]
        if any(m2 >= m1 for m1, m2 in zip(mins, mins[1:])):
            b.problems.add("scoring.grades: list the bands best first with strictly decreasing lowest scores")
        elif mins and mins[-1] != 0.0:
            b.problems.add("scoring.grades: the last band must start at 0 so that every score gets a grade")

    return ScoringConfig(
        curves=FrozenMapping(curves),
        metric_weights=FrozenMapping(metric_weights),
        weights=weights,
        grades=tuple(grades),
        shrinkage=b.boolean("scoring.shrinkage"),
        sensitivity=SensitivityConfig(
            draws=b.integer("scoring.sensitivity.draws"),
            concentration=b.number("scoring.sensitivity.concentration", lo=0.0, lo_open=True),
            stable_share=b.number("scoring.sensitivity.stable_share", lo=0.0, hi=1.0),
            seed=b.integer("scoring.sensitivity.seed"),
        ),
        peer_groups=b.choice("scoring.peer_groups", ("base", "category")),
        uncertainty=UncertaintyConfig(
            draws=b.integer("scoring.uncertainty.draws", lo=1),
            seed=b.integer("scoring.uncertainty.seed"),
            provisional_below=b.number("scoring.uncertainty.provisional_below", lo=0.0, hi=1.0),
            rank_interval=b.number("scoring.uncertainty.rank_interval", lo=0.0, hi=1.0, lo_open=True, hi_open=True),
        ),
    )


def build_merged(base: Mapping, user: Mapping, source: str) -> Config:
    """``user`` merged into ``base`` (both in the TOML layout) and validated: :meth:`Config.replace` uses it."""
    return _build(_merge(base, user, source), source)
