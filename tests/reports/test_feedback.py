"""Supplier feedback packs: contents, evidence, peers, confidentiality across the sample, safe cells."""

from __future__ import annotations

import re
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy import stats as st

import supplier_analytics as sa
from supplier_analytics.errors import InputError
from supplier_analytics.stats import period_proportion_test
from supplier_analytics.trends import alerts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning")


@pytest.fixture(scope="module")
def card(sample_card):
    return sample_card


@pytest.fixture(scope="module")
def shared(card):
    return {"signals": sa.change_signals(card), "trend_alerts": alerts(card)}


@pytest.fixture(scope="module")
def all_packs(card, shared, tmp_path_factory):
    """Every supplier's pack written to disk: (supplier_id, html text, workbook) triples."""
    root = tmp_path_factory.mktemp("packs")
    out = []
    for sid in card.suppliers["supplier_id"].astype(str):
        sa.feedback_pack(card, sid, out_dir=root / sid, **shared)
        out.append(
            (
                sid,
                (root / sid / "feedback.html").read_text(encoding="utf-8"),
                openpyxl.load_workbook(root / sid / "feedback.xlsx"),
            )
        )
    return out


def _distinctive(v: float) -> bool:
    return abs(float(Fraction(float(v)).limit_denominator(50)) - float(v)) > 1e-9


def _cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws.title, c


# ----------------------------------------------------------------- confidentiality


@pytest.mark.slow
def test_no_pack_names_another_supplier_or_shows_their_figures(card, all_packs):
    s = card.suppliers.assign(supplier_id=card.suppliers["supplier_id"].astype(str))
    ids, names = s["supplier_id"].tolist(), s["supplier_name"].astype(str).tolist()
    figure_cols = [
        "overall_score",
        "delivery_score",
        "quality_score",
        "responsiveness_score",
        "otif_rate",
        "on_time_rate",
        "ppm",
        "within_sla_rate",
        "lot_rejection_rate",
    ]
    assert len(all_packs) == 40
    for sid, html, wb in all_packs:
        texts = [html] + [str(c.value) for _, c in _cells(wb) if isinstance(c.value, str)]
        blob = "\n".join(texts)
        for other, name in zip(ids, names):
            if other == sid:
                continue
            # whole tokens only: V1001 must not match inside V10010
            assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(other)}(?![0-9A-Za-z])", blob), (sid, other)
            assert name not in blob, (sid, name)
        assert re.search(rf"(?<![0-9A-Za-z]){re.escape(sid)}(?![0-9A-Za-z])", blob)
        # figures: no other supplier's exact (unrounded) figure in any numeric cell. Simple fractions (1/2,
        # 2/3, 3/4 ...) are left out: a month of the supplier's own can hit them by chance; a score or a rate
        # over more than 50 records cannot.
        # (a figure of the supplier's own that happens to equal another's, e.g. the same points from the same
        # shrunk rate, is its own figure)
        mine = s.loc[s["supplier_id"] == sid].select_dtypes("number").to_numpy(float).ravel()
        own = set(np.round(mine, 9))
        others = np.round(s.loc[s["supplier_id"] != sid, figure_cols].to_numpy(float).ravel(), 9)
        secret = {v for v in others if np.isfinite(v) and v not in own and _distinctive(v)}
        numbers = {round(float(c.value), 9) for _, c in _cells(wb) if isinstance(c.value, (int, float))}
        assert not (numbers & secret), (sid, sorted(numbers & secret)[:5])


