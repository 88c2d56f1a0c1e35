"""Print a pack's HTML page to PDF through headless Chromium.

Chromium is the engine because it is the browser the packs are designed and tested in (the visual tests
render them in it), it honours the print CSS (``@page`` A4 size and margins, ``break-inside``), it needs no
Python dependency, and Debian ships it (``apt-get install chromium``; ``.ci/run`` installs it). WeasyPrint
would add a Python package and the Pango libraries, and lays pages out with its own engine, which is not
the one the packs are checked in.

The page is printed offline from the file on disk (``file://``), with no header or footer line, into a
temporary file that replaces the target only when Chromium succeeded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from supplier_analytics.errors import ConfigError

__all__ = ["find_chromium", "html_to_pdf", "PdfEngineError"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfEngineError(ConfigError):
    """No HTML-to-PDF engine (Chromium) can be found or it failed; exit code 4 on the command line."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$SUPPLIER_ANALYTICS_CHROMIUM`` if set, else the first on PATH, else None."""
    given = os.environ.get("SUPPLIER_ANALYTICS_CHROMIUM")
    if given:
        return given if Path(given).is_file() else shutil.which(given)
    return next((p for p in map(shutil.which, _NAMES) if p), None)


def html_to_pdf(html_path, pdf_path=None, *, timeout: float = 120.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` (default: the same name with ``.pdf``); returns the PDF's path.

    Raises
    ------
    PdfEngineError
        Chromium is not installed (or not found), or it did not write the PDF.
    """
    src = Path(html_path).resolve()
    out = Path(pdf_path) if pdf_path is not None else src.with_suffix(".pdf")
    exe = find_chromium()
    if exe is None:
        raise PdfEngineError(
            "No PDF written: Chromium is not installed (apt-get install chromium, or set "
            "SUPPLIER_ANALYTICS_CHROMIUM to its path); the HTML pack prints from any browser."
        )
    with tempfile.TemporaryDirectory(prefix="sa-pdf-") as tmp:
        part = Path(tmp) / "page.pdf"
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={part}",
            src.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfEngineError(f"No PDF written: Chromium ({exe}) could not print {src.name}: {exc}.") from None
        if not part.is_file() or part.stat().st_size == 0 or not part.read_bytes()[:4] == b"%PDF":
            why = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise PdfEngineError(f"No PDF written: Chromium ({exe}) failed to print {src.name}: {why}.")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(part), str(out))
    return out
