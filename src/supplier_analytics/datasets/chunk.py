"""The record tables of one chunk (:func:`make_chunk`): deliveries, inspections, requests and exclusions.

Each chunk draws from its own generator seeded by the plan's seed and the chunk number, so that a data set
can be written chunk by chunk in modest memory and still be the same for the same arguments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplier_analytics.datasets.plan import SITE_SHARES, SITES, Plan, conform
from supplier_analytics.schema import TABLES

__all__ = ["make_chunk", "DEFECT_CODES"]

#: Defect codes with their meaning, most frequent first (Pareto-like frequencies).
DEFECT_CODES = {
    "DIM": "dimension out of tolerance",
    "SURF": "surface damage, scratches, dents",
    "PKG": "packaging damaged or wrong",
    "LABEL": "label missing or wrong",
    "DOC": "certificate or documentation missing",
    "MAT": "wrong material or grade",
    "FUNC": "functional test failed",
    "CONT": "contamination",
    "CORR": "corrosion",
    "QTY": "count discrepancy in the lot",
}

_REQUEST_TYPES = np.array(["rfq", "complaint", "corrective_action", "expedite", "inquiry"])
_REQUEST_P = np.array([0.30, 0.15, 0.10, 0.25, 0.20])
_REQUEST_PREFIX = np.array(["RFQ-", "CMP-", "CAR-", "EXP-", "INQ-"])
_REQUEST_SPEED = np.array([1.6, 0.8, 2.0, 0.5, 1.0])  # response time factor per type
_DECIDERS = np.array(["J. Weber", "A. Novak", "M. Rossi", "S. Keller"])


def _shifted(p: np.ndarray, shift: np.ndarray | None) -> np.ndarray:
    """Probabilities ``p`` moved by ``shift`` on the logit (unchanged when there is no shift)."""
    if shift is None:
        return p
    return 1.0 / (1.0 + np.exp(-(np.log(p / (1.0 - p)) + shift)))


def _defect_rate(plan: Plan, sup: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The defect rate of supplier ``sup`` on ``day``: its trend, then the month's shift (positive is better)."""
    rate = plan.defect[sup] * plan.defect_factor[sup] ** plan.progress(sup, day)
    shift = plan.shift("defect", sup, day)
    return _shifted(rate, None if shift is None else -shift)


def _ids(numbers: np.ndarray, prefix: str = "") -> np.ndarray:
    text = numbers.astype(np.int64).astype(str)
    return np.char.add(prefix, text) if prefix else text


# --------------------------------------------------------------------------- one chunk


