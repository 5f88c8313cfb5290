"""Driving the Gradio demos with a real browser: Debian's Chromium through Playwright (no browser download).

Playwright is pointed at the system's Chromium (`/usr/bin/chromium`, or `CLASSICNETS_CHROMIUM`), headless, with
the flags a root user in a container needs; every request that does not go to the demo's own server is aborted,
so a page never waits on the internet (web fonts, analytics). Used by the tests in this folder and by
`python -m tests.demos.screenshots` (the PNGs under docs/).
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read when gradio is imported
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                 "--disable-extensions", "--disable-sync", "--no-first-run", "--mute-audio"]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 120_000  # generous: the machine is shared, and a first request warms torch up


def chromium_path() -> str | None:
    """The system Chromium (Debian's package installs /usr/bin/chromium), or None."""
    for candidate in (os.environ.get("CLASSICNETS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@contextlib.contextmanager
def launched_browser():
    """A headless Chromium (Playwright `Browser`); raises RuntimeError saying why when there is none."""
    from playwright.sync_api import Error, sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium found at /usr/bin/chromium (install Debian's: apt-get install -y chromium; "
                           "or set CLASSICNETS_CHROMIUM)")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        except Error as err:
            raise RuntimeError(f"Chromium at {path} did not start: {str(err).splitlines()[0]}") from None
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def served(demo):
    """`demo` served on 127.0.0.1 in this process (a free port from 7860 up); yields its URL; closed after."""
    from classicnets.demos import launch_demo

    url = launch_demo(demo, block=False, quiet=True)
    try:
        yield url.rstrip("/")
    finally:
        demo.close()


def open_page(browser, url: str, ready_selector: str):
    """A new page on the demo, with every request to another host aborted; waits until `ready_selector` shows."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(ready_selector, state="visible")
    return page


def set_number(page, elem_id: str, value) -> None:
    """Type into the number box of a gr.Slider / gr.Number and commit it (Enter, then leave the field)."""
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")
    box.blur()


def wait_idle(page, elem_id: str) -> None:
    """Wait until the output `elem_id` has no pending/processing status (Gradio's status tracker is hidden)."""
    page.wait_for_function(
        """id => { const t = document.querySelector(`#${id} [data-testid="status-tracker"]`);
                   return !t || t.classList.contains("hide") || t.offsetParent === null
                          || !/processing|pending/i.test(t.textContent); }""", arg=elem_id)


def image_of(page, elem_id: str, previous: str | None = None, timeout: float = TIMEOUT_MS / 1000):
    """`(PIL image, src)` shown by the gr.Image `elem_id`, once its src differs from `previous`."""
    from PIL import Image

    deadline = time.monotonic() + timeout
    img = page.locator(f"#{elem_id} img").first
    while True:
        src = img.get_attribute("src") if img.count() else None
        if src and src != previous:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"#{elem_id} shows no new image (src {src!r})")
        page.wait_for_timeout(100)
    if src.startswith("data:"):
        data = base64.b64decode(src.split(",", 1)[1])
    else:
        response = page.request.get(src)
        assert response.ok, f"GET {src} -> {response.status}"
        data = response.body()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, src
