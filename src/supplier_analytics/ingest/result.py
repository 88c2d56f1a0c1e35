"""What an import returns: :class:`ImportResult` per file and :class:`ValidationReport` for a set."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from supplier_analytics._io import write_csv

__all__ = ["ImportResult", "ValidationReport", "REJECTED_COLUMNS", "SKIPPED_COLUMNS", "HINTS"]

#: Columns of :attr:`ImportResult.rejected` (one line per problem).
REJECTED_COLUMNS = ("source_file", "sheet", "row", "column", "value", "reason", "problem", "source_column")
#: Columns of :attr:`ImportResult.skipped` (lines not read as data).
SKIPPED_COLUMNS = ("source_file", "sheet", "row", "reason")

#: What to do about each kind of problem (keys are the ``problem`` codes of the rejected rows).
HINTS = {
    "missing required value": "fill in the value in the export, or map the column that holds it",
    "not a number": "write plain numbers; if separators were misread set decimal/thousands under the table in the mapping",
    "not a date": "use real Excel dates or text like 2025-03-31; for another format set it under [TABLE.date_formats] in the mapping",
    "date out of range": "check the year: dates must lie between 1900-01-01 and 2100-12-31",
    "negative value": "this column cannot be negative; correct the value or remove the line",
    "mixed units": "convert the column to a single unit or currency",
    "date order": "check both dates: the later event cannot come before the earlier one",
    "exact duplicate": "remove the repeated line, or keep it with duplicates='keep' (--duplicates keep) if it is real",
    "duplicate supplier": "keep one line per supplier_id in the supplier master",
    "duplicate action": "keep one line per action (supplier_id and action_id) in the action log",
    "unknown supplier": "add the supplier to the supplier master, or correct the supplier_id",
    "invalid value": "use one of the allowed values named in the reason",
    "formula without value": "open and save the file in Excel (which calculates the formulas), or export values",
    "too long": "shorten the text; a spreadsheet cell holds at most 32,767 characters",
    "wrong number of fields": "put values that hold the delimiter in double quotes (or export with another "
    "delimiter), and join lines that were broken in two",
}


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row" else object) for c in columns})


@dataclass(frozen=True)
class ImportResult:
    """One export read, mapped and validated.

    Attributes
    ----------
    table : canonical table name.
    source : the file name as given.
    sheet : sheet read (``None`` for CSV and parquet).
    data : accepted rows: the canonical columns found, in schema order and
        with schema dtypes (optional columns absent from the file stay absent),
        plus ``source_file``, ``source_sheet`` (category) and ``source_row``
        (int64: the Excel row, the CSV line where the record starts, or the
        1-based parquet record).
    rejected : one line per problem: ``source_file, sheet, row, column,
        value, reason`` plus ``problem`` (a short code to group by) and
        ``source_column`` (the header in the file).
    duplicates : second and later copies of exact duplicate records
        (``source_row``, ``duplicate_of`` and the canonical values); rejected
        with ``duplicates="reject"``, kept in ``data`` with ``"keep"``.
    skipped : lines not read as data (blank lines, totals rows), with reasons.
    rows_read, rows_accepted, rows_rejected : data rows; ``rows_read ==
        rows_accepted + rows_rejected`` (rejected rows are counted once however
        many problems they have).
    header_row : the (first) header row as the user sees it; ``None`` for parquet.
    column_map : canonical column -> header in the file.
    column_letters : canonical column -> Excel column letter (spreadsheets only).
    notes : sentences on what was decided ("header found on row 4", ...).
    other_columns : headers of the file's columns that no canonical column reads (sorted); with
        ``row_digest`` they let :func:`~supplier_analytics.ingest.combine_results` compare whole rows
        across files.
    row_digest : a 64-bit digest of each accepted row's other columns, indexed by ``source_row``
        (``None`` when every column is mapped); see :mod:`~supplier_analytics.ingest.duplicates`.
    """

    table: str
    source: str
    sheet: str | None
    data: pd.DataFrame
    rejected: pd.DataFrame
    duplicates: pd.DataFrame
    skipped: pd.DataFrame
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    header_row: int | None
    column_map: dict[str, str]
    notes: list[str] = field(default_factory=list)
    column_letters: dict[str, str] = field(default_factory=dict)
    other_columns: tuple[str, ...] = ()
    row_digest: pd.Series | None = field(default=None, repr=False, compare=False)

    def summary(self) -> dict[str, object]:
        """One row describing the import (``pd.DataFrame([r.summary() for r in results])`` makes a table)."""
        return {
            "table": self.table,
            "source": self.source,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "problems": len(self.rejected),
            "duplicates": len(self.duplicates),
            "lines_skipped": len(self.skipped),
        }

    def where(self) -> str:
        """``file`` or ``file, sheet 'S'``."""
        return self.source if self.sheet is None else f"{self.source}, sheet {self.sheet!r}"

    def summary_text(self) -> str:
        """A readable account: file, header, counts, then the problems grouped with hints."""
        unit = "line" if self.sheet is None else "row"  # CSV lines; parquet has no header row
        lines = [f"{self.table}: {self.where()}" + (f", header on {unit} {self.header_row}" if self.header_row else "")]
        lines.append(
            f"  rows read {self.rows_read} = {self.rows_accepted} accepted + {self.rows_rejected} rejected"
            + (
                f" ({len(self.skipped)} line{'s' if len(self.skipped) > 1 else ''} skipped: blank or totals)"
                if len(self.skipped)
                else ""
            )
        )
        if len(self.duplicates):
            lines.append(f"  exact duplicates: {len(self.duplicates)}")
        if len(self.rejected):
            lines.append("  problems:")
            groups = self.rejected.groupby(["column", "problem"], sort=False, dropna=False)
            for (column, problem), g in groups:
                rows = g["row"].tolist()
                shown = ", ".join(str(r) for r in rows[:20]) + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")
                src = g["source_column"].iloc[0]
                letter = self.column_letters.get(column)
                place = column
                if isinstance(src, str) and src:
                    place += f" ({src!r}" + (f", column {letter})" if letter else ")")
                reasons = g["reason"].unique()
                reason = reasons[0] if len(reasons) == 1 else problem
                noun = "row" if len(rows) == 1 else "rows"
                lines.append(f"    - {self.where()}, {place}: {reason}: {len(rows)} {noun}: {shown}")
                if len(reasons) == 1 and len(rows) <= 5:
                    vals = [v for v in g["value"].tolist() if isinstance(v, str) and v]
                    if vals:
                        lines[-1] += " (values: " + ", ".join(repr(v) for v in vals[:5]) + ")"
                elif len(reasons) > 1:
                    for r, rr in list(zip(g["row"], g["reason"]))[:5]:
                        lines.append(f"        row {r}: {rr}")
                hint = HINTS.get(problem)
                if hint:
                    lines.append(f"      what to do: {hint.replace('TABLE', self.table)}")
        for n in self.notes:
            lines.append(f"  note: {n}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<ImportResult {self.table} from {self.where()}: rows read {self.rows_read} = "
            f"{self.rows_accepted} accepted + {self.rows_rejected} rejected>"
        )


@dataclass(frozen=True)
class ValidationReport:
    """Several exports read and cross-checked by :func:`~supplier_analytics.ingest.validate_files`."""

    results: dict[str, ImportResult]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Canonical table name -> accepted rows."""
        return {t: r.data for t, r in self.results.items()}

    @property
    def rejected(self) -> pd.DataFrame:
        """Every rejected line of every table, with a leading ``table`` column."""
        frames = [r.rejected.assign(table=t) for t, r in self.results.items() if len(r.rejected)]
        if not frames:
            out = _empty(REJECTED_COLUMNS)
            out.insert(0, "table", pd.Series([], dtype=object))
            return out
        out = pd.concat(frames, ignore_index=True)
        return out[["table", *REJECTED_COLUMNS]]

    @property
    def rows_read(self) -> int:
        return sum(r.rows_read for r in self.results.values())

    @property
    def rows_accepted(self) -> int:
        return sum(r.rows_accepted for r in self.results.values())

    @property
    def rows_rejected(self) -> int:
        return sum(r.rows_rejected for r in self.results.values())

    def summary(self) -> pd.DataFrame:
        """One row per table (see :meth:`ImportResult.summary`)."""
        return pd.DataFrame([r.summary() for r in self.results.values()])

    def summary_text(self) -> str:
        """Per table: file, sheet, header row, rows read = accepted + rejected, grouped problems and hints."""
        parts = [r.summary_text() for r in self.results.values()]
        verdict = (
            "All rows accepted."
            if self.rows_rejected == 0
            else f"{self.rows_rejected} rows rejected: fix them in the exports or see rejected_rows.csv."
        )
        parts.append(
            f"Total: rows read {self.rows_read} = {self.rows_accepted} accepted + {self.rows_rejected} rejected. "
            + verdict
        )
        return "\n\n".join(parts)

    def write(self, out_dir: str | Path) -> Path:
        """Write ``rejected_rows.csv`` and ``validation.json`` (counts, files, notes) into ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        # values come from the inputs: formula triggers are neutralised
        write_csv(self.rejected, out / "rejected_rows.csv", encoding="utf-8")
        doc = {
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "tables": {
                t: {
                    **{k: v for k, v in r.summary().items() if k != "table"},
                    "notes": list(r.notes),
                    "column_map": dict(r.column_map),
                }
                for t, r in self.results.items()
            },
        }
        (out / "validation.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
        return out

    def __repr__(self) -> str:
        return (
            f"<ValidationReport {', '.join(self.results)}: rows read {self.rows_read} = "
            f"{self.rows_accepted} accepted + {self.rows_rejected} rejected>"
        )