def make_chunk(plan: Plan, c: int):
    """Deliveries, inspections, requests and exclusions of chunk ``c`` (its own seeded generator)."""
    rng = np.random.default_rng([plan.seed, 2, c])
    counts = plan.chunk_counts[c]
    n = int(counts.sum())
    base = c * plan.chunk_rows  # number space of this chunk's ids
    last_day = plan.n_days - 1

    sup = np.repeat(np.arange(len(counts)), counts)
    day = rng.choice(plan.n_days, n, p=plan.day_p)
    order = np.lexsort((day, sup))
    sup, day = sup[order], day[order]
    first_of_sup = np.ones(n, dtype=bool)
    first_of_sup[1:] = sup[1:] != sup[:-1]

    # Order lines: about 10% of receipts continue the previous line (partial and split receipts), at most 3.
    new_line = first_of_sup | (rng.random(n) >= 0.10)
    while True:
        starts = np.flatnonzero(new_line)
        line_no = np.cumsum(new_line) - 1
        pos = np.arange(n) - starts[line_no]
        too_long = pos == 3
        if not too_long.any():
            break
        new_line |= too_long
    n_lines = len(starts)
    gap = np.where(new_line, 0, rng.integers(1, 11, n))
    cg = np.cumsum(gap)
    within = cg - cg[starts][line_no]
    day = day[starts][line_no] + within
    weekday = (plan.start.astype("datetime64[D]").astype(np.int64) + day + 3) % 7  # 0 = Monday
    day = np.where(~new_line & (weekday >= 5), day + (7 - weekday), day)
    day = np.minimum(day, last_day)

    # Purchase orders: consecutive lines of one supplier received within a week, 2.2 lines on average.
    far = np.r_[True, np.diff(day) > 7]
    new_po = first_of_sup | (new_line & ((rng.random(n) < 0.45) | far))
    po_starts_row = np.flatnonzero(new_po)
    po_no = np.cumsum(new_po) - 1
    ln_cum = np.cumsum(new_line)
    line_pos = ln_cum - ln_cum[po_starts_row][po_no] + 1

    # Line level.
    ls = sup[starts]
    first_day = day[starts]
    prog = plan.progress(ls, first_day)
    p_on = plan.p_on[ls] + plan.on_change[ls] * prog
    if plan.deviation is not None:  # the month's shift on the logit of the trend's probability
        p_on = _shifted(np.clip(p_on, 0.02, 0.995), plan.shift("on_time", ls, first_day))
    q4 = plan.month_of_day[first_day] >= 10
    p_on = np.clip(np.where(q4, 1.0 - (1.0 - p_on) * 1.5, p_on), 0.02, 0.995)
    on_time = rng.random(n_lines) < p_on
    inside = rng.choice(np.array([0, -1, -2, -3]), n_lines, p=[0.7, 0.15, 0.1, 0.05])
    late = 1 + np.minimum(np.floor(rng.lognormal(np.log(3.0), 1.0, n_lines)), 120).astype(np.int64)
    early = -(3 + rng.geometric(0.25, n_lines))
    lateness = np.where(on_time, inside, np.where(rng.random(n_lines) < 0.85, late, early))
    promised = first_day - lateness
    requested = promised - np.where(rng.random(n_lines) < 0.6, 0, rng.integers(1, 8, n_lines))
    lead = np.maximum(np.round(np.exp(rng.normal(np.log(plan.lead_days[ls]), 0.35))), 2).astype(np.int64)
    # An early receipt can come before requested - lead: the order is never placed after its first receipt.
    ordered_line = np.minimum(requested - lead, first_day - 1)
    line_po = po_no[starts]
    po_line_starts = np.flatnonzero(np.r_[True, line_po[1:] != line_po[:-1]])
    po_ordered = np.minimum.reduceat(ordered_line, po_line_starts)
    ordered = po_ordered[line_po]

    q = np.exp(rng.normal(np.log(plan.qty_median[ls]), 0.7))
    step = 10.0 ** np.maximum(np.floor(np.log10(q)) - 1, 0)
    qty = np.maximum(np.round(q / step) * step, 10.0)
    item_k = np.minimum(rng.zipf(1.6, n_lines) - 1, plan.n_items[ls] - 1)
    price = plan.prices[ls, item_k]
    item = _ids(4_000_000 + ls * 100 + item_k)
    site = np.where(rng.random(n_lines) < 0.8, plan.main_site[ls], rng.choice(len(SITES), n_lines, p=SITE_SHARES))

    # Received quantities: most lines exact; some short, rare over-deliveries; splits share the line total.
    # Not in full: 4.5% of single-receipt lines (3% short), 22% of split lines (20% short), moved by the
    # month's in-full shift on the logit; the short share of the not-in-full lines stays.
    k = np.diff(np.r_[starts, n])
    u = rng.random(n_lines)
    not_in_full = np.where(k == 1, 0.045, 0.22)
    short = np.where(k == 1, 0.03, 0.2)
    shift = plan.shift("in_full", ls, first_day)
    if shift is not None:
        short = short / not_in_full
        not_in_full = _shifted(not_in_full, -shift)
        short = short * not_in_full
    single_total = np.where(
        u < short,
        np.maximum(np.floor(qty * rng.uniform(0.5, 0.95, n_lines)), 1),
        np.where(u < not_in_full, np.ceil(qty * rng.uniform(1.02, 1.2, n_lines)), qty),
    )
    split_total = np.where(
        u < short,
        np.maximum(np.floor(qty * rng.uniform(0.6, 0.95, n_lines)), k),
        np.where(u < not_in_full, np.ceil(qty * rng.uniform(1.02, 1.1, n_lines)), qty),
    )
    total = np.where(k == 1, single_total, split_total).astype(np.int64)  # whole units, at least k
    # The split is done in integers so that it is exact at any size: each receipt gets one unit and the
    # rest (total - k) is shared by integer weights; a line's cumulative weight reaches its line sum
    # exactly, so the last receipt completes the total. (A running float sum over the whole chunk lost
    # the last unit to cancellation once it was large: lines came out one unit short more often the
    # more rows a chunk had.)
    w = np.round(rng.uniform(0.4, 1.0, n) * 1000).astype(np.int64)
    cw = np.cumsum(w)
    within_w = cw - (cw[starts] - w[starts])[line_no]
    line_w = np.add.reduceat(w, starts)[line_no]
    qc = pos + 1 + ((total - k)[line_no] * within_w) // line_w
    qprev = np.r_[0, qc[:-1]]
    received = np.where(new_line, qc, qc - qprev).astype(float)

    # PO numbers follow the order date; receipt numbers follow the receipt date.
    po_rank = np.empty(len(po_ordered), dtype=np.int64)
    po_rank[np.argsort(po_ordered, kind="stable")] = np.arange(len(po_ordered))
    row_order = np.lexsort((line_pos, po_rank[po_no], day))
    deliveries = (
        pd.DataFrame(
            {
                "supplier_id": plan.ids[sup],
                "po_id": _ids(4_500_000_000 + base + po_rank[po_no]),
                "line_id": _ids(10 * line_pos),
                "item": item[line_no],
                "quantity_ordered": qty[line_no],
                "quantity_received": received,
                "date_ordered": plan.dates(ordered[line_no]),
                "date_requested": plan.dates(requested[line_no]),
                "date_promised": plan.dates(promised[line_no]),
                "date_received": plan.dates(day),
                "value": np.round(received * price[line_no], 2),
                "site": SITES[site[line_no]],
            }
        )
        .iloc[row_order]
        .reset_index(drop=True)
    )
    deliveries["receipt_id"] = _ids(5_000_000_000 + base + np.arange(n))
    r_sup, r_day = sup[row_order], day[row_order]
    r_late = (day - promised[line_no])[row_order]
    r_first = new_line[row_order]

    inspections = _inspections(plan, rng, deliveries, r_sup, r_day, base)
    requests = _requests(plan, rng, n, r_sup, r_day, base)
    exclusions = _exclusions(plan, rng, deliveries, r_late, r_first, inspections, requests, n)
    return (conform(deliveries, "deliveries"), inspections, requests, exclusions)


