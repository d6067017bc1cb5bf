"""Debian's Chromium driven by Playwright: one browser for the whole session, never downloaded."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.live import ROOT

SCREENSHOTS = ROOT / "test-output" / "e2e"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps reaching for Google's hosts, which this
# closed network refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    # Playwright's sync API leaves its event loop marked as running in this thread, which
    # Django takes for an async context and refuses the ORM in. No Django code runs in that
    # loop, so while the browser is open (a test process runs other modules beside it under
    # pytest-xdist) the ORM is allowed.
    with sync_playwright() as playwright, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def page_screenshot(html: str, width: int, target: Path) -> Path:
    """A screenshot of `html` with its own CSS, by Debian's Chromium in a process of its own
    (Playwright's loop in the test's thread would stop the ORM of the tests after it); the HTML
    is kept beside it."""
    # Imported here: only a test that draws a page needs the static files' finders.
    from django.contrib.staticfiles import finders

    def local(match):
        # The manifest storage's names carry a hash of the content: the source has none.
        name = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", match.group(1))
        found = finders.find(name)
        return f'"{Path(found).as_uri()}"' if found else '""'

    target.parent.mkdir(parents=True, exist_ok=True)
    source = target.with_name(f"{target.name}.html")
    source.write_text(re.sub(r'"/static/([^"?]+)[^"]*"', local, html))
    target.unlink(missing_ok=True)
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_ARGS,
            f"--screenshot={target}",
            f"--window-size={width},2600",
            "--hide-scrollbars",
            source.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert target.stat().st_size > 10_000  # a page was drawn, not a blank
    return target
