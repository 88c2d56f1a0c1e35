"""Shared fixtures: the bundled sample, scored once per test session (per worker under pytest-xdist)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import supplier_analytics as sa

#: The bundled sample data (data/sample), as `make demo` scores it.
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="session")
def sample_data() -> sa.ProcurementData:
    """The sample's canonical tables (load_sample)."""
    return sa.load_sample(SAMPLE)


@pytest.fixture(scope="session")
def sample_card(sample_data) -> sa.Scorecard:
    """The sample scored with its own configuration and exclusions, as `make demo` does.

    Shared by every module that reads it: treat it as read-only (copy a frame before changing it).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.InsufficientEvidenceWarning)
        return sa.score(
            deliveries=sample_data.deliveries,
            inspections=sample_data.inspections,
            requests=sample_data.requests,
            suppliers=sample_data.suppliers,
            exclusions=sample_data.exclusions,
            config=SAMPLE / "scoring.toml",
        )