def _inspections(plan, rng, deliveries, r_sup, r_day, base):
    n = len(deliveries)
    n_lots = int(round(plan.inspection_ratio * n))
    rows = np.sort(rng.choice(n, n_lots, replace=False))
    sup, lot_day = r_sup[rows], np.minimum(r_day[rows] + rng.choice(3, n_lots, p=[0.7, 0.2, 0.1]), plan.n_days - 1)
    received = deliveries["quantity_received"].to_numpy()[rows]
    sample = np.minimum(np.clip(np.round(2 * np.sqrt(received)), 2, 315), received)
    inspected = np.where(rng.random(n_lots) < 0.6, received, sample)
    rate = _defect_rate(plan, sup, lot_day)
    p_bad = np.minimum(40.0 * rate, 0.6)
    bad = rng.random(n_lots) < p_bad
    frac = np.minimum(rate / p_bad * rng.lognormal(-0.125, 0.5, n_lots), 1.0)
    defective = np.where(bad, np.maximum(rng.binomial(inspected.astype(np.int64), frac), 1), 0).astype(float)
    codes = np.array(list(DEFECT_CODES))
    code_p = 1.0 / np.arange(1, len(codes) + 1) ** 1.2
    code = rng.choice(codes, n_lots, p=code_p / code_p.sum())
    downtime = np.where(
        bad & (rng.random(n_lots) < 0.15), np.round(rng.lognormal(np.log(60), 1.0, n_lots) / 5) * 5, 0.0
    )
    lots = pd.DataFrame(
        {
            "supplier_id": plan.ids[sup],
            "date": plan.dates(lot_day),
            "quantity_inspected": inspected,
            "quantity_defective": defective,
            "defect_code": np.where(bad, code, None),
            "downtime_minutes": downtime,
            "lot_id": _ids(890_000_000_000 + base + rows),
            "item": deliveries["item"].to_numpy()[rows],
            "site": deliveries["site"].to_numpy()[rows],
        }
    )
    # Quality incidents without an inspected quantity (line-side nonconformance reports), 8% of the lots.
    n_inc = int(round(0.08 * n_lots))
    if n_inc:
        all_rate = _defect_rate(plan, r_sup, r_day)
        rows_i = np.sort(rng.choice(n, n_inc, replace=True, p=all_rate / all_rate.sum()))
        inc_day = np.minimum(r_day[rows_i] + rng.integers(3, 30, n_inc), plan.n_days - 1)
        incidents = pd.DataFrame(
            {
                "supplier_id": plan.ids[r_sup[rows_i]],
                "date": plan.dates(inc_day),
                "quantity_inspected": np.nan,
                "quantity_defective": rng.geometric(0.15, n_inc).astype(float),
                "defect_code": rng.choice(codes, n_inc, p=code_p / code_p.sum()),
                "downtime_minutes": np.where(
                    rng.random(n_inc) < 0.4, np.round(rng.lognormal(np.log(90), 1.0, n_inc) / 5) * 5, 0.0
                ),
                "lot_id": _ids(2_000_000_000 + base + np.arange(n_inc)),
                "item": deliveries["item"].to_numpy()[rows_i],
                "site": deliveries["site"].to_numpy()[rows_i],
            }
        )
        lots = pd.concat([lots, incidents], ignore_index=True)
    lots = lots.sort_values(["date", "lot_id"], kind="stable")
    return conform(lots, "inspections")