def test_peer_figures_aggregate_at_least_five_other_suppliers(card, shared):
    s = card.suppliers
    # Raw materials: 7 graded suppliers, so 6 others for each of them
    pack = sa.feedback_pack(card, "V10025", charts=False, **shared)
    peers = pack.peers.set_index("metric")
    others = s[
        (s["category"] == "Raw materials") & (s["grade"] != "insufficient evidence") & (s["supplier_id"] != "V10025")
    ]
    n = len(others)
    assert n == 6
    row = peers.loc["Overall score"]
    assert row["peers"] == n
    assert row["peer_median"] == round(float(np.median(others["overall_score"])), 1)
    own = float(s.loc[s["supplier_id"] == "V10025", "overall_score"].iloc[0])
    assert row["percentile"] == round(100 * (others["overall_score"] < own).sum() / n)
    # PPM: lower is better, the percentile counts peers with a higher PPM
    ppm = peers.loc["Defective parts per million (PPM)"]
    own_ppm = float(s.loc[s["supplier_id"] == "V10025", "ppm"].iloc[0])
    assert ppm["percentile"] == round(
        100 * ((others["ppm"] > own_ppm).sum() + 0.5 * (others["ppm"] == own_ppm).sum()) / n
    )
    # Fasteners: 5 suppliers, so only 4 others: no peer figures, a note instead
    small = sa.feedback_pack(card, "V10002", charts=False, **shared)
    assert small.peers is None
    assert "fewer than 5" in small.peer_note
    with pytest.raises(InputError, match="at least 5"):
        sa.feedback_pack(card, "V10025", min_peers=4, charts=False, **shared)


# ----------------------------------------------------------------- contents


def test_pack_contents_and_evidence_behind_each_area(card, shared, tmp_path):
    pack = sa.feedback_pack(card, "V10025", out_dir=tmp_path, **shared)
    row = card.suppliers.set_index("supplier_id").loc["V10025"]
    assert pack.grade == row["grade"] == "C"
    assert set(pack.figures) == {"otif_rate", "ppm", "within_sla_rate"}
    # the OTIF area: the records behind it are exactly the judged lines that were not OTIF
    otif = pack.areas[pack.areas["metric"] == "otif_rate"]
    assert list(otif["basis"]) == ["below target"]
    assert len(pack.evidence["otif_rate"]) == row["otif_rate_n"] - row["otif_rate_k"] == 81
    assert not pack.evidence["otif_rate"]["otif"].astype(bool).any()
    # No recognised improvement: V10025's OTIF rose (Apr-Sep 2025 50/96 against Apr-Sep 2026 82/112, p = 0.019
    # with the month-to-month variation pooled over the suppliers, q = 0.12; the pre-whitened Mann-Kendall trend over the
    # window's 12 months p = 0.003, q = 0.065 across all supplier x metric tests), but neither survives the
    # false discovery rate of 0.05, so the pack does not claim one (the rise is read as a lead, not a finding)
    rec = pack.recognition[pack.recognition["kind"] == "recognised improvement"]
    assert rec.empty
    html = (tmp_path / "feedback.html").read_text(encoding="utf-8")
    for text in (
        "2025-10-01 to 2026-09-30",
        "as of 2026-09-30",
        'id="grade"',
        "Areas to improve",
        "Position among peers",
        "Appendix: how the figures are made",
        "Questions and disputes",
        "What an exclusion needs",
        "4500001827",
    ):
        assert text in html, text
    wb = openpyxl.load_workbook(tmp_path / "feedback.xlsx")
    assert wb.sheetnames[:4] == ["Summary", "Scores", "Recognition", "Areas to improve"]
    assert "Evidence 1 On time in full" in wb.sheetnames and "Methodology" in wb.sheetnames
    scores = pd.read_excel(
        tmp_path / "feedback.xlsx", sheet_name="Scores", engine="openpyxl", header=4
    )  # 3 notes, a gap
    otif_row = scores[scores["Measure"] == "On time in full (OTIF)"].iloc[0]
    assert otif_row["Value"] == pytest.approx(row["otif_rate"]) and otif_row["Low (95%)"] == pytest.approx(
        row["otif_rate_low"]
    )


def test_html_is_self_contained_and_prints(card, shared):
    html = sa.feedback_pack(card, "V10030", **shared).html()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@media print" in html
    assert html.count("<svg") == 3


