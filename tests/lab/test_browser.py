"""The report opens in a real browser: headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it) loads
it with no console error and every image decoded. The committed screenshot (lab/results/report_screenshot.png)
comes from ``neuralab lab report lab/results --screenshot lab/results/report_screenshot.png``; the tests write
theirs to a temporary folder, so a test run leaves the checkout as it was."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuralab.lab.browser import check_page, find_chromium

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="no Chromium (/usr/bin/chromium): apt-get install chromium")
RESULTS = Path(__file__).resolve().parents[2] / "lab" / "results"


def test_the_quick_report_loads_cleanly_in_chromium(quick_run, tmp_path):
    _, out, results = quick_run
    r = check_page(out / "report.html", screenshot=tmp_path / "shot.png")
    assert r["ok"], r
    assert r["images"] == sum(len(d["figures"]) for d in results.values()) and r["title"] == "neuralab lab report"
    assert (tmp_path / "shot.png").read_bytes().startswith(b"\x89PNG")


def test_a_page_with_a_broken_image_and_a_script_error_is_caught(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,"><title>bad</title></head><body>'
                    '<img src="data:image/png;base64,iVBORw0KGgo="><script>undefined_function();</script>'
                    "</body></html>", encoding="utf-8")
    r = check_page(page)
    assert not r["ok"] and r["images"] == 1 and r["images_decoded"] == 0
    assert any("undefined_function" in e for e in r["errors"])


@pytest.mark.skipif(not (RESULTS / "report.html").exists(), reason="no committed report in lab/results")
def test_the_committed_report_loads_cleanly_and_its_screenshot_is_saved(tmp_path):
    r = check_page(RESULTS / "report.html", screenshot=tmp_path / "report_screenshot.png")
    assert r["ok"], r
    assert r["images"] > 20
    assert (tmp_path / "report_screenshot.png").read_bytes().startswith(b"\x89PNG")
    assert (RESULTS / "report_screenshot.png").read_bytes().startswith(b"\x89PNG")