def _requests(plan, rng, n, r_sup, r_day, base):
    m = int(round(plan.request_ratio * n))
    S = len(plan.ids)
    # 70% follow the delivery volume, 30% are spread evenly over suppliers (so small ones get some too).
    from_rows = rng.random(m) < 0.7
    rows = rng.integers(0, n, m)
    sup = np.where(from_rows, r_sup[rows], rng.integers(0, S, m))
    day = np.where(
        from_rows, np.maximum(r_day[rows] - rng.integers(0, 21, m), 0), rng.choice(plan.n_days, m, p=plan.day_p)
    )
    kind = rng.choice(len(_REQUEST_TYPES), m, p=_REQUEST_P)
    minute = rng.integers(7 * 60, 17 * 60, m)
    sent = plan.dates(day) + (minute * 60).astype("timedelta64[s]")
    prog = plan.progress(sup, day)
    trend_speed = np.where(plan.trend_code[sup] == 1, 0.5, np.where(plan.trend_code[sup] == -1, 2.0, 1.0)) ** prog
    hours = plan.response_hours[sup] * _REQUEST_SPEED[kind] * trend_speed * rng.lognormal(0.0, 0.8, m)
    shift = plan.shift("response", sup, day)
    if shift is not None:  # the month's shift on the log of the response time (positive: faster)
        hours = hours * np.exp(-shift)
    as_of = plan.dates(np.array([plan.n_days])).astype("datetime64[ns]")[0]  # midnight after the last day
    responded = sent + np.round(hours * 60).astype("timedelta64[m]")
    never = rng.random(m) < 0.02
    responded = np.where((responded >= as_of) | never, np.datetime64("NaT"), responded).astype("datetime64[ns]")
    close_days = np.where(
        _REQUEST_TYPES[kind] == "corrective_action", rng.lognormal(np.log(18), 0.6, m), rng.lognormal(np.log(4), 0.6, m)
    )
    follow_up = np.isin(_REQUEST_TYPES[kind], ["corrective_action", "complaint"])
    closed = np.where(follow_up, responded + np.round(close_days * 1440).astype("timedelta64[m]"), responded)
    closed = np.where(np.isnat(closed) | (closed >= as_of), np.datetime64("NaT"), closed).astype("datetime64[ns]")
    due_days = np.where(_REQUEST_TYPES[kind] == "corrective_action", 30, 7)
    due = np.where(follow_up, sent + due_days.astype("timedelta64[D]"), np.datetime64("NaT")).astype("datetime64[ns]")
    order = np.argsort(sent, kind="stable")
    number = np.char.zfill(_ids(base + np.arange(1, m + 1)), 7)
    frame = pd.DataFrame(
        {
            "supplier_id": plan.ids[sup][order],
            "request_id": np.char.add(_REQUEST_PREFIX[kind][order], number),
            "request_type": _REQUEST_TYPES[kind][order],
            "date_sent": sent[order].astype("datetime64[ns]"),
            "date_responded": responded[order],
            "date_closed": closed[order],
            "date_due": due[order],
        }
    )
    return conform(frame, "requests")


