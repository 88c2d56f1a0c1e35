"""Exceptions, warnings and CLI exit codes of supplier-analytics.

Every error the library raises on bad input or configuration is a
:class:`SupplierAnalyticsError`; its message is one sentence that names the
file (and where known the sheet, row and column) and says what to do. The CLI
prints that sentence and exits with the class's ``exit_code``; it shows a
traceback only with ``--debug``. This module imports nothing else of ours.
"""

from __future__ import annotations

__all__ = [
    "SupplierAnalyticsError",
    "InputError",
    "ValidationError",
    "ConfigError",
    "UsageError",
    "DataWarning",
    "InsufficientEvidenceWarning",
    "EXIT_OK",
    "EXIT_INTERNAL",
    "EXIT_USAGE",
    "EXIT_INPUT",
    "EXIT_CONFIG",
    "EXIT_REJECTED",
    "EXIT_ALERTS",
    "EXIT_LOCKED",
    "LockedError",
]

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug: please report it with the --debug output
EXIT_USAGE = 2  # wrong command-line arguments (argparse's own code)
EXIT_INPUT = 3  # an input file cannot be read or mapped
EXIT_CONFIG = 4  # the scoring configuration, mapping or job file is invalid
EXIT_REJECTED = 5  # completed, but rows were rejected (validate: any; run: above the threshold)
EXIT_ALERTS = 6  # completed, and alerts were raised that the job asked to fail on
EXIT_LOCKED = 7  # run: another run holds the output folder or history (waited [limits] lock_wait_seconds)


class SupplierAnalyticsError(Exception):
    """Base class of the library's documented errors."""

    exit_code = EXIT_INTERNAL


class InputError(SupplierAnalyticsError, ValueError):
    """An input file cannot be read at all, or lacks a required column."""

    exit_code = EXIT_INPUT


class ValidationError(SupplierAnalyticsError, ValueError):
    """Input data breaks the rules in a way that cannot be kept as rejected rows.

    ``failure_cases`` holds a DataFrame of every problem found (all are
    collected before raising).
    """

    exit_code = EXIT_INPUT

    def __init__(self, message: str, failure_cases=None):
        super().__init__(message)
        self.failure_cases = failure_cases


class ConfigError(SupplierAnalyticsError, ValueError):
    """A configuration, mapping or job file is invalid; the message names the key."""

    exit_code = EXIT_CONFIG


class UsageError(SupplierAnalyticsError, ValueError):
    """A command or call lacks its inputs, or an argument names something the data do not hold
    (an unknown ``--supplier`` id); the message says what to give instead."""

    exit_code = EXIT_USAGE


class LockedError(SupplierAnalyticsError):
    """Another run holds the job's output folder or history database; nothing was changed."""

    exit_code = EXIT_LOCKED


class DataWarning(UserWarning):
    """Doubtful but legal data: the computation goes on, the user should look."""


class InsufficientEvidenceWarning(DataWarning):
    """A supplier has too little evidence to be graded with confidence."""
