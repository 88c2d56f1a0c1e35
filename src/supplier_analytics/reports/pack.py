"""What every pack shares: its page and its workbook written side by side."""

from __future__ import annotations

from pathlib import Path

from supplier_analytics._io import write_text_atomic
from supplier_analytics.reports.excel import SheetSpec, write_workbook

__all__ = ["write_pack"]


def write_pack(out_dir, stem: str, page: str, sheets: list[SheetSpec]) -> dict[str, Path]:
    """Write ``{stem}.html`` (the page) and ``{stem}.xlsx`` (the sheets) into ``out_dir`` (created);
    returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = write_text_atomic(out / f"{stem}.html", page)
    return {f"{stem}.html": html, f"{stem}.xlsx": write_workbook(out / f"{stem}.xlsx", sheets)}