def _exclusions(plan, rng, deliveries, r_late, r_first, inspections, requests, n):
    last_day = plan.dates(np.array([plan.n_days - 1]))[0]
    parts = []
    rows = _pick(rng, np.flatnonzero(r_first & (r_late > 3)), round(n / 1000))
    if len(rows):
        force = rng.random(len(rows)) < 0.3
        d = deliveries.iloc[rows]
        decided = np.minimum(
            d["date_received"].to_numpy() + rng.integers(1, 10, len(rows)).astype("timedelta64[D]"), last_day
        )
        keys = {"po_id": d["po_id"].to_numpy(), "line_id": np.where(force, None, d["line_id"].to_numpy())}
        reason = np.where(force, "FORCE_MAJEURE", "BUYER_DATE_CHANGE")
        comment = np.where(
            force,
            "Port closure after a storm delayed the whole order",
            "Buyer moved the need date after the supplier had confirmed",
        )
        parts.append(_excused(rng, "deliveries", d, keys, reason, decided, comment))
    bad = np.flatnonzero((inspections["quantity_defective"] > 0).to_numpy())
    rows = _pick(rng, bad, round(len(bad) / 50))
    if len(rows):
        lot = inspections.iloc[rows]
        decided = lot["date"].to_numpy() + np.timedelta64(3, "D")
        comment = "Damage caused by our own handling at the receiving dock"
        parts.append(
            _excused(rng, "inspections", lot, {"lot_id": lot["lot_id"].to_numpy()}, "CUSTOMER_CAUSED", decided, comment)
        )
    rows = _pick(rng, np.flatnonzero(requests["date_responded"].isna().to_numpy()), round(len(requests) / 400))
    if len(rows):
        req = requests.iloc[rows]
        decided = req["date_sent"].dt.normalize().to_numpy() + np.timedelta64(3, "D")
        comment = "Request withdrawn by the buyer; no answer expected"
        parts.append(
            _excused(
                rng,
                "requests",
                req,
                {"request_id": req["request_id"].to_numpy()},
                "REQUEST_WITHDRAWN",
                decided,
                comment,
            )
        )
    if not parts:
        return conform(pd.DataFrame({c: [] for c in TABLES["exclusions"].names}), "exclusions")
    frame = pd.concat(parts, ignore_index=True)
    frame["decided_on"] = np.minimum(pd.to_datetime(frame["decided_on"]).dt.normalize(), last_day)
    return conform(frame, "exclusions")


def _pick(rng: np.random.Generator, candidates: np.ndarray, wanted: int) -> np.ndarray:
    """``wanted`` (at least one) of the candidate rows, drawn without replacement, sorted; all when fewer."""
    k = min(len(candidates), max(1, wanted))
    return np.sort(rng.choice(candidates, k, replace=False)) if k else candidates[:0]


def _excused(rng, table, records, keys, reason_code, decided_on, comment) -> pd.DataFrame:
    """Exclusion records for ``records`` of ``table`` (``keys``: the record's id columns), each by a drawn decider."""
    return pd.DataFrame(
        {
            "table": table,
            "supplier_id": records["supplier_id"].to_numpy(),
            **keys,
            "reason_code": reason_code,
            "decided_by": _DECIDERS[rng.integers(0, len(_DECIDERS), len(records))],
            "decided_on": decided_on,
            "comment": comment,
        }
    )
