"""The README's exit-code table is the one in errors.py, and a real case of each code exits with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from supplier_analytics import errors
from supplier_analytics.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
GR = "Vendor,PO Number,Qty Ordered,Promised Date,Receipt Date\n"


def _readme_codes() -> dict[str, int]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Command line") :]
    section = section[: section.index("\n## ", 1)]
    rows = re.findall(r"^\| (\d+) \| `(EXIT_\w+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    assert all(meaning.strip() for _, _, meaning in rows)
    return {name: int(code) for code, name, _ in rows}


def test_the_readme_table_lists_every_exit_code_of_errors_py():
    constants = {n: getattr(errors, n) for n in dir(errors) if n.startswith("EXIT_")}
    assert _readme_codes() == constants
    assert sorted(constants.values()) == list(range(8))


def _code(argv, capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def test_input_usage_config_rejected_and_ok_codes(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(GR + "V1,P1,5,2025-01-02,2025-01-03\nV1,P2,5,2025-01-02,2025-01-04\n")
    assert _code(["validate", "--deliveries", good], capsys) == (errors.EXIT_OK, "")

    code, err = _code(["score", "--out", tmp_path / "o"], capsys)  # no inputs
    assert (code, err) == (
        errors.EXIT_USAGE,
        "error: score needs at least one of --deliveries, --inspections or --requests; give one.\n",
    )
    code, err = _code(["validate"], capsys)
    assert code == errors.EXIT_USAGE and err.startswith("error: validate needs at least one input")
    with pytest.raises(SystemExit) as exc:  # argparse's own usage errors exit 2 as well
        main(["score", "--no-such-option"])
    assert exc.value.code == errors.EXIT_USAGE
    capsys.readouterr()

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    code, err = _code(["validate", "--deliveries", broken], capsys)
    assert code == errors.EXIT_INPUT and err.startswith("error: Cannot read broken.xlsx")

    config = tmp_path / "c.toml"
    config.write_text("[scoring.weights]\nquality = 0.4\n")
    code, err = _code(["score", "--deliveries", good, "--config", config, "--out", tmp_path / "o"], capsys)
    assert code == errors.EXIT_CONFIG
    assert err == (
        "error: In c.toml, scoring.weights: the weights delivery = 0.5, quality = 0.4, responsiveness = 0.2 sum to "
        "1.1, not 1; make them sum to 1 (an entry left out keeps its default; give 0 to leave one out).\n"
    )

    bad = tmp_path / "bad.csv"
    bad.write_text(GR + "V1,P1,five,2025-01-02,2025-01-03\n")
    code, err = _code(["validate", "--deliveries", bad], capsys)
    assert (code, err) == (errors.EXIT_REJECTED, "")


def test_a_bug_exits_1_with_one_sentence_and_the_traceback_only_with_debug(tmp_path, capsys, monkeypatch):
    import supplier_analytics.ingest as ingest

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(ingest, "validate_files", boom)
    f = tmp_path / "d.csv"
    f.write_text(GR)
    code, err = _code(["validate", "--deliveries", f], capsys)
    assert code == errors.EXIT_INTERNAL
    assert err == "internal error: RuntimeError: simulated bug (run again with --debug and report the traceback)\n"
    for argv in (["--debug", "validate", "--deliveries", f], ["validate", "--debug", "--deliveries", f]):
        code, err = _code(argv, capsys)  # --debug before or after the command
        assert code == errors.EXIT_INTERNAL and "Traceback" in err and 'raise RuntimeError("simulated bug")' in err


@pytest.fixture(scope="module")
def job_data(tmp_path_factory) -> Path:
    from supplier_analytics.datasets import write_procurement_data

    return write_procurement_data(
        tmp_path_factory.mktemp("job"), n_suppliers=6, n_deliveries=300, seed=3, start="2025-01-01", months=6
    )


def _job(folder: Path, data: Path, extra: str = "") -> Path:
    inputs = "\n".join(f'{t} = "{(data / f"{t}.csv").as_posix()}"' for t in ("deliveries", "suppliers"))
    path = folder / "job.toml"
    path.write_text(f'[inputs]\n{inputs}\n\n[outputs]\ndir = "out"\n\n{extra}\n', encoding="utf-8")
    return path


def test_run_exits_6_on_alerts_it_fails_on_and_7_while_locked(tmp_path, job_data, capsys, monkeypatch):
    import pandas as pd

    from supplier_analytics.batch import run as batch_run
    from supplier_analytics.batch.runs import RunLock

    found = pd.DataFrame({"supplier_id": ["S1"], "metric": ["otif_rate"], "kind": ["deteriorating"], "message": ["x"]})
    monkeypatch.setattr(batch_run, "_raise_alerts", lambda card: ("1 raised", found))
    job = _job(tmp_path, job_data, "[alerts]\nfail_on = true\n")
    code, err = _code(["run", "--quiet", job], capsys)
    assert code == errors.EXIT_ALERTS and err.startswith("error: 1 deterioration alert raised")

    lock = RunLock(tmp_path / "out" / ".lock", "test")  # held as another run would hold it
    assert lock.try_acquire({"pid": 4242, "started_utc": "2026-01-01T00:00:00Z"})
    try:
        code, err = _code(["run", "--quiet", job], capsys)
    finally:
        lock.release()
    assert code == errors.EXIT_LOCKED and err.startswith("error: The output folder")
