"""Simulation study: how often the trend alerts and before/after comparisons raise false alarms when rates
vary from month to month, and how many of the generator's built-in trends they find.

Run ``make bench`` (after the timing benchmark) or ``python bench/simulate.py [--quick]``. Everything is
generated here with fixed seeds; the numbers it prints are the ones the README quotes.

**Variation.** Each supplier's monthly on-time rate is ``expit(logit(p) + e_t)`` with ``e`` a stationary
Gaussian AR(1): marginal sd ``sd`` (0.3 by default: about +-2.6 points at 90 %) and lag-1 correlation ``phi``
(0.5), independent between suppliers; each month has ``lines`` lines (400), each on time with the month's
rate. No supplier has a trend, so every alert is false.

**Per test.** For every supplier of a base the library's own tests run as the product runs them, the
variation pooled over the suppliers of the base (40 suppliers a base, as in the sample):

* ``signals.compare`` of two sides of months: year on year (months 7-12 against 19-24, as
  ``change_signals``), the last 3 months against the 3 before (``alerts(method="two-window")``), 3 months
  before against 3 months after with a gap of 2 (``compare_before_after``), 6 against 6;
* ``alerts()`` (Mann-Kendall, pre-whitened, r1 pooled over the base) over 12 and 24 months;
* for reference, the same questions with the tests that take lines and months as independent
  (``stats.two_proportion_test``, ``mann_kendall_rows(correction="none")``).

The per-test rate is the share of tested suppliers with ``p < 0.05``.

**Per base.** The share of bases in which ``alerts()`` (Benjamini-Hochberg at ``fdr`` 0.05) raises any
alert, and in which the year-on-year comparison calls any change. Without any trend every such base is a
false alarm, so this share should not exceed the configured rate.

**Detection.** ``make_procurement_data`` with the sample's settings (40 suppliers, 4 improving and 4
declining from a known date, variation sd 0.3 and phi 0.5) at the sample's volume (12,000 delivery rows,
about 13 lines a supplier a month) and at ten times that, over several seeds: how many improvers are
recognised and how many decliners flagged as deteriorating in their feedback packs (a year-on-year
comparison or a trend alert; the same rules as ``tests/reports/test_feedback_truth.py``), and how many stable
suppliers are recognised for an improvement no trend supports.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from scipy.special import expit, logit

import supplier_analytics as sa
from supplier_analytics.signals import compare
from supplier_analytics.stats import two_proportion_test
from supplier_analytics.trends import alerts
from supplier_analytics.trendtest import mann_kendall_rows

MONTHS = 24


def monthly_counts(rng, suppliers: int, months: int, *, lines=400, p=0.9, sd=0.3, phi=0.5):
    """(k, n): suppliers x months on-time counts with logit AR(1) month-to-month variation, no trend.

    ``lines`` and ``p`` are one value for every supplier or one per supplier."""
    e = np.empty((suppliers, months))
    e[:, 0] = rng.normal(0.0, sd, suppliers)
    shock = sd * np.sqrt(1.0 - phi**2)
    for t in range(1, months):
        e[:, t] = phi * e[:, t - 1] + rng.normal(0.0, shock, suppliers)
    n = np.broadcast_to(np.asarray(lines, dtype=float).reshape(-1, 1), (suppliers, months)).copy()
    rate = expit(np.asarray(logit(p), dtype=float).reshape(-1, 1) + e)
    k = rng.binomial(n.astype(np.int64), rate).astype(float)
    return k, n


#: a mixed base: 40 suppliers on-time 60 % to 97 % and 30 to 1,000 lines a month, the two unrelated
MIXED = {
    "p": np.tile(np.linspace(0.60, 0.97, 8), 5),
    "lines": np.repeat([30, 100, 250, 500, 1000], 8),
}


def periods_frame(k, n) -> pd.DataFrame:
    """A periods frame (what ``Scorecard.periods`` holds) for ``otif_rate`` from count matrices."""
    s, m = k.shape
    sup = np.repeat([f"S{i:03d}" for i in range(s)], m)
    per = pd.period_range("2025-01", periods=m, freq="M")
    return pd.DataFrame(
        {
            "supplier_id": pd.array(sup, dtype="string"),
            "period": np.tile(per, s),
            "otif_rate_k": k.ravel(),
            "otif_rate_n": n.ravel(),
            "n_deliveries": n.ravel(),
        }
    )


#: two-period questions: (name, before months, after months), 0-based month indices of a 24-month history
SIDES = {
    "year on year, 6 months a side": (range(6, 12), range(18, 24)),
    "last 3 months against the 3 before": (range(18, 21), range(21, 24)),
    "3 months before and after an action (2-month gap)": (range(16, 19), range(21, 24)),
    "6 months against the 6 before": (range(12, 18), range(18, 24)),
}


def null_study(bases: int, suppliers: int, seed: int, *, sd=0.3, phi=0.5, lines=400, p=0.9) -> dict:
    """False alarms per test and per base on trend-free supplier bases."""
    rng = np.random.default_rng([seed, int(10 * phi), int(100 * sd)])
    hits = {name: [0, 0, 0] for name in SIDES}  # [p<0.05 variation-aware, p<0.05 independent, tested]
    mk = {m: [0, 0, 0] for m in (12, 24)}  # [p<0.05 pre-whitened alerts(), classical, tested]
    any_alert = {"alerts(), 12 months": 0, "alerts(), 24 months": 0, "alerts(method='two-window')": 0}
    any_yoy = 0
    for _ in range(bases):
        k, n = monthly_counts(rng, suppliers, MONTHS, lines=lines, p=p, sd=sd, phi=phi)
        for name, (b, a) in SIDES.items():
            b, a = list(b), list(a)
            r = compare(k[:, b], n[:, b], k[:, a], n[:, a], metric="otif_rate")
            tested = r["direction"] != "not tested"
            hits[name][0] += int((r["p_value"][tested] < 0.05).sum())
            hits[name][2] += int(tested.sum())
            z = two_proportion_test(k[:, a].sum(1), n[:, a].sum(1), k[:, b].sum(1), n[:, b].sum(1))
            hits[name][1] += int((np.asarray(z.p_value) < 0.05).sum())
            if name.startswith("year on year"):
                any_yoy += bool(r["direction"].isin(["improving", "deteriorating"]).any())
        for m in (12, 24):
            frame = periods_frame(k[:, -m:], n[:, -m:])
            al = alerts(frame, metrics=("otif_rate",), include="all")
            tested = al["direction"] != "not tested"
            mk[m][0] += int((al.loc[tested, "p_value"] < 0.05).sum())
            mk[m][2] += int(tested.sum())
            classical = mann_kendall_rows(k[:, -m:] / n[:, -m:], correction="none")
            mk[m][1] += int((classical["p_value"] < 0.05).sum())
            any_alert[f"alerts(), {m} months"] += bool(al["direction"].isin(["improving", "deteriorating"]).any())
        tw = alerts(periods_frame(k[:, -12:], n[:, -12:]), metrics=("otif_rate",), method="two-window")
        any_alert["alerts(method='two-window')"] += bool(tw["direction"].isin(["improving", "deteriorating"]).any())
    rows = []
    for name, (h, hi, t) in hits.items():
        rows.append((f"two periods: {name}", h / t, hi / t))
    for m, (h, hc, t) in mk.items():
        rows.append((f"Mann-Kendall trend over {m} months", h / t, hc / t))
    per_base = {name: v / bases for name, v in any_alert.items()}
    per_base["year on year (change_signals)"] = any_yoy / bases
    return {"per_test": rows, "per_base": per_base}


def _findings(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card = sa.score(
            deliveries=data.deliveries,
            inspections=data.inspections,
            requests=data.requests,
            suppliers=data.suppliers,
            exclusions=data.exclusions,
        )
        signals, trend = sa.change_signals(card), alerts(card)
        packs = {
            sid: sa.feedback_pack(card, sid, signals=signals, trend_alerts=trend, charts=False)
            for sid in card.suppliers["supplier_id"].astype(str)
        }
    return packs


def detection_study(seeds, volumes) -> list[tuple]:
    """Built-in trends found per volume: (rows, improvers found, improvers, decliners found, decliners,
    stable recognised, stable)."""
    out = []
    for rows in volumes:
        tot = np.zeros(6, dtype=int)
        for seed in seeds:
            data = sa.make_procurement_data(
                n_suppliers=40, n_deliveries=rows, seed=seed, variation_sd=0.3, variation_phi=0.5
            )
            packs = _findings(data)
            truth = data.truth.set_index("supplier_id")["trend"].astype(str)
            for i, kind in enumerate(("improving", "deteriorating", "stable")):
                ids = truth.index[truth == kind]
                if kind == "deteriorating":
                    found = sum(bool((packs[s].areas["basis"] == "deteriorating").any()) for s in ids)
                else:
                    found = sum(bool((packs[s].recognition["kind"] == "recognised improvement").any()) for s in ids)
                tot[2 * i] += found
                tot[2 * i + 1] += len(ids)
        out.append((rows, *tot.tolist()))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer bases and seeds (about a minute)")
    p.add_argument("--bases", type=int, default=None, help="trend-free bases per setting (default 1000; quick 100)")
    p.add_argument("--seeds", type=int, default=None, help="generated data sets per volume (default 10; quick 2)")
    args = p.parse_args(argv)
    bases = args.bases or (100 if args.quick else 1000)
    seeds = range(1, 1 + (args.seeds or (2 if args.quick else 10)))
    t0 = time.perf_counter()
    print(f"Simulation study ({bases} trend-free bases of 40 suppliers x 24 months per setting, seed 13)\n")
    settings = [
        ("logit AR(1) sd 0.3, phi 0.5, 400 lines a month (the issue's setting)", dict(sd=0.3, phi=0.5)),
        ("months independent (sd 0), 400 lines a month", dict(sd=0.0, phi=0.0)),
        ("stronger carry-over: sd 0.3, phi 0.7", dict(sd=0.3, phi=0.7)),
        ("the sample's volume: sd 0.3, phi 0.5, 13 lines a month", dict(sd=0.3, phi=0.5, lines=13)),
        ("a mixed base: sd 0.3, phi 0.5, rates 60-97 %, 30-1,000 lines a month", dict(sd=0.3, phi=0.5, **MIXED)),
    ]
    for title, kw in settings:
        res = null_study(bases, 40, 13, **kw)
        print(f"## {title}\n")
        print(f"| {'false alarms per test (p < 0.05, target at most 6 %)':<62} | this library | independent tests |")
        print(f"|{'-' * 64}|--------------|-------------------|")
        for name, ours, ind in res["per_test"]:
            print(f"| {name:<62} | {ours:>11.1%} | {ind:>16.1%} |")
        print()
        print(f"| {'bases with any alert (fdr 0.05, target at most 6 %)':<62} | this library |")
        print(f"|{'-' * 64}|--------------|")
        for name, v in res["per_base"].items():
            print(f"| {name:<62} | {v:>11.1%} |")
        print(flush=True)
    print(f"## Built-in trends found (generated, 40 suppliers, sd 0.3 phi 0.5, seeds {seeds.start}-{seeds.stop - 1})\n")
    print("| delivery rows | lines a supplier a month | improvers recognised | decliners flagged | stable recognised |")
    print("|---------------|--------------------------|----------------------|-------------------|-------------------|")
    for rows, fi, ni, fd, nd, fs, ns in detection_study(seeds, (12_000, 120_000)):
        per_month = rows / 40 / 24
        print(f"| {rows:>13,} | {per_month:>24.0f} | {fi:>11} of {ni:<6} | {fd:>8} of {nd:<6} | {fs:>8} of {ns:<6} |")
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
