"""Every output column has a label for people and a display format, derived from the metric catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from supplier_analytics import catalog
from supplier_analytics.columns import (
    column_description,
    column_excel_format,
    column_format_value,
    column_label,
    column_unit,
    known,
)


@pytest.mark.parametrize(
    ("name", "label", "excel"),
    [
        ("on_time_rate", "On time", "0.0%"),
        ("on_time_rate_low", "On time: lower bound (95%)", "0.0%"),
        ("otif_rate_high", "On time in full (OTIF): upper bound (95%)", "0.0%"),
        ("otif_rate_shrunk", "On time in full (OTIF): weighted toward peers", "0.0%"),
        ("otif_rate_prob_below_target", "On time in full (OTIF): chance below target", "0.0%"),
        ("pts_otif_rate", "On time in full (OTIF): points", "0.0"),  # points 0-100, not a percentage
        ("ppm", "Defective parts per million (PPM)", "#,##0"),
        ("ppm_low", "Defective parts per million (PPM): lower bound (95%)", "#,##0"),
        ("ppm_n", "PPM: units inspected", "#,##0"),
        ("otif_rate_n", "On time in full (OTIF): lines counted", "#,##0"),
        ("n_deliveries", "Order lines judged", "#,##0"),
        ("rank", "Rank", "#,##0"),  # a rank is a whole number, not 1.00
        ("rank_high", "Rank: worst likely", "#,##0"),
        ("grade_probability", "How sure the grade is", "0.0%"),
        ("prob_B", "Chance of grade B", "0.0%"),
        ("median_days_late_low", "Median days late: lower bound (95%)", "#,##0.0"),
        ("median_response_hours", "Median response time (hours)", "#,##0.0"),
        ("overall_score", "Overall score", "0.0"),
        ("supplier_name", "Supplier name", None),
        ("provisional", "Grade provisional", None),
    ],
)
def test_hand_checked_labels_and_formats(name, label, excel):
    assert column_label(name) == label
    assert column_excel_format(name) == excel


def test_values_read_as_people_write_them():
    assert column_format_value("pts_otif_rate", 66.07) == "66.1"
    assert column_format_value("otif_rate_low", 0.8304) == "83.0%"
    assert column_format_value("ppm_high", 1234.4) == "1,234"
    assert column_format_value("rank_low", 3.0) == "3"
    assert column_format_value("provisional", True) == "yes"
    assert column_format_value("otif_rate", float("nan")) == "n/a"


def test_units_follow_the_catalogue_for_every_metric_and_its_interval():
    for name, m in catalog.METRICS.items():
        assert column_unit(name) == m.unit and column_label(name) == m.label
        if m.is_rate:
            for suffix in ("_low", "_high", "_shrunk"):
                assert column_excel_format(name + suffix) == m.excel_format, name + suffix
            assert column_unit(f"{name}_n") == column_unit(f"{name}_k") == "count"
            assert column_unit(f"{name}_prob_below_target") == "probability"
        if m.scorable:
            assert column_unit(f"pts_{name}") == "points"


def test_an_unknown_column_is_readable_but_gets_no_format():
    assert not known("my_own_column")
    assert column_label("my_own_column") == "My own column"
    assert column_excel_format("my_own_column") is None


def test_every_column_of_the_scorecard_outputs_has_a_label_and_a_unit(sample_card):
    """suppliers.csv, periods.csv, rejected rows and every workbook sheet: each column is known, its label has no
    snake_case and every numeric column has a number format."""
    from supplier_analytics.reports.scorecard import scorecard_sheets

    frames = [sample_card.suppliers, sample_card.periods, sample_card.rejected]
    frames += [s.frame for s in scorecard_sheets(sample_card)]
    for frame in frames:
        for name in frame.columns:
            name = str(name)
            label = column_label(name)
            assert known(name), name
            assert "_" not in label and label[:1].isupper(), (name, label)
            if pd.api.types.is_numeric_dtype(frame[name].dtype) and not pd.api.types.is_bool_dtype(frame[name].dtype):
                assert column_excel_format(name) is not None, name
    # the descriptions that explain a column hold no snake_case either
    for name in sample_card.suppliers.columns:
        assert "_" not in column_description(str(name)) or str(name) in catalog.METRICS, name
