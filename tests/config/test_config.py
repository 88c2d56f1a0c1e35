"""Scoring configuration: defaults, overrides from TOML and dicts, every invalid key or value."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from importlib import resources

import pytest

from supplier_analytics.config import (
    Config,
    FrozenMapping,
    default_config,
    load_config,
)
from supplier_analytics.errors import ConfigError


def test_defaults_mirror_the_packaged_toml():
    cfg = default_config()
    assert cfg.delivery.reference_date == "promised"
    assert cfg.delivery.early_tolerance_days == 3
    assert cfg.delivery.late_tolerance_days == 0
    assert cfg.delivery.day_basis == "calendar"
    assert cfg.delivery.weekend == ("Sat", "Sun")
    assert cfg.delivery.holidays == ()
    assert cfg.delivery.in_full_tolerance == 0.0
    assert cfg.delivery.over_delivery_in_full is True
    assert cfg.delivery.open_lines == "count_past_due"
    assert (cfg.periods.period, cfg.periods.window_months) == ("month", 12)
    assert cfg.responsiveness.service_level_hours["complaint"] == 24.0
    assert cfg.responsiveness.sla_hours("something_else") == 72.0
    assert cfg.responsiveness.corrective_action_days == 30.0
    assert dict(cfg.targets) == {
        "on_time_rate": 0.95,
        "in_full_rate": 0.98,
        "otif_rate": 0.93,
        "within_sla_rate": 0.90,
        "ppm": 500.0,
        "lot_rejection_rate": 0.02,
    }
    assert cfg.scoring.curves["ppm"] == ((0.0, 100.0), (500.0, 80.0), (5000.0, 0.0))
    assert dict(cfg.scoring.metric_weights["quality"]) == {
        "ppm": 0.45,
        "lot_rejection_rate": 0.3,
        "incidents_per_month": 0.15,
        "downtime_minutes_per_month": 0.1,
    }
    assert dict(cfg.scoring.weights) == {"delivery": 0.5, "quality": 0.3, "responsiveness": 0.2}
    assert cfg.scoring.grades == (("A", 85.0), ("B", 70.0), ("C", 50.0), ("D", 0.0))
    assert cfg.scoring.shrinkage is True
    assert (cfg.scoring.sensitivity.draws, cfg.scoring.sensitivity.seed) == (200, 0)
    assert (cfg.evidence.min_deliveries, cfg.evidence.min_inspections, cfg.evidence.min_requests) == (20, 5, 5)
    assert load_config() == cfg
    assert load_config(None) is cfg


def test_to_dict_round_trips_and_equals_the_packaged_file():
    cfg = default_config()
    raw = tomllib.loads(resources.files("supplier_analytics").joinpath("data/default_config.toml").read_text("utf-8"))
    assert cfg.to_dict() == raw
    assert load_config(cfg.to_dict()) == cfg
    json.dumps(cfg.to_dict())  # JSON-able for summary.json


def test_the_sample_copy_equals_the_defaults():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "data" / "sample" / "scoring.toml"
    assert load_config(sample) == default_config()


def test_frozen_hashable_and_hash_tracks_content():
    cfg = default_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.delivery.day_basis = "working"
    with pytest.raises(TypeError):
        cfg.targets["otif_rate"] = 0.5
    assert isinstance(cfg.targets, FrozenMapping)
    assert hash(cfg) == hash(load_config({}))
    assert len(cfg.hash()) == 64
    assert cfg.hash() == load_config({}).hash()
    other = load_config({"delivery": {"late_tolerance_days": 1}})
    assert other.hash() != cfg.hash()
    assert {cfg: 1}[load_config({})] == 1


def test_override_one_key_from_a_toml_file(tmp_path):
    path = tmp_path / "my.toml"
    path.write_text('[delivery]\nearly_tolerance_days = "unlimited"\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.delivery.early_tolerance_days is None
    # everything else keeps its default
    assert cfg.delivery.late_tolerance_days == 0
    assert cfg.periods == default_config().periods
    assert cfg.scoring == default_config().scoring
    assert load_config(str(path)) == cfg


def test_toml_dates_and_strings_for_holidays_and_working_days(tmp_path):
    path = tmp_path / "h.toml"
    path.write_text(
        '[delivery]\nday_basis = "working"\nweekend = ["Fri", "saturday"]\n'
        'holidays = [2025-12-25, "2025-01-01", 2025-12-25]\n',
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.delivery.weekend == ("Fri", "Sat")
    assert cfg.delivery.weekmask == "1111001"
    assert cfg.delivery.holidays == (dt.date(2025, 1, 1), dt.date(2025, 12, 25))
    assert cfg.to_dict()["delivery"]["holidays"] == ["2025-01-01", "2025-12-25"]


def test_tables_merge_by_entry_but_grades_are_replaced_whole():
    cfg = load_config(
        {
            "responsiveness": {"service_level_hours": {"quote_change": 12}, "closure": {"corrective_action_days": 14}},
            "targets": {"ppm": 300},
            "scoring": {
                "metric_weights": {"delivery": {"otif_rate": 0.75, "in_full_rate": 0}},
                "grades": {"Pass": 60, "Fail": 0},
            },
        }
    )
    assert cfg.responsiveness.service_level_hours["quote_change"] == 12.0
    assert cfg.responsiveness.service_level_hours["rfq"] == 72.0
    assert cfg.responsiveness.corrective_action_days == 14.0
    assert cfg.targets["ppm"] == 300.0 and cfg.targets["otif_rate"] == 0.93
    assert dict(cfg.scoring.metric_weights["delivery"]) == {
        "otif_rate": 0.75,
        "on_time_rate": 0.25,
        "in_full_rate": 0.0,
    }
    assert cfg.scoring.grades == (("Pass", 60.0), ("Fail", 0.0))


def test_replace_validates_and_accepts_section_dataclasses():
    cfg = default_config()
    new = cfg.replace(delivery={"reference_date": "requested"}, evidence={"min_deliveries": 1})
    assert new.delivery.reference_date == "requested"
    assert new.delivery.reference_column == "date_requested"
    assert new.evidence.min_deliveries == 1
    assert cfg.delivery.reference_date == "promised"  # the original is untouched
    periods = dataclasses.replace(cfg.periods, period="week")
    assert cfg.replace(periods=periods).periods.freq == "W-SUN"
    assert cfg.replace(responsiveness={"corrective_action_days": 10}).responsiveness.corrective_action_days == 10.0
    with pytest.raises(ConfigError, match=r"In the overrides, delivery\.day_basis = 'weekly' is not allowed"):
        cfg.replace(delivery={"day_basis": "weekly"})
    # dataclasses.replace is usable too (no validation)
    assert dataclasses.replace(cfg, periods=periods).periods.period == "week"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"delivrey": {}},
            r"^In the configuration dict, unknown section 'delivrey' in the top level; allowed: delivery, periods, "
            r"responsiveness, targets, scoring, evidence\.$",
        ),
        (
            {"delivery": {"late_tolerance": 1}},
            r"unknown key 'delivery\.late_tolerance' in section \[delivery\]; allowed: reference_date, "
            r"early_tolerance_days, late_tolerance_days, day_basis, weekend, holidays, in_full_tolerance, "
            r"over_delivery_in_full, open_lines\.",
        ),
        (
            {"delivery": {"day_basis": "weekly"}},
            r"^In the configuration dict, delivery\.day_basis = 'weekly' is not allowed; "
            r"use one of: calendar, working\.$",
        ),
        (
            {"delivery": {"reference_date": "confirmed"}},
            r"delivery\.reference_date = 'confirmed' is not allowed; use one of: promised, requested\.$",
        ),
        (
            {"delivery": {"early_tolerance_days": -1}},
            r"delivery\.early_tolerance_days = -1 is not allowed; use a whole number of days >= 0 or \"unlimited\"\.$",
        ),
        (
            {"delivery": {"early_tolerance_days": "lots"}},
            r"delivery\.early_tolerance_days = 'lots' is not allowed; use a whole number of days >= 0 or \"unlimited\"",
        ),
        ({"delivery": {"early_tolerance_days": 1.5}}, r"delivery\.early_tolerance_days = 1\.5 is not allowed"),
        (
            {"delivery": {"late_tolerance_days": True}},
            r"delivery\.late_tolerance_days = True is not allowed; use a whole number of days >= 0\.$",
        ),
        (
            {"delivery": {"in_full_tolerance": 1.0}},
            r"delivery\.in_full_tolerance = 1\.0 is not allowed; use a number >= 0 and < 1\.$",
        ),
        (
            {"delivery": {"over_delivery_in_full": "yes"}},
            r"delivery\.over_delivery_in_full = 'yes' is not allowed; use true or false\.$",
        ),
        (
            {"delivery": {"open_lines": "drop"}},
            r"delivery\.open_lines = 'drop' is not allowed; use one of: count_past_due, ignore\.$",
        ),
        (
            {"delivery": {"weekend": ["Sat", "Sunday", "Xyz"]}},
            r"delivery\.weekend = 'Xyz' is not allowed; use day names: Mon, Tue, Wed, Thu, Fri, Sat, Sun\.$",
        ),
        ({"delivery": {"weekend": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}}, r"use at most six weekend days"),
        (
            {"delivery": {"holidays": ["25.12.2025"]}},
            r"delivery\.holidays = '25\.12\.2025' is not allowed; use dates written YYYY-MM-DD\.$",
        ),
        ({"delivery": "calendar"}, r"delivery must be a table of keys, not 'calendar'\.$"),
        (
            {"periods": {"period": "year"}},
            r"periods\.period = 'year' is not allowed; use one of: week, month, quarter\.$",
        ),
        ({"periods": {"window_months": 0}}, r"periods\.window_months = 0 is not allowed; use a whole number >= 1\.$"),
        (
            {"targets": {"lot_rejection_rate": 2}},
            r"targets\.lot_rejection_rate = 2 is not allowed; use a number >= 0 and <= 1\.$",
        ),
        ({"targets": {"ppm": 2e6}}, r"targets\.ppm = 2000000\.0 is not allowed; use a number >= 0 and <= 1e\+06\.$"),
        (
            {"responsiveness": {"service_level_hours": {"rfq": 0}}},
            r"responsiveness\.service_level_hours\.rfq = 0 is not allowed; use a number > 0\.$",
        ),
        ({"targets": {"on_time": 0.9}}, r"unknown metric 'targets\.on_time'; allowed: on_time_rate, "),
        ({"targets": {"otif_rate": 95}}, r"targets\.otif_rate = 95 is not allowed; use a number >= 0 and <= 1\.$"),
        (
            {"scoring": {"curves": {"ppm": [[500, 80], [0, 100]]}}},
            r"scoring\.curves\.ppm: the values \[500\.0, 0\.0\] must be strictly increasing",
        ),
        (
            {"scoring": {"curves": {"ppm": [[0, 100]]}}},
            r"scoring\.curves\.ppm = \[\[0, 100\]\] is not allowed; use a list of at least two \[value, points\] pairs",
        ),
        (
            {"scoring": {"curves": {"ppm": [[0, 120], [10, 0]]}}},
            r"scoring\.curves\.ppm: points must lie between 0 and 100",
        ),
        (
            {"scoring": {"curves": {"ppm": [[0, 0], [5000, 100]]}}},
            r"scoring\.curves\.ppm: the points \[0\.0, 100\.0\] rise as the value grows, but a lower ppm is better; "
            r"give points that fall or stay level as the value grows, e\.g\. \[\[0\.0, 100\.0\], \[5000\.0, 0\.0\]\]\.$",
        ),
        (
            {"scoring": {"curves": {"lot_rejection_rate": [[0, 100], [0.02, 60], [0.2, 80]]}}},
            r"scoring\.curves\.lot_rejection_rate: the points \[100\.0, 60\.0, 80\.0\] rise as the value grows",
        ),
        (
            {"scoring": {"curves": {"otif_rate": [[0.5, 100], [1.0, 0]]}}},
            r"scoring\.curves\.otif_rate: the points \[100\.0, 0\.0\] fall as the value grows, but a higher otif_rate "
            r"is better; give points that rise",
        ),
        (
            {"scoring": {"weights": {"delivery": -0.5}}},
            r"scoring\.weights\.delivery = -0\.5 is not allowed; use a number >= 0\.$",
        ),
        (
            {"scoring": {"weights": {"delivery": 0, "quality": 0, "responsiveness": 0}}},
            r"scoring\.weights: at least one weight must be above 0\.$",
        ),
        (
            {"scoring": {"weights": {"quality": 0.4}}},
            r"scoring\.weights: the weights delivery = 0\.5, quality = 0\.4, responsiveness = 0\.2 sum to 1\.1, "
            r"not 1; make them sum to 1 \(an entry left out keeps its default; give 0 to leave one out\)\.$",
        ),
        (
            {"scoring": {"metric_weights": {"quality": {"ppm": 0.3}}}},
            r"scoring\.metric_weights\.quality: the weights ppm = 0\.3, lot_rejection_rate = 0\.3, "
            r"incidents_per_month = 0\.15, downtime_minutes_per_month = 0\.1 sum to 0\.85, not 1",
        ),
        (
            {"scoring": {"weights": {"cost": 0.1}}},
            r"unknown dimension 'scoring\.weights\.cost'; allowed: delivery, quality, responsiveness\.$",
        ),
        (
            {"scoring": {"metric_weights": {"delivery": {"ppm": 1}}}},
            r"unknown metric 'scoring\.metric_weights\.delivery\.ppm'; allowed: on_time_rate, early_rate",
        ),
        (
            {"scoring": {"grades": {"A": 50, "B": 60, "C": 0}}},
            r"scoring\.grades: list the bands best first with strictly decreasing lowest scores\.$",
        ),
        ({"scoring": {"grades": {"A": 80, "B": 40}}}, r"scoring\.grades: the last band must start at 0"),
        ({"scoring": {"grades": {"A": 50, "Insufficient evidence": 0}}}, r"is reserved for suppliers without enough"),
        (
            {"scoring": {"sensitivity": {"stable_share": 1.5}}},
            r"scoring\.sensitivity\.stable_share = 1\.5 is not allowed; use a number >= 0 and <= 1\.$",
        ),
        (
            {"evidence": {"min_deliveries": -3}},
            r"evidence\.min_deliveries = -3 is not allowed; use a whole number >= 0\.$",
        ),
    ],
)
def test_invalid_values_name_the_key_and_the_allowed_values(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(override)


def test_all_problems_are_reported_at_once():
    with pytest.raises(
        ConfigError,
        match=r"^2 problems in the configuration dict: delivery\.day_basis = 'weekly' is not allowed; "
        r"use one of: calendar, working; periods\.period = 'year' is not allowed; use one of: week, month, "
        r"quarter; fix them and load again\.$",
    ):
        load_config({"delivery": {"day_basis": "weekly"}, "periods": {"period": "year"}})


def test_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[delivery\nday_basis = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^Configuration file bad\.toml is not valid TOML \(.*line 1.*\); fix"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"^Configuration file .*missing\.toml does not exist; check the path"):
        load_config(tmp_path / "missing.toml")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[delivery]\nday_basis = "weekly"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^In wrong\.toml, delivery\.day_basis = 'weekly' is not allowed"):
        load_config(wrong)
    with pytest.raises(ConfigError, match=r"load_config expects a TOML path, a dict or None, not int"):
        load_config(3)


def test_config_instance_passes_through():
    cfg = load_config({"periods": {"period": "quarter"}})
    assert load_config(cfg) is cfg
    assert isinstance(cfg, Config)


def test_old_quality_targets_are_read_into_targets_with_a_warning():
    with pytest.warns(FutureWarning, match=r"\[quality\] section is deprecated .*quality\.ppm_target -> targets\.ppm"):
        cfg = load_config({"quality": {"ppm_target": 800.0, "lot_rejection_target": 0.05}})
    assert (cfg.targets["ppm"], cfg.targets["lot_rejection_rate"]) == (800.0, 0.05)
    with pytest.warns(FutureWarning, match="Config.quality is deprecated"):
        assert cfg.quality.ppm_target == 800.0
    # an entry in [targets] wins over the old key; an unknown old key is an error naming the allowed ones
    with pytest.warns(FutureWarning):
        assert load_config({"quality": {"ppm_target": 800.0}, "targets": {"ppm": 300.0}}).targets["ppm"] == 300.0
    with pytest.raises(ConfigError, match=r"unknown key 'quality\.ppm' in section \[quality\]; allowed: ppm_target"):
        load_config({"quality": {"ppm": 800.0}})


def test_the_configuration_reads_its_metrics_from_the_catalogue():
    from supplier_analytics import catalog
    from supplier_analytics.config import METRIC_DIMENSIONS

    assert set(METRIC_DIMENSIONS) == set(catalog.SCORABLE)
    assert all(catalog.spec(m).dimension == d for m, d in METRIC_DIMENSIONS.items())


def test_default_curves_run_the_way_the_catalogue_says_is_better():
    from supplier_analytics import catalog

    for metric, curve in load_config().scoring.curves.items():
        pts = [p for _, p in curve]
        rising = pts[-1] > pts[0]
        assert rising == (catalog.spec(metric).better == "higher"), metric
    # a level stretch is allowed either way
    assert load_config({"scoring": {"curves": {"ppm": [[0, 100], [100, 100], [5000, 0]]}}}).scoring.curves["ppm"][
        1
    ] == (100.0, 100.0)


def test_open_lines_can_be_ignored_and_round_trips():
    cfg = load_config({"delivery": {"open_lines": "ignore"}})
    assert cfg.delivery.open_lines == "ignore"
    assert load_config(cfg.to_dict()) == cfg


def test_peer_groups_and_uncertainty_keys():
    cfg = load_config()
    assert cfg.scoring.peer_groups == "base"
    u = cfg.scoring.uncertainty
    assert (u.draws, u.seed, u.provisional_below, u.rank_interval) == (1000, 0, 0.6, 0.95)
    new = load_config({"scoring": {"peer_groups": "category", "uncertainty": {"draws": 200, "provisional_below": 0.5}}})
    assert new.scoring.peer_groups == "category" and new.scoring.uncertainty.draws == 200
    assert load_config(new.to_dict()) == new
    with pytest.raises(
        ConfigError, match=r"scoring\.peer_groups = 'supplier' is not allowed; use one of: base, category"
    ):
        load_config({"scoring": {"peer_groups": "supplier"}})
    with pytest.raises(ConfigError, match=r"scoring\.uncertainty\.draws = 0 is not allowed; use a whole number >= 1"):
        load_config({"scoring": {"uncertainty": {"draws": 0}}})
    with pytest.raises(ConfigError, match=r"scoring\.uncertainty\.rank_interval = 1\.0 is not allowed"):
        load_config({"scoring": {"uncertainty": {"rank_interval": 1.0}}})
