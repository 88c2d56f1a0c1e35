"""Scoring configuration: every definition choice, as a frozen dataclass tree.

The defaults live in the package data file ``data/default_config.toml`` (a
commented copy ships in ``data/sample/``). :func:`load_config` reads a TOML
file or a dict that overrides the defaults key by key; every problem found is
reported at once as a :class:`~supplier_analytics.errors.ConfigError` that
names the key (e.g. ``delivery.day_basis``) and the allowed values.

Merging rules: a key you leave out keeps its default. Tables of named values
(``responsiveness.service_level_hours``, ``targets``, ``scoring.curves``,
``scoring.metric_weights.*``, ``scoring.weights``) merge entry by entry, so to
drop a metric from a dimension give it the weight 0. ``scoring.grades`` is one
set of bands and is replaced as a whole when given.

The weights of each table (``scoring.weights``, each ``scoring.metric_weights.*``)
must sum to 1 after merging, and none may be negative: anything else is an
error that lists the weights and their sum (never silently re-normalised). A
metric or dimension that no supplier has data for is left out for everyone and
the others scaled up (``reweighted``): that is scoring, not a configuration fix.

Examples
--------
>>> from supplier_analytics.config import load_config
>>> cfg = load_config({"delivery": {"early_tolerance_days": "unlimited", "day_basis": "working"}})
>>> cfg.delivery.early_tolerance_days is None, cfg.delivery.day_basis
(True, 'working')
>>> cfg.delivery.weekmask
'1111100'
>>> cfg.to_dict()["delivery"]["early_tolerance_days"]
'unlimited'
>>> cfg.replace(periods={"period": "quarter"}).periods.period
'quarter'
"""

from supplier_analytics.catalog import DIMENSIONS
from supplier_analytics.config.load import default_config, load_config
from supplier_analytics.config.model import (
    METRIC_DIMENSIONS,
    Config,
    DeliveryConfig,
    EvidenceConfig,
    FrozenMapping,
    PeriodsConfig,
    QualityConfig,
    ResponsivenessConfig,
    ScoringConfig,
    SensitivityConfig,
    UncertaintyConfig,
)

__all__ = [
    "Config",
    "DeliveryConfig",
    "PeriodsConfig",
    "QualityConfig",
    "ResponsivenessConfig",
    "ScoringConfig",
    "SensitivityConfig",
    "UncertaintyConfig",
    "EvidenceConfig",
    "FrozenMapping",
    "METRIC_DIMENSIONS",
    "DIMENSIONS",
    "load_config",
    "default_config",
]
