"""PPM and the quantity on-time rate get lot-level (clustered) intervals (issue 13).

Units of one lot are not independent trials: ten lots of 10,000 units with 500 defects in one lot are
ten observations, not 100,000. A lot-level bootstrap gives [0, 15,000] ppm (0 to 3 bad lots of ten in
95 % of the resamples); the unit-level Wilson interval said [4,581, 5,457].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from supplier_analytics.metrics import compute_metrics

pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


def _lots(scale=1.0):
    return pd.DataFrame(
        {
            "supplier_id": ["S1"] * 10,
            "date": pd.to_datetime(["2025-01-05"] * 10),
            "quantity_inspected": [10_000.0 * scale] * 10,
            "quantity_defective": [500.0 * scale] + [0.0] * 9,
        }
    )


def test_ten_lots_one_bad_gives_the_lot_level_interval_in_any_unit():
    s = compute_metrics(inspections=_lots(), as_of="2025-01-31").suppliers.iloc[0]
    # p = 0.005; residuals 450 and nine times -50: sum of squares 225,000; variance 10/9 x 225,000 / 1e10
    # = 2.5e-5, standard error 0.005: 5,000 -/+ 1.96 x 5,000 ppm, clipped at 0
    assert s["ppm"] == 5000.0
    assert s["ppm_low"] == 0.0 and s["ppm_high"] == pytest.approx(5000 + 1.959964 * 5000, rel=1e-6)
    assert s["ppm_n_eff"] == pytest.approx(0.005 * 0.995 / 2.5e-5) and s["ppm_k_eff"] == pytest.approx(0.995)
    # the lot-level bootstrap's 97.5 % point: 3 bad lots of 10
    rng = np.random.default_rng(1)
    boot = (rng.integers(0, 10, size=(20_000, 10)) == 0).sum(axis=1) * 5000.0
    assert np.quantile(boot, [0.025, 0.975]).tolist() == [0.0, 15000.0]
    grams = compute_metrics(inspections=_lots(1000.0), as_of="2025-01-31").suppliers.iloc[0]
    assert grams[["ppm", "ppm_low", "ppm_high", "ppm_n_eff"]].tolist() == pytest.approx(
        s[["ppm", "ppm_low", "ppm_high", "ppm_n_eff"]].tolist()
    )


def test_without_defects_or_with_one_lot_the_interval_is_wilsons():
    lots = _lots().assign(quantity_defective=0.0)
    s = compute_metrics(inspections=lots, as_of="2025-01-31").suppliers.iloc[0]
    assert s["ppm_low"] == 0.0 and s["ppm_high"] == pytest.approx(1e6 * 3.8415 / (100_000 + 3.8415), rel=1e-4)
    assert s["ppm_n_eff"] == 100_000


def test_quantity_on_time_interval_is_clustered_by_order_line():
    # four lines of 100 units: three on time, one wholly late -> 300 / 400 on time
    d = pd.DataFrame(
        {
            "supplier_id": ["S1"] * 4,
            "po_id": ["P1", "P2", "P3", "P4"],
            "quantity_ordered": [100.0] * 4,
            "quantity_received": [100.0] * 4,
            "date_promised": pd.to_datetime(["2025-01-10"] * 4),
            "date_received": pd.to_datetime(["2025-01-10"] * 3 + ["2025-01-20"]),
        }
    )
    s = compute_metrics(d, as_of="2025-01-31").suppliers.iloc[0]
    assert s["on_time_qty_rate"] == 0.75
    # residuals 25, 25, 25, -75: sum of squares 7,500; variance 4/3 x 7,500 / 160,000 = 0.0625 -> se 0.25
    assert s["on_time_qty_rate_high"] == 1.0
    assert s["on_time_qty_rate_low"] == pytest.approx(0.75 - 1.959964 * 0.25, rel=1e-6)
    assert s["on_time_qty_rate_n_eff"] == pytest.approx(0.75 * 0.25 / 0.0625)