def test_open_actions_and_open_corrective_action_requests(card, shared):
    log = pd.DataFrame(
        {
            "supplier_id": ["V10025", "V10025", "V10030"],
            "action_id": ["A-1", "A-2", "A-3"],
            "opened": ["2026-06-01", "2026-01-10", "2026-06-01"],
            "owner": ["J. Weber"] * 3,
            "description": ["Safety stock", "Carrier change", "Other supplier's action"],
            "due": ["2026-08-31", "2026-12-31", "2026-09-01"],
            "status": ["open", "open", "open"],
        }
    )
    pack = sa.feedback_pack(card, "V10025", actions=log, charts=False, **shared)
    assert pack.actions["action_id"].tolist() == ["A-1", "A-2"]  # earliest due first; no other supplier's
    assert pack.actions["overdue"].tolist() == [True, False]
    assert "Other supplier" not in pack.html()


def test_change_signals_match_a_hand_count_and_scipy(card):
    sig = sa.change_signals(card)
    r = sig[(sig["supplier_id"] == "V10034") & (sig["metric"] == "otif_rate")].iloc[0]
    lines = card.metrics.lines
    mine = lines[(lines["supplier_id"] == "V10034") & lines["status"].isin(["judged", "before window"])]
    after = mine[(mine["date_received"] >= "2026-04-01") & (mine["date_received"] <= "2026-09-30")]
    before = mine[(mine["date_received"] >= "2025-04-01") & (mine["date_received"] <= "2025-09-30")]
    assert (r["after_n"], r["after_k"]) == (len(after), after["otif"].sum())
    assert (r["before_n"], r["before_k"]) == (len(before), before["otif"].sum())
    # the test is over the six months of each side (they allow for the variation between months), with
    # that variation pooled over every supplier's OTIF months: count all suppliers' months by hand
    judged = lines[lines["status"].isin(["judged", "before window"])]
    per = judged["date_received"].dt.to_period("M")
    sups = card.suppliers["supplier_id"].astype(str).tolist()
    kn = []
    for start in ("2025-04", "2026-04"):
        ms = pd.period_range(start, periods=6, freq="M")
        sel = judged[per.isin(ms)]
        g = sel.groupby([sel["supplier_id"].astype(str), sel["date_received"].dt.to_period("M")])["otif"]
        idx = pd.MultiIndex.from_product([sups, ms])
        kn.append(
            [
                g.sum().astype(float).reindex(idx, fill_value=0.0).to_numpy().reshape(len(sups), 6),
                g.size().astype(float).reindex(idx, fill_value=0.0).to_numpy().reshape(len(sups), 6),
            ]
        )
    t = period_proportion_test(
        kn[1][0],
        kn[1][1],
        kn[0][0],
        kn[0][1],
        pool=["otif_rate"] * len(sups),
        autocorrelation="estimate",
        prior_df=10.0,
    )
    assert r["p_value"] == pytest.approx(float(t.p_value[sups.index("V10034")]), rel=1e-9)
    assert r["direction"] == ("improving" if r["q_value"] <= 0.05 else "no change")
    tested = sig["p_value"].notna()
    assert r["q_value"] == pytest.approx(
        st.false_discovery_control(sig.loc[tested, "p_value"])[np.flatnonzero(sig.loc[tested].index == r.name)[0]]
    )


def test_unknown_supplier_and_bad_peers_are_errors(card, shared):
    with pytest.raises(InputError, match="not in this scorecard"):
        sa.feedback_pack(card, "NOPE", charts=False, **shared)
    with pytest.raises(InputError, match="peers must be"):
        sa.feedback_pack(card, "V10025", peers="country", charts=False, **shared)


# ----------------------------------------------------------------- formula text


