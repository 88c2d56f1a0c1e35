"""Optional means optional: every command and every output works without the optional tables and columns.

The supplier master, the exclusions, inspections, requests and the action log are optional tables, and the
schema marks optional columns in each table (:mod:`supplier_analytics.schema`). Each is left out at least
once here, all of them at once (one record table with its required columns only), and a few in pairs; every
command of the command line runs on the result: ``validate``, ``score``, ``feedback`` (for one supplier, for
all of them, with an action log) and ``run`` with the scorecard, the feedback packs and the review pack. No
run may end in an internal error (exit code 1); leaving out a column may make rows invalid (exit code 5,
with the reasons), and the expected files must be written. The packs written without a supplier master or
without spend must read well: no "nan" or "None", no empty heading, a sentence where a chart or table is left
out.

The data: seven suppliers of the bundled sample (every table, two years), written to ``tmp_path``.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import supplier_analytics as sa
from supplier_analytics import history, portfolio
from supplier_analytics.cli import main
from supplier_analytics.reports.review import plot_segments
from supplier_analytics.schema import TABLES

# a supplier without records in the one table given is graded "insufficient evidence", with this warning
pytestmark = pytest.mark.filterwarnings("ignore::supplier_analytics.errors.InsufficientEvidenceWarning")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
#: One deteriorating and one improving supplier, one with very few records, two plain ones; each has an exclusion
#: except V10017.
SUPPLIERS = ("V10005", "V10030", "V10017", "V10009", "V10013")
#: The supplier the single-supplier feedback is for: it has deliveries, inspections and requests.
ONE = "V10005"
#: Eighteen months of records: the last six against the same months a year earlier.
FIRST_DAY = "2025-04-01"
AS_OF = "2026-09-30"
RECORD_TABLES = ("deliveries", "inspections", "requests")
ALL_TABLES = (*RECORD_TABLES, "suppliers", "exclusions")
_DATE = {"deliveries": "date_received", "inspections": "date", "requests": "date_sent"}


def _optional(table: str) -> tuple[str, ...]:
    return TABLES[table].optional


#: name -> (tables given, columns left out per table, columns given but empty per table)
VARIANTS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]] = {
    "everything": (ALL_TABLES, {}, {}),
    "no supplier master": (("deliveries", "inspections", "requests", "exclusions"), {}, {}),
    "master without annual_spend": (ALL_TABLES, {"suppliers": ("annual_spend",)}, {}),
    "master without supplier_name": (ALL_TABLES, {"suppliers": ("supplier_name",)}, {}),
    "master without category": (ALL_TABLES, {"suppliers": ("category",)}, {}),
    "master with supplier_id only": (ALL_TABLES, {"suppliers": _optional("suppliers")}, {}),
    "master with empty annual_spend and category": (ALL_TABLES, {}, {"suppliers": ("annual_spend", "category")}),
    "no exclusions": (("deliveries", "inspections", "requests", "suppliers"), {}, {}),
    "no inspections, no master": (("deliveries", "requests", "exclusions"), {}, {}),
    "no requests, master without spend": (
        ("deliveries", "inspections", "suppliers", "exclusions"),
        {"suppliers": ("annual_spend",)},
        {},
    ),
    "deliveries alone, required columns only": (("deliveries",), {"deliveries": _optional("deliveries")}, {}),
    "inspections alone, required columns only": (("inspections",), {"inspections": _optional("inspections")}, {}),
    "requests alone, required columns only": (("requests",), {"requests": _optional("requests")}, {}),
    # each optional column of the record tables left out once, grouped by what it is for
    "quantities left out: deliveries quantity_received, inspections quantity_inspected": (
        ALL_TABLES,
        {"deliveries": ("quantity_received",), "inspections": ("quantity_inspected",)},
        {},
    ),
    "record ids left out: deliveries line_id, inspections lot_id (and exclusions decided_on, comment)": (
        ALL_TABLES,
        {"deliveries": ("line_id",), "inspections": ("lot_id",), "exclusions": ("decided_on", "comment")},
        {},
    ),
    "dates left out: deliveries date_ordered, date_requested, requests date_closed, date_due": (
        ALL_TABLES,
        {"deliveries": ("date_ordered", "date_requested"), "requests": ("date_closed", "date_due")},
        {},
    ),
    "descriptions left out: item, value, site, receipt_id, defect_code, downtime_minutes": (
        ALL_TABLES,
        {
            "deliveries": ("item", "value", "site", "receipt_id"),
            "inspections": ("defect_code", "downtime_minutes", "item", "site"),
        },
        {},
    ),
    "requests without date_responded": (ALL_TABLES, {"requests": ("date_responded",)}, {}),
}


def test_every_optional_column_is_left_out_in_some_variant():
    for t in (*RECORD_TABLES, "suppliers"):
        left_out = {c for _, dropped, _ in VARIANTS.values() for c in dropped.get(t, ())}
        assert left_out == set(TABLES[t].optional), t
    # an exclusion's ids (po_id, lot_id, request_id) are what it names: its descriptions are the optional part
    assert {"decided_on", "comment"} <= {
        c for _, dropped, _ in VARIANTS.values() for c in dropped.get("exclusions", ())
    }


@pytest.fixture(scope="module")
def source() -> dict[str, pd.DataFrame]:
    """The five suppliers' rows of every sample table from :data:`FIRST_DAY` on (and open lines), as text."""
    out = {}
    for t in ALL_TABLES:
        frame = pd.read_csv(SAMPLE / f"{t}.csv", dtype=str, keep_default_na=False)
        keep = frame["supplier_id"].isin(SUPPLIERS)
        if t in _DATE:
            keep &= (frame[_DATE[t]] >= FIRST_DAY) | (frame[_DATE[t]] == "")
        out[t] = frame.loc[keep].reset_index(drop=True)
    counts = {t: len(f) for t, f in out.items()}
    assert counts == {"deliveries": 414, "inspections": 96, "requests": 55, "suppliers": 5, "exclusions": 5}
    return out


