"""The review pack fits the page in a real browser: headless Chromium at 1280 px (item 10 of issue 15).

Skipped where no Chromium is installed (``.ci/run`` installs it). The Chromium set-up is the one of
test_browser.py; a copy of the page gets a probe script that writes what the browser laid out into the DOM.
"""

from __future__ import annotations

import html as _html
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import supplier_analytics as sa

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): no browser"),
    pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning"),
]

# every table and chart against the right edge of the body's content box, and the page against the window
PROBE = """<script>
window.addEventListener("load", () => {
  const body = document.body.getBoundingClientRect();
  const pad = parseFloat(getComputedStyle(document.body).paddingRight);
  const edge = body.right - pad;
  const wide = [...document.querySelectorAll("table, .chart svg, p, h2")]
    .map(e => ({tag: e.tagName, text: (e.textContent || "").slice(0, 40), right: e.getBoundingClientRect().right}))
    .filter(e => e.right > edge + 0.5);
  document.body.setAttribute("data-probe", JSON.stringify({edge, wide, tables: document.querySelectorAll("table").length,
    scroll: document.documentElement.scrollWidth, window: window.innerWidth}));
});
</script></body>"""


def _probe(tmp_path: Path, page: Path, width: int) -> dict:
    probe = page.with_name("probe-" + page.name)
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--window-size={width},900",
        "--virtual-time-budget=5000",
        "--dump-dom",
        probe.as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True).stdout
    start = dom.index('data-probe="') + len('data-probe="')
    return json.loads(_html.unescape(dom[start : dom.index('"', start)]))


def test_review_pack_fits_the_page_at_1280_px(sample_card, tmp_path):
    log = pd.DataFrame(
        {
            "supplier_id": ["V10025", "V10004"],
            "action_id": ["8D-1", "8D-2"],
            "opened": ["2025-07-01", "2026-08-01"],
            "owner": ["J. Weber", "A. Novak"],
            "description": ["Carrier change", "Second source"],
            "status": ["closed", "open"],
            "closed": ["2026-01-15", None],
        }
    )
    sa.review_pack(sample_card, actions=log, out_dir=tmp_path / "review")
    seen = _probe(tmp_path, tmp_path / "review" / "review.html", 1280)
    assert seen["window"] == 1280 and seen["tables"] >= 6
    assert seen["scroll"] <= seen["window"], seen
    assert seen["wide"] == [], f"wider than the page's column ({seen['edge']:.0f} px): {seen['wide']}"
