"""The HTML report in a real browser: headless Chromium through Selenium opens each example's page.

Chromium and its driver come from Debian (``.ci/run`` installs them as root before tox); the
test is skipped where they are missing, except under CI, where that is a failure. Screenshots
go to ``.tox/<env>/screenshots`` under tox (else a temporary folder) for a person to look at.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest
from repo_paths import EXAMPLES

from coverage_sdk.cli import main
from coverage_sdk.host.evaluate import evaluate
from coverage_sdk.policy.converter import load_case
from coverage_sdk.render.commands import report_name
from optional import optional

CASES = sorted(EXAMPLES.glob("*.json"))
NETWORK = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", re.IGNORECASE)


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs chromium and chromium-driver as root")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    optional("matplotlib", "pip install 'coverage-sdk[plots]'")
    out = tmp_path_factory.mktemp("reports")
    assert main(["report", *map(str, CASES), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    env = os.environ.get("TOX_ENV_DIR")
    folder = Path(env) / "screenshots" if env else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install 'coverage-sdk[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _missing("Debian's chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _visible(element) -> bool:
    size = element.size
    return element.is_displayed() and size["width"] > 0 and size["height"] > 0


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_each_report_renders_header_banner_table_and_plot_without_console_errors(path, reports, browser, screenshots):
    from selenium.webdriver.common.by import By

    case = load_case(path)
    page = reports / f"{report_name(case.case_id)}.html"
    text = page.read_text(encoding="utf-8")
    assert not NETWORK.search(text), "the page must not fetch anything"
    browser.get(page.as_uri())
    header = browser.find_element(By.ID, "case-header")
    assert _visible(header) and case.case_id in header.text
    rows = header.find_elements(By.CSS_SELECTOR, "#determinations tbody tr")
    dets = evaluate(case)
    assert len(rows) == len(dets)
    banner = browser.find_element(By.ID, "warnings")
    assert _visible(banner) and banner.text.startswith("Warnings")
    tables = browser.find_elements(By.CSS_SELECTOR, "table.summary-table")
    assert len(tables) == sum(1 for d in dets if d.summary_table)
    for table in tables:
        assert _visible(table) and len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 1
    plots = browser.find_elements(By.ID, "dvh-plot")
    with_dicom = sum(1 for p in (case.radiation.plans if case.radiation else []) if p.dicom) >= 2
    assert len(plots) == int(with_dicom)
    for plot in plots:
        browser.execute_script("arguments[0].scrollIntoView()", plot)
        assert _visible(plot)
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", plot) == 1200
    body = browser.find_element(By.TAG_NAME, "body").text
    assert '{"' not in body and '": ' not in body, "evidence is words and numbers, never JSON"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(screenshots / f"{path.stem}.png"))


def test_the_femur_report_shows_the_disagreement_in_the_banner(reports, browser):
    from selenium.webdriver.common.by import By

    browser.get((reports / "bcbsnc-femur-phantom-dicom.html").as_uri())
    banner = browser.find_element(By.ID, "warnings")
    assert "dicom_submitted_disagreement" in banner.text and "submitted" in banner.text.split("dicom_submitted_disagreement")[1]
    assert banner.location["y"] < browser.find_element(By.ID, "determination-1").location["y"]


def test_printing_opens_every_folded_section_and_gives_a_pdf(reports, browser):
    browser.get((reports / "bcbsm-rectal-t4-negative.html").as_uri())
    every_open = "return [...document.querySelectorAll('details')].every(d => d.open)"
    assert browser.execute_script(every_open) is False
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
    assert pdf[:5] == b"%PDF-"
    assert browser.execute_script(every_open) is True