def _write(source: dict[str, pd.DataFrame], folder: Path, variant: str) -> dict[str, Path]:
    tables, dropped, emptied = VARIANTS[variant]
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for t in tables:
        frame = source[t].drop(columns=list(dropped.get(t, ())))
        for c in emptied.get(t, ()):
            frame[c] = ""
        frame.to_csv(folder / f"{t}.csv", index=False)
        files[t] = folder / f"{t}.csv"
    return files


def _cli(capsys, argv: list[str]) -> tuple[int, str]:
    """Run the command line in-process; no internal error, exit code 0 or 5 (rows rejected, with reasons)."""
    code = main(["--debug", *argv])
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err, f"{argv[0]}: {err}"
    assert code in (0, 5), f"{argv[0]} exited with {code}: {err}"
    return code, out


def _inputs(files: dict[str, Path]) -> list[str]:
    return [f"--{t}={p}" for t, p in files.items()]


def _clean_page(text: str) -> None:
    """No missing value shown as text, no heading without a title."""
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", text)
    assert not [c for c in cells if c.strip() in ("nan", "NaN", "None", "NaT", "&lt;NA&gt;")]
    assert not re.search(r">\s*(nan|None|NaT|&lt;NA&gt;)\s*<", text)
    assert not re.search(r"<h[1-4][^>]*>\s*</h[1-4]>", text)
    assert not re.search(r"\b(nan|None)\b", re.sub(r"<svg.*?</svg>", "", text, flags=re.DOTALL))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_command_runs_without_the_optional_inputs(variant, source, tmp_path, capsys):
    files = _write(source, tmp_path / "in", variant)
    args = _inputs(files)

    _cli(capsys, ["validate", *args, "--out", str(tmp_path / "validated")])
    assert (tmp_path / "validated" / "validation.json").is_file()

    _cli(capsys, ["score", *args, "--as-of", AS_OF, "--out", str(tmp_path / "score")])
    for name in ("scorecard.xlsx", "suppliers.csv", "periods.csv", "rejected_rows.csv", "summary.json"):
        assert (tmp_path / "score" / name).is_file(), name
    scored = pd.read_csv(tmp_path / "score" / "suppliers.csv", dtype={"supplier_id": str})
    assert ONE in set(scored["supplier_id"])

    _cli(capsys, ["feedback", *args, "--as-of", AS_OF, "--supplier", ONE, "--out", str(tmp_path / "fb")])
    assert sorted(p.name for p in (tmp_path / "fb" / "suppliers").iterdir()) == [ONE]
    for p in ("feedback.html", "feedback.xlsx"):
        assert (tmp_path / "fb" / "suppliers" / ONE / p).is_file()
    for p in ("review.html", "review.xlsx"):
        assert (tmp_path / "fb" / "review" / p).is_file()
    _clean_page((tmp_path / "fb" / "suppliers" / ONE / "feedback.html").read_text(encoding="utf-8"))
    _clean_page((tmp_path / "fb" / "review" / "review.html").read_text(encoding="utf-8"))


