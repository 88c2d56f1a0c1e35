"""Neutralising text that a spreadsheet would evaluate (CSV/formula injection).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is evaluated as a formula by Excel, LibreOffice and Google Sheets when
the file is opened. Text values from inputs (supplier names, defect codes,
comments) are therefore written with a leading apostrophe in CSV files (the
OWASP recommendation) and as explicit text cells with the quote prefix in
workbooks. Numbers stay numbers: only text is touched.

Examples
--------
>>> safe_cell("=SUM(A1:A9)")
"'=SUM(A1:A9)"
>>> safe_cell("-12")
"'-12"
>>> safe_cell(-12.5)
-12.5
>>> safe_cell("ACME Ltd")
'ACME Ltd'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def needs_neutralising(value) -> bool:
    """Whether ``value`` is text that a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(value):
    """Return ``value`` with a leading apostrophe when it is text a spreadsheet would evaluate."""
    return "'" + value if needs_neutralising(value) else value


def safe_frame_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot act as formulas; numbers and dates unchanged."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            text = s.astype("object")
            mask = text.map(needs_neutralising).astype(bool)
            if mask.any():
                text = text.where(~mask, "'" + text[mask].astype(str))
                out[col] = text
    # Column headers come from inputs too.
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``frame`` as UTF-8 CSV (with BOM, so Excel reads accents) with formula triggers neutralised."""
    path = Path(path)
    kwargs.setdefault("index", False)
    kwargs.setdefault("encoding", "utf-8-sig")
    kwargs.setdefault("date_format", "%Y-%m-%d")
    safe_frame_for_csv(frame).to_csv(path, **kwargs)
    return path