def test_formula_text_from_inputs_is_written_as_text(tmp_path):
    data = sa.make_procurement_data(n_suppliers=8, n_deliveries=1_500, months=24, seed=4)
    suppliers = data.suppliers.copy()
    sid = str(suppliers["supplier_id"].iloc[0])
    suppliers.loc[0, "supplier_name"] = '=HYPERLINK("http://evil.example","x")'
    suppliers.loc[0, "category"] = "@SUM(A1)"
    inspections = data.inspections.copy()
    bad = (inspections["supplier_id"] == sid) & (inspections["quantity_defective"] > 0)
    inspections.loc[bad, "defect_code"] = "-2+3"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card = sa.score(
            deliveries=data.deliveries, inspections=inspections, requests=data.requests, suppliers=suppliers
        )
    log = pd.DataFrame(
        {
            "supplier_id": [sid],
            "action_id": ["+A1"],
            "opened": ["2026-01-05"],
            "description": ["-cmd|' /C calc'!A0"],
            "status": ["open"],
        }
    )
    sa.feedback_pack(card, sid, out_dir=tmp_path, actions=log)
    wb = openpyxl.load_workbook(tmp_path / "feedback.xlsx")
    hostile = [(t, c) for t, c in _cells(wb) if isinstance(c.value, str) and c.value[:1] in "=+-@\t"]
    values = {c.value for _, c in hostile}
    assert {'=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "+A1", "-cmd|' /C calc'!A0"} <= values
    for title, c in hostile:
        assert c.data_type == "s" and c.quotePrefix, (title, c.coordinate, c.value)
    html = (tmp_path / "feedback.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in html and "<a " not in html


# ----------------------------------------------------------------- written for the supplier


def _visible_text(html: str) -> str:
    """The text a reader sees: no style, no markup, no attribute."""
    import html as _html

    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    body = re.sub(r"<svg\b.*?</svg>", lambda m: " ".join(re.findall(r">([^<]+)<", m.group(0))), body, flags=re.DOTALL)
    return _html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_pack_speaks_the_suppliers_language(card, shared):
    pack = sa.feedback_pack(card, "V10034", contact="Jane Doe, jane@example.com", **shared)
    text = _visible_text(pack.html())
    # no snake_case name, no statistical term in the body (before the appendix), no shares as fractions
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)[:5]
    body = text[: text.index("Appendix: how the figures are made")]
    for jargon in ("Benjamini", "Hochberg", "t-test", "Mann-Kendall", "continuity", "empirical Bayes", "p = ", "q = "):
        assert jargon not in body, jargon
    assert "0.95 = 95%" not in text
    row = card.suppliers.set_index("supplier_id").loc["V10034"]
    # one score, with one decimal; rates as percentages; PPM whole
    assert text.count(f"{row['overall_score']:.1f}") >= 1 and f"{row['overall_score']:.3f}" not in text
    assert f"{100 * row['otif_rate']:.1f}%" in text and f"{row['otif_rate']:.3f}" not in text
    assert f"{row['ppm']:,.0f}" in text and f"{row['ppm']:.3f}" not in text
    for header in ("Order", "Line", "Quantity ordered", "Promised", "Received", "Days late"):
        assert f"<th>{header}</th>" in pack.html(), header
    assert "Write to Jane Doe, jane@example.com within 30 days" in text


def test_what_would_move_the_grade_most(card, shared):
    """V10034 by hand: OTIF 60.5% earns 18.2 points; at its target of 93% it would earn 70 + 30 x 0.08 / 0.10
    = 94 on the sample's curve; OTIF is half of delivery and delivery half of the score, so the score gains
    (94 - 18.2) x 0.25 = 19.0 points, more than on time's (100 - 23.5) x 0.125 = 9.6: the pack names OTIF."""
    row = card.suppliers.set_index("supplier_id").loc["V10034"]
    pack = sa.feedback_pack(card, "V10034", charts=False, **shared)
    top = pack.levers.iloc[0]
    assert top["metric"] == "otif_rate"
    assert top["points_at_target"] == pytest.approx(94.0)
    assert top["weight"] == pytest.approx(0.25)
    assert top["score_gain"] == pytest.approx((94.0 - row["pts_otif_rate"]) * 0.25)
    assert top["score_after"] == pytest.approx(row["overall_score"] + top["score_gain"])
    assert pack.levers["metric"].tolist()[:2] == ["otif_rate", "on_time_rate"]
    assert (pack.levers["score_gain"].diff().dropna() <= 0).all()
    html = pack.html()
    assert 'id="lever"' in html and f"raise your score by {top['score_gain']:.1f} points" in html


def test_late_lines_are_listed_once(card, shared):
    pack = sa.feedback_pack(card, "V10034", charts=False, **shared)
    assert set(pack.areas["metric"]) >= {"otif_rate", "on_time_rate", "in_full_rate"}
    # OTIF's records hold every late and every short line: the on-time and in-full areas point to them
    assert "otif_rate" in pack.evidence and "on_time_rate" not in pack.evidence and "in_full_rate" not in pack.evidence
    assert pack.evidence_shared["on_time_rate"][0] == pack.evidence_shared["in_full_rate"][0] == "otif_rate"
    row = card.suppliers.set_index("supplier_id").loc["V10034"]
    late = int(row["on_time_rate_n"] - row["on_time_rate_k"])
    assert pack.evidence_shared["on_time_rate"][1] == late
    assert int((~pack.evidence["otif_rate"]["on_time"].astype(bool)).sum()) == late
    html = pack.html()
    assert html.count("<h4>") == 1 and f"Its {late} records are among those listed under On time in full (OTIF)" in html
    wb_names = [s.title for s in pack.sheets()]
    assert sum(n.startswith("Evidence") for n in wb_names) == 1


def test_without_a_contact_the_pack_asks_to_reply_and_the_writer_warns(card, tmp_path):
    pack = sa.feedback_pack(card, "V10034", charts=False)
    assert "supplier quality contact" not in pack.html()
    assert "Write to the person who sent you this pack" in _visible_text(pack.html())
    with pytest.warns(UserWarning, match="name no contact"):
        sa.write_feedback_packs(card, tmp_path, supplier_ids=["V10034"])


def test_insufficient_evidence_says_why_and_what_is_needed(tmp_path):
    """Scored on requests only, V10023 (no request in the window) gets no grade; the pack says what it
    holds and what a grade needs (the [evidence] minimums of the sample's configuration)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card = sa.score(requests=SAMPLE / "requests.csv", suppliers=SAMPLE / "suppliers.csv")
    pack = sa.feedback_pack(card, "V10023", charts=False)
    assert pack.grade == "insufficient evidence"
    text = _visible_text(pack.html())
    assert "No grade can be given" in text and "no request of yours" not in text
    assert "we hold no delivery lines, no inspected lots, no requests of yours" in text
    assert "at least 20 delivery lines or 5 inspected lots or 5 requests" in text
    assert "What would move your grade most" not in text
    thin = sa.feedback_pack(card, "V10017", charts=False)  # 3 requests: graded, thin
    assert "Thin evidence" in thin.evidence_note and "3 requests (a firm grade needs 5)" in thin.evidence_note


def test_cli_warns_without_contact_and_pdf_without_chromium_exits_4(tmp_path, capsys, monkeypatch):
    from supplier_analytics.cli import main

    args = ["feedback", "--requests", str(SAMPLE / "requests.csv"), "--supplier", "V10034", "--out"]
    assert main([*args, str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "warning: The feedback packs name no contact" in err
    monkeypatch.setenv("SUPPLIER_ANALYTICS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert main([*args, str(tmp_path / "b"), "--contact", "Jane Doe", "--pdf"]) == 4
    err = capsys.readouterr().err
    assert "Chromium is not installed" in err and "name no contact" not in err
    assert not (tmp_path / "b").exists()  # nothing written before the check
