"""Batch runs: job files, run folders and manifests, idempotence, failures, exit codes, locking, progress."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from supplier_analytics import batch, history, trends
from supplier_analytics.batch import run as batch_run
from supplier_analytics.cli import main
from supplier_analytics.config import load_config
from supplier_analytics.datasets import make_procurement_data, write_procurement_data
from supplier_analytics.errors import ConfigError, InputError, LockedError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TABLES = ("deliveries", "inspections", "requests", "suppliers")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """20 suppliers, 2,000 receipts, 2025 (data end 2025-12-31)."""
    return write_procurement_data(
        tmp_path_factory.mktemp("small"), n_suppliers=20, n_deliveries=2000, seed=3, start="2025-01-01", months=12
    )


def _job_file(folder: Path, data: Path, *, extra: str = "", inputs: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if inputs is None:
        inputs = "\n".join(f'{t} = "{(data / f"{t}.csv").as_posix()}"' for t in TABLES)
    text = f'[inputs]\n{inputs}\n\n[outputs]\ndir = "out"\n\n{extra}\n'
    path = folder / "job.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- job files


def test_job_file_paths_are_relative_to_its_folder(tmp_path):
    (tmp_path / "jobs").mkdir()
    path = tmp_path / "jobs" / "monthly.toml"
    path.write_text(
        '[inputs]\ndeliveries = ["exports/gr_*.xlsx", "old/gr.csv"]\n'
        'requests = { path = "tickets.xlsx", mapping = "erp.toml", sheet = "Requests" }\n'
        'mapping = "sap.toml"\n'
        '[scoring]\nconfig = "scoring.toml"\nas_of = 2026-06-30\n'
        '[outputs]\ndir = "../out"\n[history]\npath = "../db/h.sqlite"\n'
        "[limits]\nmax_rejected_share = 0.1\nlock_wait_seconds = 5\n[alerts]\nfail_on = true\n",
        encoding="utf-8",
    )
    job = batch.load_job(path)
    base = tmp_path / "jobs"
    assert job.inputs["deliveries"].patterns == ("exports/gr_*.xlsx", "old/gr.csv")
    assert job.inputs["deliveries"].mapping == base / "sap.toml"  # the [inputs] mapping applies to every table
    assert job.inputs["requests"].mapping == base / "erp.toml" and job.inputs["requests"].sheet == "Requests"
    assert job.config == base / "scoring.toml" and job.as_of == "2026-06-30"
    assert job.out_dir == base / "../out" and job.history == base / "../db/h.sqlite"
    assert (job.max_rejected_share, job.lock_wait_seconds, job.fail_on_alerts) == (0.1, 5.0, True)
    moved = batch.load_job(path, out_dir=tmp_path / "elsewhere")
    assert moved.out_dir == tmp_path / "elsewhere" and moved.history == base / "../db/h.sqlite"


def test_job_defaults(tmp_path):
    job = batch.load_job({"inputs": {"requests": "r.csv"}, "outputs": {"dir": "o"}}, base_dir=tmp_path)
    assert job.history == tmp_path / "o" / "history.sqlite"
    assert (
        job.as_of,
        job.scorecard,
        job.duplicates,
        job.max_rejected_share,
        job.lock_wait_seconds,
        job.fail_on_alerts,
    ) == ("last-complete-period", True, "reject", None, 0.0, False)
    assert job.replace(out_dir=tmp_path / "x").history == tmp_path / "x" / "history.sqlite"


@pytest.mark.parametrize(
    "raw, message",
    [
        (
            {"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o"}, "output": {}},
            "In the job dict, unknown section [output]; allowed: inputs, scoring, outputs, history, limits, alerts.",
        ),
        (
            {"inputs": {"deliveries": "d.csv", "receipts": "r.csv"}, "outputs": {"dir": "o"}},
            "In the job dict, unknown key 'inputs.receipts'; allowed in [inputs]: deliveries, inspections, requests, "
            "suppliers, exclusions, mapping, duplicates.",
        ),
        (
            {"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o", "review": "yes"}},
            "In the job dict, outputs.review = 'yes' must be true or false.",
        ),
        (
            {"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o"}, "scoring": {"as_of": "end-of-month"}},
            "In the job dict, scoring.as_of = 'end-of-month' is not allowed; use one of: last-complete-period, "
            "latest-data, or a date YYYY-MM-DD.",
        ),
        (
            {"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o"}, "limits": {"max_rejected_share": 5}},
            "In the job dict, limits.max_rejected_share = 5 must be a number from 0 to 1 (e.g. 0.05 for 5%).",
        ),
        (
            {"inputs": {"suppliers": "s.csv"}, "outputs": {"dir": "o"}},
            "In the job dict, [inputs] needs at least one of deliveries, inspections, requests.",
        ),
    ],
)
def test_job_errors_name_the_key(raw, message):
    with pytest.raises(ConfigError) as err:
        batch.load_job(raw)
    assert str(err.value) == message


def test_job_errors_are_collected(tmp_path):
    path = tmp_path / "job.toml"
    path.write_text('[inputs]\ndeliveries = 3\n[alerts]\nfail_on = "yes"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"^3 problems in job.toml: inputs.deliveries must be a path or glob as text, "
        r"or a list of them, not 3; \[outputs\] dir is required: .*; "
        r"alerts.fail_on = 'yes' must be true or false; fix them and run again.$",
    ):
        batch.load_job(path)
    path.write_text("[inputs\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Job file job.toml is not valid TOML"):
        batch.load_job(path)
    with pytest.raises(ConfigError, match=r"Job file .*missing.toml does not exist"):
        batch.load_job(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "rule, freq, today, latest, expected",
    [
        ("last-complete-period", "M", "2026-03-01", None, "2026-02-28"),
        ("last-complete-period", "M", "2026-03-31", None, "2026-02-28"),  # March has not ended on the 31st
        ("last-complete-period", "W-SUN", "2026-11-25", None, "2026-11-22"),  # Wednesday -> last Sunday
        ("last-complete-period", "W-SUN", "2026-11-23", None, "2026-11-22"),  # Monday -> yesterday
        ("last-complete-period", "Q", "2026-07-01", None, "2026-06-30"),
        (
            "last-complete-period",
            "M",
            "2026-10-02",
            "2026-09-28",
            "2026-09-30",
        ),  # a quiet last day is not a stale export
        ("last-complete-period", "M", "2027-02-10", "2026-11-15", "2026-10-31"),  # stale export: fall back
        ("latest-data", "M", "2030-01-01", "2026-09-14", "2026-09-14"),
        ("2026-05-15", "M", None, "2026-09-30", "2026-05-15"),
    ],
)
def test_as_of_rules(rule, freq, today, latest, expected):
    day, _ = batch.as_of_from_rule(rule, freq=freq, today=today, latest=latest)
    assert day == pd.Timestamp(expected)


# --------------------------------------------------------------------------- the sample job, twice


def _xlsx_values(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


_VOLATILE = {"run_id", "started_utc", "finished_utc", "timings_seconds", "job"}


@pytest.mark.slow
def test_sample_job_twice_is_idempotent(tmp_path):
    job = batch.load_job(SAMPLE / "job.toml", out_dir=tmp_path / "out")
    first = batch.run_job(job)
    copy1 = _tree(tmp_path / "out" / "runs")
    second = batch.run_job(job)
    assert first.exit_code == second.exit_code == 0 and first.outcome == "success"
    # the sample data end on 2026-09-30, before the last complete month, so the rule falls back to it
    assert first.as_of == second.as_of == pd.Timestamp("2026-09-30")

    db = tmp_path / "out" / "history.sqlite"
    sup = history.load(db)
    assert len(sup) == 40 and sup["supplier_id"].is_unique and set(sup["run_id"]) == {second.run_id}
    metrics = history.load(db, table="metrics")
    assert not metrics.duplicated(["as_of", "supplier_id", "metric"]).any()
    runs = history.load(db, table="runs")
    assert runs["run_id"].tolist() == [first.run_id, second.run_id] and runs["committed"].tolist() == [1, 1]
    # history holds what the scorecard says
    card = second.scorecard.suppliers.set_index("supplier_id")
    assert sup.set_index("supplier_id")["grade"].to_dict() == card["grade"].astype(str).to_dict()
    otif = metrics[metrics["metric"] == "otif_rate"].set_index("supplier_id")["value"]
    pd.testing.assert_series_equal(
        otif.sort_index(), card["otif_rate"].sort_index(), check_names=False, check_index_type=False
    )

    # outputs identical apart from timestamps
    copy2 = _tree(tmp_path / "out" / "runs")
    names = [
        "manifest.json",
        "periods.csv",
        "rejected_rows.csv",
        "run.log",
        "scorecard.xlsx",
        "summary.json",
        "suppliers.csv",
    ] + (["alerts.csv"] if first.manifest["alerts"]["count"] else [])
    assert sorted(copy1) == sorted(copy2) == sorted(f"2026-09-30/{n}" for n in names)
    for name in [n for n in names if n.endswith((".csv", "summary.json"))]:
        assert copy1[f"2026-09-30/{name}"] == copy2[f"2026-09-30/{name}"], name
    run_dir = tmp_path / "out" / "runs" / "2026-09-30"
    m1 = json.loads(copy1["2026-09-30/manifest.json"])
    m2 = json.loads(copy2["2026-09-30/manifest.json"])
    for m in (m1, m2):
        for k in ("scorecard.xlsx", "run.log"):
            m["outputs"].pop(k)
    assert {k: v for k, v in m1.items() if k not in _VOLATILE} == {k: v for k, v in m2.items() if k not in _VOLATILE}
    tmp1 = tmp_path / "first.xlsx"
    tmp1.write_bytes(copy1["2026-09-30/scorecard.xlsx"])
    assert _xlsx_values(tmp1) == _xlsx_values(run_dir / "scorecard.xlsx")

    # the manifest, checked against the files themselves
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["run_id"] == second.run_id and m["package_version"] == "0.1.0"
    assert m["outcome"] == "success" and m["exit_code"] == 0 and m["as_of"] == "2026-09-30"
    assert m["config"]["hash"] == load_config(SAMPLE / "scoring.toml").hash()
    assert m["config"]["sha256"] == _sha(SAMPLE / "scoring.toml")
    files = {Path(f["path"]).name: f for f in m["inputs"]}
    for name in ("deliveries.csv", "inspections.csv", "requests.csv", "suppliers.csv", "exclusions.csv"):
        assert files[name]["sha256"] == _sha(SAMPLE / name)
        assert files[name]["size"] == (SAMPLE / name).stat().st_size
        lines = (SAMPLE / name).read_text(encoding="utf-8").count("\n") - 1
        assert files[name]["rows_read"] == lines
    assert m["rows"]["deliveries"] == {
        "rows_read": 6000,
        "rows_accepted": 6000,
        "rows_rejected": 0,
        "rejected_share": 0.0,
    }
    for name, info in m["outputs"].items():
        assert info["sha256"] == _sha(run_dir / name) and info["size"] == (run_dir / name).stat().st_size
    assert set(m["timings_seconds"]) == {"lock", "read", "score", "write"}
    # alerts: what trends.alerts finds on the scorecard, recorded in the manifest, alerts.csv and the history
    found = trends.alerts(second.scorecard)
    raised = found[found["direction"].isin(["deteriorating", "improving"])]
    assert m["alerts"]["count"] == len(raised) and m["alerts"]["deteriorating"] == int(
        (raised["direction"] == "deteriorating").sum()
    )
    stored = history.load(db, table="alerts")
    assert sorted(zip(stored["supplier_id"], stored["metric"], stored["kind"])) == sorted(
        zip(raised["supplier_id"], raised["metric"], raised["direction"])
    )
    # the number of tests is the number of supplier x metric series tested (what the packs report), not
    # the number of alerts: the default frame holds only the alerts and the rows not tested
    every = trends.alerts(second.scorecard, include="all")
    n_tested = int((every["direction"] != "not tested").sum())
    assert n_tested == found.attrs["tests"] and n_tested > len(raised)
    assert f"across all {n_tested} supplier x metric tests" in found.attrs["method"]
    assert m["alerts"]["status"].endswith(
        f"among {n_tested} supplier x metric trend tests "
        f"({int((every['direction'] == 'not tested').sum())} not tested: too little evidence)"
    )
    assert m["started_utc"] < m["finished_utc"]
    latest = json.loads((tmp_path / "out" / "latest.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == second.run_id and latest["run_dir"] == "runs/2026-09-30"
    link = tmp_path / "out" / "latest"  # a relative link: the folder can move
    assert link.is_symlink() and os.readlink(link) == "runs/2026-09-30"
    assert json.loads((link / "manifest.json").read_text(encoding="utf-8"))["run_id"] == second.run_id
    logs = sorted(p.name for p in (tmp_path / "out" / "logs").iterdir())
    assert logs == sorted([f"{first.run_id}.log", f"{second.run_id}.log"])
    assert "stage score" in (run_dir / "run.log").read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "out" / "runs").iterdir()] == ["2026-09-30"]  # nothing staged left over


# --------------------------------------------------------------------------- failures and exit codes


@pytest.fixture(scope="module")
def _baseline(tmp_path_factory, small):
    """A job over copies of the small data set (paths relative to the job), run once as of 2025-12-31."""
    folder = tmp_path_factory.mktemp("baseline")
    data = folder / "data"
    data.mkdir()
    for t in TABLES:
        (data / f"{t}.csv").write_bytes((small / f"{t}.csv").read_bytes())
    path = _job_file(
        folder,
        data,
        extra='[scoring]\nas_of = "latest-data"\n',
        inputs="\n".join(f'{t} = "data/{t}.csv"' for t in TABLES),
    )
    result = batch.run_job(path)
    assert result.exit_code == 0 and result.as_of == pd.Timestamp("2025-12-31")
    return folder, result


@pytest.fixture
def published(_baseline, tmp_path):
    """A fresh copy of the baseline: job file, data and the output folder of one complete run."""
    folder, result = _baseline
    work = tmp_path / "w"
    shutil.copytree(folder, work, symlinks=True)  # latest stays a link
    return work / "job.toml", work / "data", result


def _state(out: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    files = {
        k: v
        for k, v in _tree(out).items()
        if not k.startswith("logs/") and not k.startswith("history.sqlite") and not k.endswith(".lock")
    }
    return files, history.load(out / "history.sqlite"), history.load(out / "history.sqlite", table="metrics")


def test_broken_input_fails_cleanly_and_changes_nothing(published, capsys):
    path, data, before_run = published
    out = path.parent / "out"
    files, sup, met = _state(out)
    text = (data / "deliveries.csv").read_text(encoding="utf-8")
    (data / "deliveries.csv").write_text(text.replace("date_promised", "date_confirmed", 1), encoding="utf-8")
    code = main(["run", str(path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("error: deliveries.csv lacks the required deliveries column date_promised")
    assert err.count("\n") == 1  # one sentence, no traceback
    files2, sup2, met2 = _state(out)
    assert files2 == files  # run folder, manifest, latest: byte for byte
    pd.testing.assert_frame_equal(sup2, sup)
    pd.testing.assert_frame_equal(met2, met)
    runs = history.load(out / "history.sqlite", table="runs")
    failed = runs.iloc[-1]
    assert (failed["outcome"], failed["exit_code"], failed["committed"]) == ("failed", 3, 0)
    log = (out / "logs" / f"{failed['run_id']}.log").read_text(encoding="utf-8")
    assert "ERROR run failed: deliveries.csv lacks the required deliveries column date_promised" in log

    (data / "deliveries.csv").write_bytes(b"\x00\x01PK\x03garbage" * 50)
    with pytest.raises(InputError):
        batch.run_job(path)
    assert _state(out)[0] == files


def test_invalid_scoring_configuration_is_exit_4(published, capsys):
    path, data, _ = published
    out = path.parent / "out"
    files, _, _ = _state(out)
    (path.parent / "bad.toml").write_text('[delivery]\nday_basis = "weekly"\n', encoding="utf-8")
    path.write_text(
        path.read_text(encoding="utf-8").replace("[scoring]\n", '[scoring]\nconfig = "bad.toml"\n'), encoding="utf-8"
    )
    assert main(["run", str(path)]) == 4
    err = capsys.readouterr().err
    assert err == "error: In bad.toml, delivery.day_basis = 'weekly' is not allowed; use one of: calendar, working.\n"
    assert _state(out)[0] == files


def test_rejected_rows_above_the_limit_publish_and_exit_5(tmp_path, small, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for t in TABLES:
        (data / f"{t}.csv").write_bytes((small / f"{t}.csv").read_bytes())
    lines = (data / "requests.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    bad = [r.replace(",", ",not-a-date-", 3) if i % 10 == 0 else r for i, r in enumerate(rows)]
    (data / "requests.csv").write_text("\n".join([header, *bad]) + "\n", encoding="utf-8")
    path = _job_file(tmp_path, data, extra='[scoring]\nas_of = "latest-data"\n[limits]\nmax_rejected_share = 0.05\n')
    code = main(["run", str(path)])
    out, err = capsys.readouterr()
    assert code == 5
    m = json.loads((tmp_path / "out" / "runs" / "2025-12-31" / "manifest.json").read_text(encoding="utf-8"))
    req = m["rows"]["requests"]
    assert req["rows_rejected"] == len(range(0, len(rows), 10)) and req["rows_read"] == len(rows)
    assert m["outcome"] == "rejected rows above the limit" and m["exit_code"] == 5
    share = req["rows_rejected"] / req["rows_read"]
    assert err == (
        f"error: requests: {share:.1%} of rows rejected ({req['rows_rejected']} of {req['rows_read']}), "
        "above the job's max_rejected_share of 5.0%; see runs/2025-12-31/rejected_rows.csv.\n"
    )
    rejected = pd.read_csv(tmp_path / "out" / "runs" / "2025-12-31" / "rejected_rows.csv", encoding="utf-8-sig")
    assert set(rejected["table"]) == {"requests"}
    assert history.load(tmp_path / "out" / "history.sqlite", table="runs")["exit_code"].tolist() == [5]
    assert "Outcome: requests:" in out


@pytest.mark.slow
def test_alerts_fail_the_job_only_when_asked(published, monkeypatch):
    path, data, _ = published
    found = pd.DataFrame(
        {
            "supplier_id": ["S001", "S002"],
            "metric": ["otif_rate", "ppm"],
            "kind": ["improving", "deteriorating"],
            "message": ["OTIF rising", "PPM rising"],
        }
    )
    monkeypatch.setattr(batch_run, "_raise_alerts", lambda card: ("2 raised", found))
    result = batch.run_job(path)
    assert result.exit_code == 0 and result.manifest["alerts"]["count"] == 2
    path.write_text(path.read_text(encoding="utf-8") + "\n[alerts]\nfail_on = true\n", encoding="utf-8")
    result = batch.run_job(path)
    assert result.exit_code == 6 and result.outcome == "alerts raised"
    assert result.message == "1 deterioration alert raised and the job fails on alerts; see runs/2025-12-31/alerts.csv"
    stored = history.load(path.parent / "out" / "history.sqlite", table="alerts")
    assert stored[["supplier_id", "metric", "kind", "message"]].values.tolist() == [
        ["S001", "otif_rate", "improving", "OTIF rising"],
        ["S002", "ppm", "deteriorating", "PPM rising"],
    ]
    assert pd.read_csv(result.run_dir / "alerts.csv", encoding="utf-8-sig")["supplier_id"].tolist() == ["S001", "S002"]
    monkeypatch.setattr(batch_run, "_raise_alerts", lambda card: ("1 raised", found.iloc[:1]))
    assert batch.run_job(path).exit_code == 0  # an improvement never fails the job


@pytest.mark.slow
def test_alerts_find_the_known_deteriorating_suppliers(tmp_path):
    """The generator's truth names suppliers whose OTIF falls; the run's alerts are checked against it."""
    data = make_procurement_data(n_suppliers=30, n_deliveries=12000, seed=5, start="2025-01-01", months=12)
    folder = tmp_path / "data"
    folder.mkdir()
    for t in TABLES:
        getattr(data, t).to_csv(folder / f"{t}.csv", index=False)
    path = _job_file(tmp_path, folder, extra='[scoring]\nas_of = "latest-data"\n[alerts]\nfail_on = true\n')
    result = batch.run_job(path)
    stored = history.load(tmp_path / "out" / "history.sqlite", table="alerts")
    bad = set(stored.loc[(stored["kind"] == "deteriorating") & (stored["metric"] == "otif_rate"), "supplier_id"])
    falling = set(data.truth.loc[data.truth["trend"] == "deteriorating", "supplier_id"])
    assert len(falling) == 3
    assert bad <= falling and len(bad) >= 2  # no false alarm; the big deteriorating suppliers are found
    assert result.exit_code == 6 and result.outcome == "alerts raised"
    assert json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))["exit_code"] == 6


def test_several_files_of_one_table_are_combined_and_overlaps_rejected(tmp_path, small):
    full = pd.read_csv(small / "deliveries.csv", dtype=str, keep_default_na=False)
    (tmp_path / "exports").mkdir()
    full.iloc[:1200].to_csv(tmp_path / "exports" / "gr_1.csv", index=False)
    full.iloc[1000:].to_csv(tmp_path / "exports" / "gr_2.csv", index=False)  # rows 1000-1199 in both
    job = batch.load_job({"inputs": {"deliveries": "exports/gr_*.csv"}, "outputs": {"dir": "out"}}, base_dir=tmp_path)
    results, files = batch_run._read_inputs(job)
    r = results["deliveries"]
    assert [Path(f["path"]).name for f in files] == ["gr_1.csv", "gr_2.csv"]
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (2200, 2000, 200)
    assert r.data["source_file"].value_counts().to_dict() == {"gr_1.csv": 1200, "gr_2.csv": 800}
    first = r.rejected.iloc[0]
    assert (first["source_file"], first["row"], first["reason"]) == (
        "gr_2.csv",
        2,
        "exact duplicate of gr_1.csv row 1002 (every column equal)",
    )
    single = batch_run._read_inputs(
        batch.load_job(
            {"inputs": {"deliveries": str(small / "deliveries.csv")}, "outputs": {"dir": "out"}}, base_dir=tmp_path
        )
    )[0]
    cols = [c for c in r.data.columns if not c.startswith("source_")]
    pd.testing.assert_frame_equal(r.data[cols], single["deliveries"].data[cols])
    with pytest.raises(InputError, match=r"No file matches 'exports/missing_\*.csv' for inputs.deliveries"):
        batch_run._read_inputs(
            batch.load_job(
                {"inputs": {"deliveries": "exports/missing_*.csv"}, "outputs": {"dir": "o"}}, base_dir=tmp_path
            )
        )


def test_recover_removes_unfinished_run_folders(published):
    path, _, result = published
    runs = path.parent / "out" / "runs"
    (runs / ".staging-2025-12-31-20990101T000000000000Z-p1").mkdir()
    (runs / ".staging-2025-12-31-20990101T000000000000Z-p1" / "suppliers.csv").write_text("half", encoding="utf-8")
    (runs / ".old-2025-11-30-20990101T000000000000Z-p1").mkdir()  # a folder moved aside and never put back
    done = batch.recover(path)
    assert done == [
        "removed the unfinished run folder .staging-2025-12-31-20990101T000000000000Z-p1",
        "restored the run folder of 2025-11-30",
    ]
    assert sorted(p.name for p in runs.iterdir()) == ["2025-11-30", "2025-12-31"]


# --------------------------------------------------------------------------- progress


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_on_a_terminal_only(published, monkeypatch, capsys):
    path, _, _ = published
    from supplier_analytics import cli

    monkeypatch.setattr(cli, "PROGRESS_DELAY_SECONDS", 0)  # the bar at once, however quick the run
    tty = _Stream(True)
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["run", str(path)]) == 0
    frames = [f.split(" |")[0] for f in tty.getvalue().split("\r") if f.strip()]
    shown = list(dict.fromkeys(frames))  # each stage once, in order (the timer may redraw one)
    assert shown == [
        "Taking the lock: 0/6 done",
        "Reading the inputs: 1/6 done",
        "Scoring: 2/6 done",
        "Writing the outputs: 3/6 done",
        "Storing the history: 4/6 done",
        "Publishing the run: 5/6 done",
    ]
    assert tty.getvalue().endswith("\r")  # cleared before the summary
    assert "Outcome: scored 20 suppliers as of 2025-12-31" in capsys.readouterr().out

    seen = []
    done = published[2]

    def fake_run_job(job, *, as_of=None, progress=None):  # records what the CLI passes, returns a real result
        seen.append(progress)
        return done

    monkeypatch.setattr(batch, "run_job", fake_run_job)
    for stream, args in ((_Stream(False), []), (_Stream(True), ["--quiet"])):
        monkeypatch.setattr(sys, "stderr", stream)
        assert main(["run", str(path), *args]) == 0
        assert stream.getvalue() == ""
    assert seen == [None, None]
    assert capsys.readouterr().out.count("Outcome:") == 1  # --quiet prints nothing on success


# --------------------------------------------------------------------------- concurrency

_HOLD = """
import sys
from pathlib import Path
from supplier_analytics.batch.runs import RunLock as _Lock
lock = _Lock(Path(sys.argv[1]), "test")
assert lock.try_acquire({"pid": 4242, "started_utc": "2026-01-01T00:00:00Z"})
print("locked", flush=True)
sys.stdin.read()
"""


def _hold_lock(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.mark.slow
def test_a_second_run_refuses_while_the_first_holds_the_lock(published, capsys):
    path, _, _ = published
    out = path.parent / "out"
    files, sup, _ = _state(out)
    holder = _hold_lock(out / ".lock")
    try:
        with pytest.raises(
            LockedError,
            match=r"^The output folder .*out is in use by another run \(process 4242, "
            r"started 2026-01-01T00:00:00Z\) \(the job does not wait\); nothing was changed",
        ):
            batch.run_job(path)
        assert main(["run", str(path)]) == 7
        assert capsys.readouterr().err.startswith("error: The output folder")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert _state(out)[0] == files
    assert len(history.load(out / "history.sqlite", table="runs")) == 1  # a refused run leaves no trace but its log
    # the history lock is separate: a run of another job that shares the history waits for it too
    holder = _hold_lock(Path(f"{out / 'history.sqlite'}.lock"))
    try:
        with pytest.raises(LockedError, match=r"^The history .*history.sqlite is in use by another run"):
            batch.run_job(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.slow
def test_a_second_run_waits_for_the_lock_when_the_job_allows(published):
    path, _, _ = published
    path.write_text(path.read_text(encoding="utf-8") + "\n[limits]\nlock_wait_seconds = 60\n", encoding="utf-8")
    holder = _hold_lock(path.parent / "out" / ".lock")
    timer = threading.Timer(1.0, holder.stdin.close)
    timer.start()
    try:
        t0 = time.monotonic()
        result = batch.run_job(path)
        assert time.monotonic() - t0 >= 1.0  # it waited for the holder to let go
    finally:
        timer.join()
        holder.wait(timeout=30)
    assert result.exit_code == 0
    assert result.manifest["timings_seconds"]["lock"] >= 0.9


@pytest.mark.slow
def test_two_concurrent_runs_in_subprocesses(published):
    path, _, _ = published
    path.write_text(path.read_text(encoding="utf-8") + "\n[limits]\nlock_wait_seconds = 120\n", encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "supplier_analytics", "run", str(path), "--quiet"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    out = path.parent / "out"
    sup = history.load(out / "history.sqlite")
    assert len(sup) == 20 and sup["supplier_id"].is_unique
    runs = history.load(out / "history.sqlite", table="runs")
    assert len(runs) == 3 and runs["committed"].tolist() == [1, 1, 1]
    # the run that committed last owns the rows, the run folder and latest
    last = runs.sort_values("finished_utc")["run_id"].iloc[-1]
    assert set(sup["run_id"]) == {last}
    m = json.loads((out / "runs" / "2025-12-31" / "manifest.json").read_text(encoding="utf-8"))
    assert m["run_id"] == last
    assert json.loads((out / "latest.json").read_text(encoding="utf-8"))["run_id"] == last
    assert [p.name for p in (out / "runs").iterdir()] == ["2025-12-31"]


@pytest.mark.slow
def test_job_writes_feedback_and_review_packs_listed_in_the_manifest(tmp_path):
    data = make_procurement_data(n_suppliers=6, n_deliveries=1500, seed=5, months=12)
    for name, frame in data.tables.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    job = batch.load_job(
        {
            "inputs": {t: f"{t}.csv" for t in data.tables},
            "scoring": {"as_of": "latest-data"},
            "outputs": {"dir": "out", "feedback": True, "review": True},
        },
        base_dir=tmp_path,
    )
    result = batch.run_job(job)
    assert result.exit_code == 0, result.message
    run_dir = result.run_dir
    ids = sorted(data.suppliers["supplier_id"].astype(str))
    assert sorted(p.name for p in (run_dir / "feedback" / "suppliers").iterdir()) == ids
    assert (run_dir / "review" / "review.html").is_file()
    listed = result.manifest["outputs"]
    for sid in ids:
        for f in ("feedback.html", "feedback.xlsx"):
            rel = f"feedback/suppliers/{sid}/{f}"
            assert listed[rel]["sha256"] == batch.runs.sha256_file(run_dir / rel)


def test_a_query_without_its_url_is_named_as_such_and_nothing_else(tmp_path):
    # one mistake, one sentence: not "has a url and a path" (there is no url) nor "needs at least one input"
    with pytest.raises(ConfigError) as e:
        batch.load_job(
            {"inputs": {"deliveries": {"path": "x.csv", "query": "SELECT 1"}}, "outputs": {"dir": "o"}},
            base_dir=tmp_path,
        )
    msg = str(e.value)
    assert "inputs.deliveries has a query but no url" in msg and "or drop the query to read the file" in msg
    assert "needs at least one of" not in msg and "has a url and a path" not in msg
