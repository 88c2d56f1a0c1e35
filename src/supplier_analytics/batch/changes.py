"""The history for people: grade changes since the last run and one supplier's history, as tables and a workbook.

``supplier-analytics history OUT`` prints these tables and, with ``--xlsx FILE``, writes them as a workbook
(through :func:`supplier_analytics.reports.write_workbook`, which writes text as text). The columns carry
people's labels ("Grade before", "Grade now", "As of"); :func:`supplier_analytics.history.changes` and
:func:`supplier_analytics.history.load` give the same facts with the canonical names, for programs.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from supplier_analytics import history
>>> db = os.path.join(tempfile.mkdtemp(), "history.sqlite")
>>> history.write(db, pd.DataFrame({"supplier_id": ["S1", "S2"], "grade": ["A", "C"],
...     "overall_score": [90.0, 55.0]}), as_of="2026-01-31", run={"run_id": "r1"})
>>> history.write(db, pd.DataFrame({"supplier_id": ["S1", "S3"], "grade": ["B", "A"],
...     "overall_score": [80.0, 88.0]}), as_of="2026-02-28", run={"run_id": "r2"})
>>> title, table = grade_changes(db)
>>> title
'Grade changes as of 2026-02-28 since 2026-01-31: 1 of 2 suppliers changed grade, 1 new, 1 no longer scored'
>>> table[["Supplier", "Grade now", "What changed"]].values.tolist()
[['S1', 'B', 'Worse'], ['S3', 'A', 'New supplier'], ['S2', <NA>, 'No longer scored']]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from supplier_analytics import history as _history
from supplier_analytics.errors import InputError, UsageError
from supplier_analytics.reports import write_workbook
from supplier_analytics.reports.excel import SheetSpec

__all__ = ["history_file", "grade_changes", "supplier_history", "write_history_workbook", "CHANGE_COLUMNS"]

#: The columns of :func:`grade_changes`, in order.
CHANGE_COLUMNS = (
    "Supplier",
    "Name",
    "Grade before",
    "Grade now",
    "Score before",
    "Score now",
    "Change in points",
    "What changed",
)

_SUPPLIER_COLUMNS = {  # history column -> people's label, for one supplier's history
    "as_of": "As of",
    "grade": "Grade",
    "rank": "Rank",
    "overall_score": "Overall score",
    "delivery_score": "Delivery score",
    "quality_score": "Quality score",
    "responsiveness_score": "Responsiveness score",
}


def history_file(target: str | Path) -> Path:
    """The history database of ``target``: a job's output folder (its ``history.sqlite``), a job file
    (``[history] path``), or the SQLite file itself.

    Raises
    ------
    InputError
        Nothing there holds a history.
    """
    target = Path(target)
    if target.suffix.lower() == ".toml":
        from supplier_analytics.batch.job import load_job

        found = load_job(target).history
    elif target.is_dir():
        found = target / "history.sqlite"
    else:
        found = target
    if not found.is_file():
        raise InputError(
            f"No history at {found}; give a job's output folder (holding history.sqlite), its job file, "
            "or the history file, after at least one run."
        )
    return found


def grade_changes(path: str | Path, as_of=None) -> tuple[str, pd.DataFrame]:
    """(a sentence, a table): the suppliers whose grade changed at ``as_of`` (default: the latest run)
    since the as-of date stored before it, then new suppliers, then those no longer scored.

    Scores are points of 0-100; "What changed" is Better / Worse (by the score), New supplier or No
    longer scored.
    """
    ch = _history.changes(path, as_of)
    s = ch["summary"].iloc[0]
    day = s["as_of"].strftime("%Y-%m-%d")
    if pd.isna(s["previous_as_of"]):
        title = f"Grades as of {day}: the first run in the history, so every supplier is new ({s['suppliers']})"
    else:
        extra = [f"{n} {what}" for n, what in ((s["appeared"], "new"), (s["disappeared"], "no longer scored")) if n]
        title = (
            f"Grade changes as of {day} since {s['previous_as_of'].strftime('%Y-%m-%d')}: "
            f"{s['grade_changes']} of {s['suppliers']} suppliers changed grade" + "".join(f", {e}" for e in extra)
        )
    g = ch["grades"]
    moved = pd.DataFrame(
        {
            "Supplier": g["supplier_id"],
            "Name": g["supplier_name"],
            "Grade before": g["grade_before"],
            "Grade now": g["grade_after"],
            "Score before": g["score_before"],
            "Score now": g["score_after"],
            "Change in points": g["score_change"],
            "What changed": g["direction"].map({"better": "Better", "worse": "Worse"}).fillna("Grade changed"),
        }
    )
    order = moved["What changed"].map({"Worse": 0, "Grade changed": 1, "Better": 2})
    moved = moved.iloc[pd.DataFrame({"o": order, "c": -moved["Change in points"].abs()}).sort_values(["o", "c"]).index]

    def members(frame: pd.DataFrame, now: bool) -> pd.DataFrame:
        grade = frame["grade"].astype("string")
        score = frame["overall_score"].astype("float64")
        empty = pd.Series(pd.NA, index=frame.index, dtype="string")
        nan = pd.Series(float("nan"), index=frame.index)
        return pd.DataFrame(
            {
                "Supplier": frame["supplier_id"],
                "Name": frame["supplier_name"],
                "Grade before": empty if now else grade,
                "Grade now": grade if now else empty,
                "Score before": nan if now else score,
                "Score now": score if now else nan,
                "Change in points": nan,
                "What changed": "New supplier" if now else "No longer scored",
            }
        )

    parts = [moved]
    if not pd.isna(s["previous_as_of"]):
        parts += [members(ch["appeared"], True), members(ch["disappeared"], False)]
    table = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else moved
    return title, table.reset_index(drop=True)[list(CHANGE_COLUMNS)]


def supplier_history(path: str | Path, supplier_id: str) -> tuple[str, pd.DataFrame]:
    """(a sentence, a table): one supplier's grade, rank and scores at every as-of date, oldest first.

    A score never stored for the supplier (a dimension without data) is left out.

    Raises
    ------
    UsageError
        The supplier is not in the history (the message names close ids).
    """
    sup = _history.load(path)
    one = sup[sup["supplier_id"] == str(supplier_id)]
    if one.empty:
        import difflib

        known = sorted(sup["supplier_id"].dropna().unique())
        close = difflib.get_close_matches(str(supplier_id), known, n=3, cutoff=0.6)
        hint = f"close matches: {', '.join(close)}" if close else f"{len(known)} suppliers are stored"
        raise UsageError(f"Supplier {supplier_id!r} is not in the history {Path(path).name} ({hint}).")
    name = one["supplier_name"].dropna()
    who = f"{supplier_id} ({name.iloc[-1]})" if len(name) else str(supplier_id)
    cols = [c for c in _SUPPLIER_COLUMNS if c in one.columns and (c in ("as_of", "grade") or one[c].notna().any())]
    table = one[cols].rename(columns=_SUPPLIER_COLUMNS).reset_index(drop=True)
    table["As of"] = table["As of"].dt.strftime("%Y-%m-%d")
    n = len(table)
    return f"History of {who}: {n} as-of date{'s' if n != 1 else ''}", table


def write_history_workbook(path: str | Path, tables: list[tuple[str, str, pd.DataFrame]]) -> Path:
    """Write ``(sheet title, sentence, table)`` tables as a workbook at ``path``; returns the path.

    Scores get one decimal, ranks none, grades their colours; the sentence heads each sheet.
    """
    sheets = []
    for title, sentence, table in tables:
        scores = tuple(c for c in table.columns if c.endswith("score") or c.startswith("Score"))
        decimals = {c: 1 for c in (*scores, "Change in points") if c in table.columns}
        decimals.update({c: 0 for c in ("Rank",) if c in table.columns})
        grade = next((c for c in ("Grade now", "Grade") if c in table.columns), None)
        sheets.append(
            SheetSpec(
                title[:31],
                table,
                decimals=decimals,
                formats={"Change in points": "+0.0;-0.0;0.0"} if "Change in points" in table.columns else {},
                grade_column=grade,
                notes=(sentence,) if len(table) else (sentence, "No rows."),
            )
        )
    return write_workbook(path, sheets)
