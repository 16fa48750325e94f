"""End to end in a real headless Chromium (the Debian `chromium` package, driven by
Playwright, never `playwright install`): log in, ingest a report, extract, resolve, review
and confirm its event, see the dashboard figure change, check an article, log out.
Screenshots of each page go to test-artifacts/web/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, Server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
REPORT = """---
title: Two arrested for inciting subversion
published: 2025-03-04
---
National security police arrested Lee Tsz-ching, 28, and Mak Wing-yan, 31, on Monday on \
suspicion of inciting subversion under the national security law.
"""
ARTICLE = (
    "Police have arrested more than 10,000 people under the national security law since "
    "2020, officials said on Monday."
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CASEBOOK_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Chromium is required (CASEBOOK_REQUIRE_CHROMIUM=1) but not installed")
        pytest.skip("/usr/bin/chromium is missing: apt-get install chromium (scripts/test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def figure_text(page: object) -> str:
    page.goto("/")  # type: ignore[attr-defined]
    return str(page.locator('[data-rule="nsl-arrests"]').inner_text())  # type: ignore[attr-defined]


def test_e2e_monitor_workflow(chromium: object, server: Server, tmp_path: Path) -> None:
    context = chromium.new_context(base_url=server.url)  # type: ignore[attr-defined]
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto("/")
    assert page.url.endswith("/login")
    shot(page, "01-login")
    page.fill("input[name=name]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    before = figure_text(page)
    shot(page, "02-dashboard-before")

    report = tmp_path / "two-arrested.md"
    report.write_text(REPORT, encoding="utf-8")
    page.goto("/ingest")
    page.set_input_files("input[name=files]", str(report))
    page.click("text=Upload and ingest")
    page.wait_for_selector("#outcome td.result")
    assert page.inner_text("#outcome td.result") == "ingested"
    # The upload's progress bar, moved by casebook.js from htmx's progress events.
    assert page.get_attribute("#upload-progress", "value") == "100"
    shot(page, "03-ingested")
    page.click("text=Extract candidate events")
    page.wait_for_selector("#outcome >> text=extracted")
    assert "extracted 1 candidate events from 1 sources" in page.inner_text("#outcome")
    page.click("text=Resolve: link names")
    page.wait_for_selector("#outcome >> text=resolved")
    shot(page, "04-extracted-and-resolved")

    page.goto("/events?type=arrest&since=2025-03-01&until=2025-03-31")
    shot(page, "05-events")
    page.click("table a[href^='/events/']")
    assert "Lee Tsz-ching" in page.inner_text("main") or "arrest" in page.inner_text("main")
    shot(page, "06-event")
    page.click("button:has-text('Confirm')")
    page.wait_for_selector("text=decision")
    shot(page, "07-confirmed")

    after = figure_text(page)
    assert after != before
    shot(page, "08-dashboard-after")

    page.goto("/sources?q=subversion")
    page.click("a:has-text('Two arrested for inciting subversion')")
    assert page.locator("mark").count() >= 1
    shot(page, "09-source")

    page.goto("/check")
    page.fill("textarea[name=text]", ARTICLE)
    page.fill("input[name=published]", "2024-07-01")
    page.click("button:has-text('Check')")
    page.wait_for_selector("#checked mark")
    assert page.inner_text("td.verdict") in ("supported", "contradicted", "unverifiable")
    shot(page, "10-check")

    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r"/login$"))
    page.goto("/review")
    assert page.url.endswith("/login")
    shot(page, "11-logged-out")
    assert not errors, errors  # no CSP violations, no script errors
    context.close()


def test_e2e_pages_read_with_javascript_off(chromium: object, server: Server) -> None:
    context = chromium.new_context(base_url=server.url, java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=name]", "viewer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/sources")
    page.fill("input[name=q]", "subversion")
    page.click("button:has-text('Search')")
    assert page.locator("#results a[href^='/sources/']").count() >= 1
    shot(page, "20-search-without-javascript")
    context.close()
