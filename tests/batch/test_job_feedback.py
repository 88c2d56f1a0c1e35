"""The batch job's feedback settings: [outputs] contact names who suppliers write to, pdf prints the packs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from supplier_analytics import batch
from supplier_analytics.batch.run import NO_CONTACT_JOB
from supplier_analytics.datasets import make_procurement_data
from supplier_analytics.errors import ConfigError
from supplier_analytics.reports.pdf import PdfEngineError

SAMPLE_JOB = Path(__file__).resolve().parents[2] / "data" / "sample" / "job.toml"
CONTACT = "Jane Doe, supplier quality, jane@example.com"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in")
    data = make_procurement_data(n_suppliers=3, n_deliveries=300, seed=7, months=12)
    for name, frame in data.tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder, sorted(data.suppliers["supplier_id"].astype(str))


def _job(folder: Path, out: str, **outputs):
    return batch.load_job(
        {
            "inputs": {t: f"{t}.csv" for t in ("deliveries", "inspections", "requests", "suppliers")},
            "scoring": {"as_of": "latest-data"},
            "outputs": {"dir": out, "scorecard": False, "feedback": True, **outputs},
        },
        base_dir=folder,
    )


def test_contact_and_pdf_are_read_and_checked(tmp_path):
    job = batch.load_job(
        {"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o", "feedback": True, "contact": f" {CONTACT} "}},
        base_dir=tmp_path,
    )
    assert job.contact == CONTACT and job.pdf is False
    with pytest.raises(ConfigError, match="outputs.pdf = true prints the feedback packs, so it needs"):
        batch.load_job({"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o", "pdf": True}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="outputs.contact = 42 must be a name and address as text"):
        batch.load_job(
            {"inputs": {"deliveries": "d.csv"}, "outputs": {"dir": "o", "feedback": True, "contact": 42}},
            base_dir=tmp_path,
        )


def test_the_sample_job_documents_both_keys():
    text = SAMPLE_JOB.read_text(encoding="utf-8")
    assert "# contact = " in text and "\npdf = false" in text
    outputs = tomllib.loads(text)["outputs"]
    assert outputs["pdf"] is False
    # the commented example, uncommented, is a valid contact
    line = next(x for x in text.splitlines() if x.startswith("# contact = "))
    assert tomllib.loads(line[2:])["contact"] == CONTACT


@pytest.mark.slow
def test_the_packs_name_the_jobs_contact_and_without_one_the_run_warns(inputs):
    folder, ids = inputs
    with_contact = batch.run_job(_job(folder, "out1", contact=CONTACT))
    assert with_contact.exit_code == 0, with_contact.message
    html = (with_contact.run_dir / "feedback" / "suppliers" / ids[0] / "feedback.html").read_text(encoding="utf-8")
    assert f"Write to {CONTACT}" in html
    assert NO_CONTACT_JOB not in with_contact.manifest["warnings"]

    without = batch.run_job(_job(folder, "out2"))
    assert without.exit_code == 0, without.message
    assert NO_CONTACT_JOB in without.manifest["warnings"]
    assert "[outputs] of the job file" in (without.run_dir / "run.log").read_text(encoding="utf-8")


def test_a_pdf_job_without_chromium_stops_before_reading(inputs, monkeypatch):
    folder, _ = inputs
    monkeypatch.setenv("SUPPLIER_ANALYTICS_CHROMIUM", str(folder / "no-such-chromium"))
    with pytest.raises(PdfEngineError, match="Chromium is not installed") as err:
        batch.run_job(_job(folder, "out3", contact=CONTACT, pdf=True))
    assert err.value.exit_code == 4  # an invalid job on the command line
    assert not list((folder / "out3").glob("runs/*"))
