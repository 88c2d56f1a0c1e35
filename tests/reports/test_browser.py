"""The packs render in a real browser: headless Chromium (Debian's ``chromium`` package) opens them offline.

Skipped where no Chromium is installed; ``.ci/run`` installs it so that CI runs these tests. What is
checked is what the browser drew: the grade element's text, every chart's ``<svg>`` laid out with a
non-zero size and its marks parsed, a screenshot that is not blank, and a printed PDF of several pages.
The packs themselves hold no script: a copy gets a small probe script that writes what it measured into
the DOM that ``--dump-dom`` returns.
"""

from __future__ import annotations

import html as _html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import supplier_analytics as sa

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
pytestmark = [
    pytest.mark.slow,  # starts Chromium for each page
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore::supplier_analytics.InsufficientEvidenceWarning"),
]

PROBE = """<script>
window.addEventListener("load", () => {
  const grade = document.getElementById("grade");
  const svgs = [...document.querySelectorAll("svg")].map(s => {
    const r = s.getBoundingClientRect();
    return {w: r.width, h: r.height, marks: s.querySelectorAll("path, use, text").length};
  });
  const ext = [...document.querySelectorAll("[src], link[href]")].length;
  document.body.setAttribute("data-probe", JSON.stringify({grade: grade ? grade.textContent : null, svgs, ext,
    sections: [...document.querySelectorAll("section h2")].map(h => h.textContent)}));
});
</script></body>"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)


def _probe(tmp_path: Path, page: Path) -> dict:
    probe = page.with_name("probe-" + page.name)
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    dom = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()).stdout
    start = dom.index('data-probe="') + len('data-probe="')
    return json.loads(_html.unescape(dom[start : dom.index('"', start)]))


@pytest.fixture(scope="module")
def packs(tmp_path_factory, sample_card):
    root = tmp_path_factory.mktemp("browser")
    card = sample_card
    feedback = sa.feedback_pack(card, "V10025", out_dir=root / "V10025")
    sa.review_pack(card, out_dir=root / "review")
    return root, feedback


def test_feedback_pack_draws_grade_and_every_chart(packs, tmp_path):
    root, pack = packs
    seen = _probe(tmp_path, root / "V10025" / "feedback.html")
    assert seen["grade"] == pack.grade == "C"
    assert seen["ext"] == 0
    assert len(seen["svgs"]) == len(pack.figures) == 3
    for svg in seen["svgs"]:
        assert svg["w"] > 300 and svg["h"] > 100, svg
        assert svg["marks"] > 20, svg
    assert seen["sections"][:4] == [
        "Summary",
        "What would move your grade most",
        "Trends",
        "Strengths and improvements",
    ]
    assert "Position among peers" in seen["sections"]


def test_review_pack_draws_its_chart(packs, tmp_path):
    root, _ = packs
    seen = _probe(tmp_path, root / "review" / "review.html")
    assert seen["grade"] is None and seen["ext"] == 0
    assert len(seen["svgs"]) == 1 and seen["svgs"][0]["w"] > 300 and seen["svgs"][0]["h"] > 150
    assert "Relationships to prioritise" in seen["sections"]


def test_screenshot_is_not_blank_and_the_pack_prints(packs, tmp_path):
    from matplotlib.image import imread

    root, _ = packs
    page = (root / "V10025" / "feedback.html").as_uri()
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, "--window-size=1200,1800", "--hide-scrollbars", f"--screenshot={shot}", page)
    img = imread(shot)[..., :3]
    assert img.shape[:2] == (1800, 1200)
    ink = (img < 0.9).any(axis=2)  # anything not near-white: text, lines, the grade badge
    assert 0.02 < ink.mean() < 0.6
    assert len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 20  # charts and colours
    pdf = tmp_path / "pack.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", data)) >= 2  # the print rules break it into pages


WIDTH_PROBE = """<script>
window.addEventListener("load", () => {
  const page = document.documentElement.clientWidth;
  const over = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > page + 1)
    .map(e => e.tagName + (e.id ? "#" + e.id : "") + " " + (e.textContent || "").slice(0, 40));
  document.body.setAttribute("data-probe", JSON.stringify({page, scroll: document.documentElement.scrollWidth,
    over: over.slice(0, 10)}));
});
</script></body>"""


def _width_probe(tmp_path: Path, page: Path, width: int) -> dict:
    probe = page.with_name("width-" + page.name)
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", WIDTH_PROBE), encoding="utf-8")
    dom = _chromium(
        tmp_path, f"--window-size={width},900", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()
    ).stdout
    start = dom.index('data-probe="') + len('data-probe="')
    return json.loads(_html.unescape(dom[start : dom.index('"', start)]))


def test_feedback_pack_fits_a_1280_pixel_window(packs, tmp_path):
    """At 1280 px nothing reaches past the page's right edge: no table or chart wider than the window."""
    root, _ = packs
    seen = _width_probe(tmp_path, root / "V10025" / "feedback.html", 1280)
    assert 1200 <= seen["page"] <= 1280, seen
    assert seen["scroll"] <= seen["page"], seen
    assert seen["over"] == [], seen["over"]


PDFINFO, PDFTOTEXT = shutil.which("pdfinfo"), shutil.which("pdftotext")


@pytest.mark.skipif(PDFINFO is None or PDFTOTEXT is None, reason="poppler-utils (pdfinfo, pdftotext) is not installed")
def test_pdf_is_a4_with_few_pages_and_the_suppliers_text(packs, tmp_path):
    """``--pdf``'s engine prints the sample's richest pack (V10025: four areas, 81 late lines, peers) on A4
    (595 x 842 pt), in at most 5 pages, with its text extractable: the supplier's name, grade and score."""
    from supplier_analytics.reports.pdf import html_to_pdf

    root, pack = packs
    pdf = html_to_pdf(root / "V10025" / "feedback.html", tmp_path / "feedback.pdf")
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w), round(h)) == (595, 842), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 2 <= pages <= 5, pages
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert pack.supplier_name and pack.supplier_name in text
    assert f"Your score: {pack.score:.1f} out of 100, grade {pack.grade}" in " ".join(text.split())
    # every page carries text (no blank page), and the last page is the appendix
    per_page = text.split("\f")
    assert all(p.strip() for p in per_page[:pages]), [len(p) for p in per_page]
    assert "how the figures are made" in text


def test_pdf_without_chromium_is_one_clear_error(tmp_path, monkeypatch):
    from supplier_analytics.reports.pdf import PdfEngineError, html_to_pdf

    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    monkeypatch.setenv("SUPPLIER_ANALYTICS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(PdfEngineError, match="Chromium is not installed") as err:
        html_to_pdf(page)
    assert err.value.exit_code == 4 and not (tmp_path / "p.pdf").exists()