#: An action log with every column: a closed action on OTIF (V10005), a closed one on lot rejection (V10030), an
#: open one (V10013). With deliveries alone or inspections alone, one closed action targets a metric without data.
ACTIONS_FULL = """supplier_id,action_id,opened,owner,description,due,status,closed,metric
V10005,CA-1,2025-11-03,A. Novak,Confirm dates two days earlier,2026-01-31,closed,2026-01-20,otif_rate
V10030,CA-2,2025-10-06,J. Weber,Inspect before shipping,2025-12-15,closed,2025-12-10,lot_rejection_rate
V10013,CA-3,2026-08-03,J. Weber,Answer RFQs within three days,2026-09-15,open,,within_sla_rate
"""
#: An action log with the required columns only (no closed date, so no action can be closed).
ACTIONS_MINIMAL = """supplier_id,action_id,opened,status
V10005,CA-1,2026-07-01,open
V10013,CA-3,2026-08-03,in progress
V10030,CA-4,2026-02-01,cancelled
"""


@pytest.mark.parametrize(
    ("variant", "log"),
    [
        ("no supplier master", ACTIONS_MINIMAL),
        ("deliveries alone, required columns only", ACTIONS_FULL),
        ("inspections alone, required columns only", ACTIONS_FULL),
    ],
)
def test_feedback_for_every_supplier_with_an_action_log(variant, log, source, tmp_path, capsys):
    files = _write(source, tmp_path / "in", variant)
    (tmp_path / "actions.csv").write_text(log, encoding="utf-8")
    out = tmp_path / "fb"
    _cli(
        capsys,
        ["feedback", *_inputs(files), "--as-of", AS_OF, "--actions", str(tmp_path / "actions.csv"), "--out", str(out)],
    )
    table = next(t for t in RECORD_TABLES if t in files)
    ids = sorted(set(pd.read_csv(files[table], dtype=str)["supplier_id"]))
    assert sorted(p.name for p in (out / "suppliers").iterdir()) == ids
    for sid in ids:
        page = (out / "suppliers" / sid / "feedback.html").read_text(encoding="utf-8")
        _clean_page(page)
        assert (out / "suppliers" / sid / "feedback.xlsx").is_file()
    review = (out / "review" / "review.html").read_text(encoding="utf-8")
    _clean_page(review)
    assert "CA-1" in review and "CA-3" in review  # the action log is listed


