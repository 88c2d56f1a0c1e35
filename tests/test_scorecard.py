"""score(): from canonical tables to a graded, explained, traceable scorecard and its files."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics.cli import main
from supplier_analytics.scorecard import SCORECARD_FILES

SAMPLE = "data/sample"
LOW_EVIDENCE = {"evidence": {"min_deliveries": 1, "min_inspections": 1, "min_requests": 1}}


def _deliveries():
    """Two suppliers; A: 4 lines, 3 on time and in full; B: 2 lines, one late by 5 days."""
    return pd.DataFrame(
        {
            "supplier_id": pd.array(["A", "A", "A", "A", "B", "B"], dtype="string"),
            "po_id": pd.array(["P1", "P1", "P2", "P3", "P9", "P9"], dtype="string"),
            "line_id": pd.array(["1", "2", "1", "1", "1", "2"], dtype="string"),
            "quantity_ordered": [10.0, 10.0, 5.0, 8.0, 4.0, 4.0],
            "quantity_received": [10.0, 10.0, 5.0, 6.0, 4.0, 4.0],
            "date_promised": pd.to_datetime(
                ["2025-03-03", "2025-03-03", "2025-03-10", "2025-03-12", "2025-03-05", "2025-03-05"]
            ),
            "date_received": pd.to_datetime(
                ["2025-03-03", "2025-03-02", "2025-03-10", "2025-03-12", "2025-03-05", "2025-03-10"]
            ),
        }
    )


def test_hand_computed_delivery_rates_and_public_columns():
    card = sa.score(deliveries=_deliveries(), config=LOW_EVIDENCE, as_of="2025-03-31")
    s = card.suppliers.set_index("supplier_id")
    # A: lines P1/1, P1/2 (one day early, inside the 3-day tolerance), P2/1 on time; P3/1 on time but short.
    assert s.loc["A", "n_deliveries"] == 4
    assert s.loc["A", "on_time_rate"] == 1.0
    assert s.loc["A", "in_full_rate"] == 0.75
    assert s.loc["A", "otif_rate"] == 0.75
    # B: one of two lines 5 days late -> on time 1/2, mean days late (over all lines) 2.5.
    assert s.loc["B", "on_time_rate"] == 0.5
    assert s.loc["B", "mean_days_late"] == 2.5
    # Wilson interval of 1/2 at 95%: 0.0945 .. 0.9055.
    assert s.loc["B", "on_time_rate_low"] == pytest.approx(0.0945, abs=5e-4)
    assert s.loc["B", "on_time_rate_high"] == pytest.approx(0.9055, abs=5e-4)
    required = [
        "supplier_id",
        "n_deliveries",
        "on_time_rate",
        "on_time_rate_low",
        "on_time_rate_high",
        "in_full_rate",
        "otif_rate",
        "mean_days_late",
        "p90_days_late",
        "n_inspections",
        "defective_quantity",
        "downtime_minutes",
        "ppm",
        "median_response_hours",
        "delivery_score",
        "quality_score",
        "responsiveness_score",
        "overall_score",
        "grade",
        "rank",
    ]
    assert set(required) <= set(card.suppliers.columns)
    # No inspections and no requests: those figures are empty, never zero.
    assert s[["ppm", "quality_score", "responsiveness_score", "median_response_hours"]].isna().all().all()
    assert card.as_of == pd.Timestamp("2025-03-31")


def test_any_one_record_table_suffices():
    inspections = pd.DataFrame(
        {
            "supplier_id": pd.array(["A", "A", "B"], dtype="string"),
            "date": pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-03"]),
            "quantity_inspected": [1000.0, 1000.0, 500.0],
            "quantity_defective": [0.0, 2.0, 0.0],
        }
    )
    card = sa.score(inspections=inspections, config=LOW_EVIDENCE)
    s = card.suppliers.set_index("supplier_id")
    assert s.loc["A", "ppm"] == pytest.approx(1000.0)  # 2 / 2000 x 1e6
    assert s.loc["A", "lot_rejection_rate"] == 0.5
    assert np.isnan(s.loc["A", "delivery_score"]) and not np.isnan(s.loc["A", "quality_score"])


def test_score_needs_a_record_table():
    with pytest.raises(sa.InputError, match="needs at least one of deliveries, inspections or requests"):
        sa.score(suppliers=pd.DataFrame({"supplier_id": ["A"]}))


def test_evidence_recomputes_the_scorecard_numbers(sample_card):
    s = sample_card.suppliers
    graded = s[s["n_deliveries"] > 0]
    for _, row in graded.head(8).iterrows():
        e = sa.evidence(sample_card, row["supplier_id"], "otif_rate")
        counted = e[e["counts_in_metric"]]
        assert len(counted) == row["otif_rate_n"]
        assert 1 - counted["counts_against"].mean() == pytest.approx(row["otif_rate"])
        # records that pull the rate down come first
        assert e["counts_against"].is_monotonic_decreasing
    row = s[s["quantity_inspected"] > 0].iloc[0]
    e = sample_card.evidence(row["supplier_id"], "ppm")
    c = e[e["counts_in_metric"]]
    assert 1e6 * c["quantity_defective"].sum() / c["quantity_inspected"].sum() == pytest.approx(row["ppm"])


def test_evidence_shows_excluded_records_with_their_reason(sample_card):
    lines = sample_card.metrics.lines
    excluded = lines[lines["status"] == "excluded"]
    assert len(excluded) > 0
    sid = excluded["supplier_id"].iloc[0]
    e = sa.evidence(sample_card, sid, "on_time_rate")
    shown = e[e["excluded"]]
    assert len(shown) >= 1 and shown["exclusion_reason"].notna().all()
    assert not shown["counts_in_metric"].any()


def test_evidence_of_the_grade_is_the_points_breakdown(sample_card):
    row = sample_card.suppliers.dropna(subset=["overall_score"]).iloc[0]
    b = sa.evidence(sample_card, row["supplier_id"], "grade")
    assert set(b["metric"]) == {
        "otif_rate",
        "on_time_rate",
        "in_full_rate",
        "ppm",
        "lot_rejection_rate",
        "incidents_per_month",
        "downtime_minutes_per_month",
        "within_sla_rate",
        "capa_on_time_rate",
    }
    assert b.attrs["grade"] == row["grade"]


def test_evidence_errors_name_the_fix(sample_card):
    with pytest.raises(sa.InputError, match="Supplier 'nope' is not in this scorecard"):
        sa.evidence(sample_card, "nope", "otif_rate")
    sid = sample_card.suppliers["supplier_id"].iloc[0]
    with pytest.raises(sa.InputError, match="No evidence is defined for metric 'colour'"):
        sa.evidence(sample_card, sid, "colour")


def test_evidence_follows_the_catalogue(sample_card):
    from supplier_analytics import catalog

    with_records = {m for m, s in catalog.METRICS.items() if s.records is not None}
    assert set(sa.EVIDENCE_METRICS) - {"overall_score", "grade"} <= with_records
    sid = sample_card.suppliers["supplier_id"].iloc[0]
    e = sa.evidence(card=sample_card, supplier_id=sid, metric="late_rate")
    assert set(e["supplier_id"].astype(str)) == {sid}
    # sorted by the catalogue's sort column, the records against first
    spec = catalog.spec("late_rate")
    against = e.loc[e["counts_against"], spec.sort_by]
    assert against.is_monotonic_decreasing
    assert e.loc[e["counts_against"], spec.flag].astype(bool).all()


# The workbook (sheets, labels, formats, print setup): tests/reports/test_workbook.py


def test_write_produces_the_five_files_and_a_reconciling_summary(tmp_path):
    report = sa.validate_files({"deliveries": f"{SAMPLE}/deliveries.csv", "suppliers": f"{SAMPLE}/suppliers.csv"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        card = sa.score(**report.results)
    paths = card.write(tmp_path)
    assert sorted(paths) == sorted(SCORECARD_FILES)
    summary = json.loads((tmp_path / "summary.json").read_text())
    rows = summary["rows"]["deliveries"]
    assert rows["rows_read"] == rows["rows_accepted"] + rows["rows_rejected"] == 6000
    assert summary["config_hash"] == card.config.hash()
    suppliers = pd.read_csv(tmp_path / "suppliers.csv", dtype={"supplier_id": str})
    assert len(suppliers) == len(card.suppliers)


def test_cli_score_on_the_sample(tmp_path, capsys):
    args = ["score", "--config", f"{SAMPLE}/scoring.toml", "--out", str(tmp_path)]
    for t in ("deliveries", "inspections", "requests", "suppliers", "exclusions"):
        args += [f"--{t}", f"{SAMPLE}/{t}.csv"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        assert main(args) == 0
    out = capsys.readouterr().out
    assert "As of 2026-09-30" in out and str(tmp_path) in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SCORECARD_FILES)


def test_cli_score_with_a_bad_config_names_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[delivery]\nday_basis = "weekly"\n')
    code = main(["score", "--deliveries", f"{SAMPLE}/deliveries.csv", "--config", str(bad), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == sa.ConfigError.exit_code == 4
    assert "delivery.day_basis" in err and "Traceback" not in err


def _excluded_b() -> pd.DataFrame:
    """Exclusions of both lines of supplier B of :func:`_deliveries`: B keeps no record to score."""
    return pd.DataFrame(
        {
            "table": ["deliveries", "deliveries"],
            "supplier_id": ["B", "B"],
            "po_id": ["P9", "P9"],
            "line_id": ["1", "2"],
            "reason_code": ["BUYER_DATE_CHANGE"] * 2,
            "decided_by": ["A. Buyer"] * 2,
            "decided_on": pd.to_datetime(["2025-03-01"] * 2),
        }
    )


def test_cli_prints_library_warnings_as_one_line(tmp_path, capsys):
    _deliveries().to_csv(tmp_path / "d.csv", index=False)
    _excluded_b().to_csv(tmp_path / "x.csv", index=False)
    args = ["--deliveries", str(tmp_path / "d.csv"), "--exclusions", str(tmp_path / "x.csv")]
    code = main(["score", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0
    assert err.startswith("warning: ") and "insufficient evidence" in err
    assert ".py:" not in err and len(err.strip().splitlines()) == 1


def test_insufficient_evidence_warning_points_at_the_callers_line():
    with pytest.warns(sa.InsufficientEvidenceWarning) as record:
        sa.score(deliveries=_deliveries(), exclusions=_excluded_b())  # B: every line excluded, no record left
    assert record[0].filename == __file__


def test_insufficient_evidence_is_data_on_the_scorecard_and_the_switch_silences_only_that_warning():
    """B's two lines are excluded, so B has no record: a row of ``card.insufficient`` in both modes; the
    warning comes with the default ``evidence_warnings="warn"`` only. A (4 lines, thin) keeps its grade."""
    with pytest.warns(sa.InsufficientEvidenceWarning, match="1 of 2 suppliers"):
        warned = sa.score(deliveries=_deliveries(), exclusions=_excluded_b())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        quiet = sa.score(deliveries=_deliveries(), exclusions=_excluded_b(), evidence_warnings="data")
    for card in (warned, quiet):
        table = card.insufficient
        assert table["supplier_id"].tolist() == ["B"]
        assert table["grade"].tolist() == ["insufficient evidence"]
        w0, w1 = card.window[0].date(), card.window[1].date()
        assert table["why"].iloc[0] == f"No delivery lines, no inspected lots, no requests between {w0} and {w1}"
        assert table["evidence_needed"].iloc[0] == (
            "Records in at least one area, and for a firm grade at least 20 delivery lines or 5 inspected lots "
            "or 5 requests in the period"
        )
    graded = sa.score(deliveries=_deliveries(), evidence_warnings="data")
    assert graded.insufficient.empty and list(graded.insufficient.columns) == list(table.columns)


def test_evidence_warnings_takes_warn_or_data_only():
    with pytest.raises(sa.InputError, match="evidence_warnings"):
        sa.score(deliveries=_deliveries(), evidence_warnings="ignore")


def test_quality_is_scored_from_incidents_and_downtime_when_no_quantities_exist():
    # nonconformance reports only: no inspected quantities, so no PPM and no lot rejection rate
    reports = pd.DataFrame(
        {
            "supplier_id": pd.array(["A"] * 6 + ["B"] * 6, dtype="string"),
            "date": pd.to_datetime(
                ["2025-01-10", "2025-02-10", "2025-03-10", "2025-04-10", "2025-05-10", "2025-06-10"] * 2
            ),
            "quantity_defective": [0.0] * 6 + [5.0, 0.0, 3.0, 0.0, 2.0, 1.0],
            "downtime_minutes": [0.0] * 6 + [120.0, 0.0, 60.0, 0.0, 0.0, 0.0],
        }
    )
    card = sa.score(inspections=reports, as_of="2025-06-30", config={"periods": {"window_months": 6}})
    s = card.suppliers.set_index("supplier_id")
    assert s[["ppm", "lot_rejection_rate"]].isna().all().all()  # never invented
    # B: 4 incidents and 180 minutes of downtime in 6 months
    assert s.loc["B", "incidents_per_month"] == pytest.approx(4 / 6)
    assert s.loc["B", "downtime_minutes_per_month"] == pytest.approx(30.0)
    assert s.loc["A", "incidents_per_month"] == 0.0
    # points: A 100 on both; B: 4/6 per month lies between 0.5 -> 70 and 4 -> 0, 30 min between 0 -> 100 and 60 -> 60
    pts_inc = 70 - 70 * (4 / 6 - 0.5) / 3.5
    assert s.loc["B", "pts_incidents_per_month"] == pytest.approx(pts_inc)
    assert s.loc["B", "pts_downtime_minutes_per_month"] == pytest.approx(80.0)
    assert s.loc["B", "quality_score"] == pytest.approx((0.15 * pts_inc + 0.1 * 80.0) / 0.25)
    assert s.loc["A", "quality_score"] == 100.0 and s.loc["A", "grade"] == "A"


def test_the_sample_grades_rest_on_evidence(sample_card):
    """Issue 13's done-when checks on the sample."""
    s = sample_card.suppliers
    has_lines = s["n_deliveries"] > 0
    assert s.loc[has_lines, "delivery_score"].notna().all()  # nothing dropped for having few lines
    below_median = s["otif_rate"] < s["otif_rate"].median()
    assert not (below_median & (s["grade"] == "A")).any()
    graded = s["grade"] != "insufficient evidence"
    assert s.loc[graded, "grade_probability"].between(0, 1).all()
    assert (s.loc[graded, "rank_low"] <= s.loc[graded, "rank_high"]).all()
