"""Outputs: workbooks, CSV files and (later) supplier feedback packs.

Everything written here goes through :func:`safe_cell` / :func:`safe_frame_for_csv`
so that no value read from an input can become a live formula in a spreadsheet.
"""

from supplier_analytics._io import FORMULA_TRIGGERS, safe_cell, safe_filename, safe_frame_for_csv, write_csv
from supplier_analytics.reports.excel import SheetSpec, write_workbook

__all__ = [
    "SheetSpec",
    "write_workbook",
    "FORMULA_TRIGGERS",
    "safe_cell",
    "safe_frame_for_csv",
    "write_csv",
    "safe_filename",
]
