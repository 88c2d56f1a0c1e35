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
needs_poppler = pytest.mark.skipif(
    PDFINFO is None or PDFTOTEXT is None, reason="poppler-utils (pdfinfo, pdftotext) is not installed"
)
MM = 72 / 25.4  # points per millimetre
#: ``@page`` margins of the packs (html.CSS): 14 mm top and sides, 16 mm bottom (landscape: 12 mm top, 14 mm bottom).
PORTRAIT_TOP, PORTRAIT_BOTTOM, SIDE = 14 * MM, 16 * MM, 14 * MM


def _pages(pdf: Path) -> list[dict]:
    """Every page of ``pdf``: its size in points and its words with their boxes (``pdftotext -bbox``)."""
    xml = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    pages = []
    for w, h, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.DOTALL):
        words = [(*map(float, m[:4]), _html.unescape(m[4])) for m in word.findall(body)]
        pages.append({"w": float(w), "h": float(h), "words": words})
    return pages


def _fill(page: dict) -> float:
    """How far down its printable area a portrait page's text reaches: 0 empty, 1 full to the bottom margin."""
    bottom = max(y1 for _, _, _, y1, _ in page["words"])
    return (bottom - PORTRAIT_TOP) / (page["h"] - PORTRAIT_TOP - PORTRAIT_BOTTOM)


@needs_poppler
def test_pdf_is_a4_on_four_full_pages_with_the_suppliers_text(packs, tmp_path):
    """``--pdf``'s engine prints the sample's richest pack (V10025: four areas, 81 late lines, peers) on A4
    (595 x 842 pt) in at most 4 pages, each but the last at least about half full (its text reaches past the
    middle of the printable area: a chart or table that cannot split used to leave pages 70% empty), with
    body text of at least 10 pt and the text extractable: the supplier's name, grade and score."""
    from supplier_analytics.reports.pdf import html_to_pdf

    root, pack = packs
    pdf = html_to_pdf(root / "V10025" / "feedback.html", tmp_path / "feedback.pdf")
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w), round(h)) == (595, 842), info
    pages = _pages(pdf)
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(pages)
    assert 2 <= len(pages) <= 4, len(pages)
    assert all((round(p["w"]), round(p["h"])) == (595, 842) for p in pages)
    assert all(p["words"] for p in pages), "a blank page"
    fills = [round(_fill(p), 2) for p in pages]
    assert min(fills[:-1]) >= 0.55, fills
    # A word's box is about 1.12 times its font size in the sans-serif fonts (Arial, Liberation Sans); the
    # body prints at 10.5 pt and tables at 10 pt (boxes of 11.7 and 11.2 pt), only chart labels are smaller.
    heights = [y1 - y0 for p in pages for _, y0, _, y1, _ in p["words"]]
    assert np.mean([hh >= 10 * 1.1 for hh in heights]) >= 0.9, np.percentile(heights, [5, 10, 50])
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert pack.supplier_name and pack.supplier_name in text
    assert f"Your score: {pack.score:.1f} out of 100, grade {pack.grade}" in " ".join(text.split())
    assert "how the figures are made" in text.split("\f")[len(pages) - 1]  # the appendix ends the pack
    # the evidence table's heading is on the same page as its header row and first records
    (where,) = [i for i, p in enumerate(pages) if "records behind it" in " ".join(x[4] for x in p["words"])]
    first = [x[4] for x in pages[where]["words"]]
    assert "Quantity" in first and str(pack.evidence["otif_rate"]["po_id"].iloc[0]) in first


@needs_poppler
def test_review_pack_prints_on_a4_with_nothing_cut_at_the_edge(packs, tmp_path):
    """The review pack prints through the same function: every page A4, the wide segments table on
    landscape pages with its header row on each, every supplier of it printed and no word past the right
    margin."""
    from supplier_analytics.reports.pdf import html_to_pdf

    root, _ = packs
    pdf = html_to_pdf(root / "review" / "review.html", tmp_path / "review.pdf")
    pages = _pages(pdf)
    sizes = {(round(p["w"]), round(p["h"])) for p in pages}
    assert sizes == {(595, 842), (842, 595)}, sizes  # portrait A4, and landscape A4 for the wide table
    for i, p in enumerate(pages):
        assert p["words"], f"page {i + 1} is blank"
        right = max(x1 for _, _, x1, _, _ in p["words"])
        assert right <= p["w"] - SIDE + 1, (i + 1, right, p["w"])
    landscape = [" ".join(x[4] for x in p["words"]) for p in pages if p["w"] > p["h"]]
    assert all("Probability" in t and "Significant" in t for t in landscape)  # the header row on every page
    text = " ".join(x[4] for p in pages for x in p["words"])
    segment_ids = re.findall(r"\((V\d{5})\)", " ".join(landscape))
    assert len(set(segment_ids)) == len(segment_ids) >= 30  # each supplier once: no row lost or doubled
    assert "Relationships to prioritise" in text and "Method" in text


def test_pdf_without_chromium_is_one_clear_error(tmp_path, monkeypatch):
    from supplier_analytics.reports.pdf import PdfEngineError, html_to_pdf

    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    monkeypatch.setenv("SUPPLIER_ANALYTICS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(PdfEngineError, match="Chromium is not installed") as err:
        html_to_pdf(page)
    assert err.value.exit_code == 4 and not (tmp_path / "p.pdf").exists()
