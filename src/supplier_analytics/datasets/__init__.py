"""Seeded synthetic procurement data, and the sample bundled in ``data/sample/``.

Two ways to get data without an ERP at hand:

* :func:`make_procurement_data` draws a realistic, seeded data set of every
  canonical table (see :mod:`supplier_analytics.schema`) together with the
  ``truth`` behind it (each supplier's on-time probability, defect rate and
  trend), so tests and notebooks can check that an analysis finds what was put
  in. :func:`write_procurement_data` writes the same data to csv, parquet or
  xlsx files in chunks, so ten million delivery lines fit in modest memory.
* :func:`load_sample` reads the small data set in ``data/sample/``;
  :func:`write_sample` (re)creates that folder, including Excel exports shaped
  like real SAP and English ERP exports and their mapping files.

Everything is vectorised with numpy (no Python loop per row) and every random
draw comes from a generator seeded by ``seed``: the same arguments give the
same frames.

The package: :mod:`.generator` (the generator), :mod:`.files` (writing generated data, reading
sample folders back through ingest), :mod:`.sample` (the bundled sample and its Excel exports).
"""

from __future__ import annotations

from supplier_analytics.datasets.files import load_sample, write_procurement_data
from supplier_analytics.datasets.generator import (
    DEFECT_CODES,
    SAMPLE_PARAMETERS,
    TRUTH_COLUMNS,
    ProcurementData,
    make_procurement_data,
)
from supplier_analytics.datasets.sample import BROKEN_CELLS, write_broken_copy, write_sample

__all__ = [
    "ProcurementData",
    "make_procurement_data",
    "write_procurement_data",
    "write_sample",
    "load_sample",
    "TRUTH_COLUMNS",
    "DEFECT_CODES",
    "SAMPLE_PARAMETERS",
    "write_broken_copy",
    "BROKEN_CELLS",
]