def _job(folder: Path, files: dict[str, Path], *, review: bool = True, feedback: bool = True) -> Path:
    inputs = "\n".join(f'{t} = "{p.as_posix()}"' for t, p in files.items())
    path = folder / "job.toml"
    path.write_text(
        f"[inputs]\n{inputs}\n[scoring]\nas_of = {AS_OF}\n"
        f'[outputs]\ndir = "out"\nscorecard = true\nfeedback = {str(feedback).lower()}\n'
        f"review = {str(review).lower()}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def _quiet_run_log():
    log = logging.getLogger("supplier_analytics.batch")  # the run's own log file keeps every record
    log.propagate = False
    yield
    log.propagate = True


@pytest.mark.parametrize("variant", ["no supplier master", "deliveries alone, required columns only"])
def test_a_batch_run_writes_scorecard_feedback_and_review(variant, source, tmp_path, capsys, _quiet_run_log):
    files = _write(source, tmp_path / "in", variant)
    job = _job(tmp_path, files)
    code, _ = _cli(capsys, ["run", str(job), "--quiet"])
    run_dir = tmp_path / "out" / "runs" / AS_OF
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_code"] == code
    ids = sorted(set(source["deliveries"]["supplier_id"]))
    for name in ("scorecard.xlsx", "suppliers.csv", "review/review.html", "review/review.xlsx"):
        assert name in manifest["outputs"] and (run_dir / name).is_file(), name
    for sid in ids:
        for f in ("feedback.html", "feedback.xlsx"):
            assert f"feedback/suppliers/{sid}/{f}" in manifest["outputs"]
    _clean_page((run_dir / "review" / "review.html").read_text(encoding="utf-8"))
    _clean_page((run_dir / "feedback" / "suppliers" / ONE / "feedback.html").read_text(encoding="utf-8"))
    assert sorted(p.name for p in (tmp_path / "out" / "runs").iterdir()) == [AS_OF]  # nothing staged is left


@pytest.mark.parametrize(
    ("error", "code"), [(RuntimeError("a bug"), 1), (sa.InputError("The review cannot be written."), 3)]
)
def test_a_failed_run_removes_its_staging_folder_and_keeps_the_previous_outputs(
    error, code, source, tmp_path, capsys, monkeypatch, _quiet_run_log
):
    from supplier_analytics.reports import review

    files = _write(source, tmp_path / "in", "deliveries alone, required columns only")
    _cli(capsys, ["run", str(_job(tmp_path, files, review=False, feedback=False)), "--quiet"])
    runs = tmp_path / "out" / "runs"
    before = {p.relative_to(runs): p.read_bytes() for p in runs.rglob("*") if p.is_file()}
    latest = (tmp_path / "out" / "latest.json").read_text(encoding="utf-8")

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(review, "review_pack", broken)
    assert main(["run", str(_job(tmp_path, files, review=True, feedback=False)), "--quiet"]) == code
    err = capsys.readouterr().err
    assert str(error) in err
    assert sorted(p.name for p in runs.iterdir()) == [AS_OF]  # no .staging-* folder left behind
    assert {p.relative_to(runs): p.read_bytes() for p in runs.rglob("*") if p.is_file()} == before
    assert (tmp_path / "out" / "latest.json").read_text(encoding="utf-8") == latest
    failed = history.load(tmp_path / "out" / "history.sqlite", table="runs")
    assert failed["outcome"].tolist() == ["success", "failed"] and failed["exit_code"].tolist() == [0, code]


@pytest.mark.parametrize(
    ("table", "column"),
    [("deliveries", "quantity_ordered"), ("inspections", "quantity_defective"), ("requests", "date_sent")],
)
def test_a_required_column_left_out_is_a_clear_error(table, column, source, tmp_path, capsys):
    path = tmp_path / f"{table}.csv"
    source[table].drop(columns=[column]).to_csv(path, index=False)
    assert main(["score", f"--{table}={path}", "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert f"{table}.csv lacks the required {table} column {column}" in err
    assert "internal error" not in err


# --------------------------------------------------------------------------- the library, without a master


@pytest.fixture(scope="module")
def card_without_master(source):
    tables = {t: source[t].replace("", None) for t in ("deliveries", "inspections", "requests")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.DataWarning)
        return sa.score(**tables, as_of=AS_OF)


def test_review_pack_without_a_supplier_master(card_without_master, tmp_path):
    pack = sa.review_pack(card_without_master, out_dir=tmp_path)
    assert pack.figures == {}  # no spend: no chart of spend against performance
    for frame in (pack.segments, pack.priorities, pack.recognition, pack.car_candidates):
        assert not {"supplier_name", "category", "annual_spend", "spend_share", "spend_class"} & set(frame.columns)
    assert set(pack.segments["supplier_id"]) == set(SUPPLIERS)
    # without spend the segment follows the performance alone
    perf = {"good": "performs well: maintain", "fair": "develop", "poor": "corrective action or re-source"}
    assert pack.segments["segment"].tolist() == pack.segments["performance"].map(perf).tolist()
    assert pack.by_category.empty
    page = (tmp_path / "review.html").read_text(encoding="utf-8")
    _clean_page(page)
    assert "No supplier master was given, so the chart of spend against performance is left out." in page
    assert "No supplier master was given, so suppliers are not grouped by category." in page
    assert "No action log was given." in page
    assert (tmp_path / "review.xlsx").is_file()


def test_feedback_packs_without_a_supplier_master(card_without_master, tmp_path):
    folders = sa.write_feedback_packs(card_without_master, tmp_path)
    assert sorted(folders) == sorted(SUPPLIERS)
    pack = sa.feedback_pack(card_without_master, ONE, charts=False)
    assert pack.title == f"Supplier performance feedback: {ONE}"  # the id stands in for the name
    assert pack.summary["item"].tolist()[:3] == ["Supplier", "Period", "As of"]  # no empty name or category row
    assert pack.peers is None and "no supplier master with categories was given" in pack.peer_note
    page = (folders[ONE] / "feedback.html").read_text(encoding="utf-8")
    _clean_page(page)
    assert "no action log was provided" in page


def test_segments_and_categories_follow_what_the_master_gives():
    class Card:  # the attribute segment_suppliers reads
        suppliers = pd.DataFrame(
            {
                "supplier_id": ["S1", "S2", "S3", "S4"],
                "category": ["Cables", None, "Cables", None],
                "annual_spend": [800.0, 150.0, None, 50.0],
                "grade": ["A", "D", "C", "insufficient evidence"],
                "overall_score": [90.0, 40.0, 60.0, None],
            }
        )

    no_signals = pd.DataFrame(columns=["supplier_id", "metric", "direction"])
    seg = portfolio.segment_suppliers(Card(), signals=no_signals)
    # spend 800 of 1000 closes class A at 80%; S3 has no spend and is segmented by its grade C alone
    assert dict(zip(seg["supplier_id"], seg["spend_class"])) == {"S1": "A", "S2": "B", "S4": "C", "S3": "no spend"}
    assert dict(zip(seg["supplier_id"], seg["segment"]))["S3"] == "develop"
    cats = portfolio.by_category(seg)
    assert cats[["category", "suppliers", "annual_spend"]].to_dict("records") == [
        {"category": "(no category)", "suppliers": 2, "annual_spend": 200.0},
        {"category": "Cables", "suppliers": 2, "annual_spend": 800.0},
    ]
    # no spend anywhere: no spend column (never a total of 0), every segment by performance
    Card.suppliers = Card.suppliers.drop(columns="annual_spend")
    seg = portfolio.segment_suppliers(Card(), signals=no_signals)
    assert set(seg["spend_class"]) == {"no spend"}
    assert seg.set_index("supplier_id")["segment"].to_dict() == {
        "S1": "performs well: maintain",
        "S2": "corrective action or re-source",
        "S3": "develop",
        "S4": "not enough evidence: collect data",
    }
    assert "annual_spend" not in portfolio.by_category(seg).columns
    # no category anywhere: nothing to group
    assert portfolio.by_category(seg.assign(category=None)).empty
    ax = plot_segments(seg)  # nothing to draw: a sentence, not an error
    assert [t.get_text() for t in ax.texts] == ["No supplier with both a score and an annual spend to draw."]
