"""The configuration as data: frozen section dataclasses and :class:`Config` (see the package notes)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from supplier_analytics.catalog import METRICS, SCORABLE

# No __all__ here: the config package (its __init__) says what is exported; the other public names of
# this module (SECTIONS, RATE_METRICS, LEGACY_QUALITY_TARGETS, GRADE_RESERVED, WEEKDAYS) serve its loading.

#: Metrics that may carry a target, a curve or a weight, and their dimension (from the metric catalogue).
METRIC_DIMENSIONS: Mapping[str, str] = MappingProxyType({m: METRICS[m].dimension for m in SCORABLE})

#: Metrics that are fractions in [0, 1] (their targets must be fractions too).
RATE_METRICS = tuple(m for m in METRIC_DIMENSIONS if METRICS[m].unit == "rate")

#: The old ``[quality]`` keys and the ``[targets]`` keys that replace them.
LEGACY_QUALITY_TARGETS: Mapping[str, str] = MappingProxyType(
    {"ppm_target": "ppm", "lot_rejection_target": "lot_rejection_rate"}
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GRADE_RESERVED = "insufficient evidence"


class FrozenMapping(Mapping):
    """A read-only, hashable mapping (insertion order kept).

    Examples
    --------
    >>> m = FrozenMapping({"a": 1.0})
    >>> m["a"], dict(m), hash(m) == hash(FrozenMapping({"a": 1.0}))
    (1.0, {'a': 1.0}, True)
    """

    __slots__ = ("_data",)
    _data: dict[Any, Any]

    def __init__(self, data: Mapping | None = None):
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __setattr__(self, name, value):
        raise AttributeError("FrozenMapping is read-only")

    def __reduce__(self):  # pickled as its items (unpickling cannot set attributes of a read-only object)
        return (FrozenMapping, (self._data,))

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class DeliveryConfig:
    """How a delivery line is judged (``[delivery]``).

    ``early_tolerance_days`` is ``None`` for "unlimited" (every early receipt is
    on time). ``weekend`` holds three-letter day names, ``holidays`` dates.
    ``open_lines``: ``"count_past_due"`` (an order line with no receipt whose reference date plus the late
    tolerance lies before the as-of date counts as not on time and not in full) or ``"ignore"``.
    """

    reference_date: str = "promised"
    early_tolerance_days: int | None = 3
    late_tolerance_days: int = 0
    day_basis: str = "calendar"
    weekend: tuple[str, ...] = ("Sat", "Sun")
    holidays: tuple[_dt.date, ...] = ()
    in_full_tolerance: float = 0.0
    over_delivery_in_full: bool = True
    open_lines: str = "count_past_due"

    @property
    def weekmask(self) -> str:
        """The working days as a numpy ``busday`` weekmask, Monday first (``"1111100"``)."""
        return "".join("0" if d in self.weekend else "1" for d in WEEKDAYS)

    @property
    def reference_column(self) -> str:
        """The deliveries column judged against: ``date_promised`` or ``date_requested``."""
        return f"date_{self.reference_date}"


@dataclass(frozen=True)
class PeriodsConfig:
    """Reporting period and evaluation window (``[periods]``)."""

    period: str = "month"
    window_months: int = 12

    @property
    def freq(self) -> str:
        """The pandas Period frequency: ``W-SUN`` (ISO weeks Monday to Sunday), ``M`` or ``Q``."""
        return {"week": "W-SUN", "month": "M", "quarter": "Q"}[self.period]


@dataclass(frozen=True)
class QualityConfig:
    """The old quality targets (``[quality]``), deprecated: they are ``targets.ppm`` and
    ``targets.lot_rejection_rate`` now. Only :attr:`Config.quality` still returns one."""

    ppm_target: float = 500.0
    lot_rejection_target: float = 0.02


@dataclass(frozen=True)
class ResponsivenessConfig:
    """Service levels per request type and corrective-action closure (``[responsiveness]``).

    ``service_level_hours`` maps request type to hours and always holds ``"default"``.
    """

    service_level_hours: FrozenMapping = FrozenMapping({"default": 72.0})
    corrective_action_days: float = 30.0

    def sla_hours(self, request_type: str) -> float:
        """Hours allowed for a request type (the ``default`` entry for unlisted types)."""
        return self.service_level_hours.get(request_type, self.service_level_hours["default"])


@dataclass(frozen=True)
class SensitivityConfig:
    """Random weight draws for grade stability (``[scoring.sensitivity]``)."""

    draws: int = 200
    concentration: float = 50.0
    stable_share: float = 0.8
    seed: int = 0


@dataclass(frozen=True)
class UncertaintyConfig:
    """Posterior draws behind the grade probabilities and rank intervals (``[scoring.uncertainty]``).

    ``draws`` draws from each rate's posterior (seeded by ``seed``) go through points, dimension and overall
    score; a grade whose probability is below ``provisional_below`` is provisional; ``rank_interval`` is the
    coverage of ``rank_low`` to ``rank_high``.
    """

    draws: int = 1000
    seed: int = 0
    provisional_below: float = 0.6
    rank_interval: float = 0.95


@dataclass(frozen=True)
class ScoringConfig:
    """Points curves, weights, grade bands, shrinkage and sensitivity (``[scoring]``).

    ``curves`` maps metric to a tuple of ``(value, points)`` pairs with strictly
    increasing values; ``metric_weights`` maps dimension to metric to weight;
    ``weights`` maps dimension to weight; ``grades`` is a tuple of
    ``(grade, min_score)`` best first, the last band starting at 0. ``peer_groups`` is ``"base"`` (one
    peer level per metric across all suppliers) or ``"category"`` (a prior per purchasing category).
    """

    curves: FrozenMapping = FrozenMapping()
    metric_weights: FrozenMapping = FrozenMapping()
    weights: FrozenMapping = FrozenMapping()
    grades: tuple[tuple[str, float], ...] = ()
    shrinkage: bool = True
    sensitivity: SensitivityConfig = SensitivityConfig()
    peer_groups: str = "base"
    uncertainty: UncertaintyConfig = UncertaintyConfig()


@dataclass(frozen=True)
class EvidenceConfig:
    """Evidence in the window below which a dimension is marked thin (``[evidence]``); it never changes a score."""

    min_deliveries: int = 20
    min_inspections: int = 5
    min_requests: int = 5


@dataclass(frozen=True)
class Config:
    """The whole scoring configuration; build it with :func:`load_config`.

    Every section is a frozen dataclass and every mapping is read-only, so a
    Config can be shared, hashed and used as a cache key. ``dataclasses.replace``
    works on any level (without validation); :meth:`replace` validates.
    """

    delivery: DeliveryConfig
    periods: PeriodsConfig
    responsiveness: ResponsivenessConfig
    targets: FrozenMapping
    scoring: ScoringConfig
    evidence: EvidenceConfig

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a plain dict in the layout of the TOML file.

        Only strings, numbers, booleans, lists and dicts: it can be written as
        TOML or JSON, and ``load_config(cfg.to_dict()) == cfg``. "unlimited"
        stands for an early tolerance of ``None``; holidays are ISO date strings.
        """
        d, r, s = self.delivery, self.responsiveness, self.scoring
        return {
            "delivery": {
                "reference_date": d.reference_date,
                "early_tolerance_days": "unlimited" if d.early_tolerance_days is None else d.early_tolerance_days,
                "late_tolerance_days": d.late_tolerance_days,
                "day_basis": d.day_basis,
                "weekend": list(d.weekend),
                "holidays": [h.isoformat() for h in d.holidays],
                "in_full_tolerance": d.in_full_tolerance,
                "over_delivery_in_full": d.over_delivery_in_full,
                "open_lines": d.open_lines,
            },
            "periods": {"period": self.periods.period, "window_months": self.periods.window_months},
            "responsiveness": {
                "service_level_hours": dict(r.service_level_hours),
                "closure": {"corrective_action_days": r.corrective_action_days},
            },
            "targets": dict(self.targets),
            "scoring": {
                "curves": {m: [list(p) for p in c] for m, c in s.curves.items()},
                "metric_weights": {dim: dict(w) for dim, w in s.metric_weights.items()},
                "weights": dict(s.weights),
                "grades": dict(s.grades),
                "shrinkage": s.shrinkage,
                "sensitivity": dataclasses.asdict(s.sensitivity),
                "peer_groups": s.peer_groups,
                "uncertainty": dataclasses.asdict(s.uncertainty),
            },
            "evidence": dataclasses.asdict(self.evidence),
        }

    @property
    def quality(self) -> QualityConfig:
        """Deprecated: the PPM and lot-rejection targets are ``targets["ppm"]`` and ``targets["lot_rejection_rate"]``."""
        warnings.warn(
            "Config.quality is deprecated; read config.targets['ppm'] and "
            "config.targets['lot_rejection_rate'] instead.",
            FutureWarning,
            stacklevel=2,
        )
        return QualityConfig(
            ppm_target=float(self.targets.get("ppm", math.nan)),
            lot_rejection_target=float(self.targets.get("lot_rejection_rate", math.nan)),
        )

    def hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`: equal configurations, equal hashes."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def __hash__(self) -> int:
        return hash(self.hash())

    def replace(self, **sections: Mapping | Any) -> Config:
        """A new, validated Config with some sections overridden key by key.

        Parameters
        ----------
        **sections : a section name (``delivery``, ``periods``,
            ``responsiveness``, ``targets``, ``scoring``, ``evidence``) with a dict
            of overrides in the TOML layout, or a section dataclass that replaces
            the section as a whole.

        Examples
        --------
        >>> from supplier_analytics.config import default_config
        >>> cfg = default_config().replace(delivery={"late_tolerance_days": 2})
        >>> cfg.delivery.late_tolerance_days, cfg.delivery.early_tolerance_days
        (2, 3)
        """
        base = self.to_dict()
        overrides: dict[str, Any] = {}
        for name, value in sections.items():
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                section: dict[str, Any] = {name: value}  # a section's type follows from its name at run time
                replaced = dataclasses.replace(self, **section) if name in SECTIONS else None
                if replaced is None:
                    overrides[name] = value  # reported as an unknown section below
                    continue
                base[name] = replaced.to_dict()[name]
            else:
                overrides[name] = value
        from supplier_analytics.config.load import build_merged  # the validation lives with the loading

        return build_merged(base, overrides, "the overrides")


SECTIONS = ("delivery", "periods", "responsiveness", "targets", "scoring", "evidence")
