"""A real Chromium (Debian's package) driven through its chromedriver, for the desk's browser tests.

Selenium's calls block; the bot and its desk run in the test's event loop, so every call goes to a
worker thread (``asyncio.to_thread``) and the loop keeps serving the pages the browser asks for.
Each call is one step a person would take (open, click, type, read); ``steps`` counts them.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 15.0

T = TypeVar("T")


def options(profile: str) -> webdriver.ChromeOptions:
    chosen = webdriver.ChromeOptions()
    chosen.binary_location = CHROMIUM
    # Headless, as root in a container, and quiet: this machine's network is closed, and Chromium's
    # background connections (updates, sync, safe browsing) would fail by the dozen.
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        chosen.add_argument(flag)
    return chosen


class Browser:
    def __init__(self) -> None:
        if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
            raise RuntimeError("Chromium is missing: apt-get install chromium chromium-driver (.ci/run does)")
        self._profile = tempfile.mkdtemp(prefix="desk-browser-")
        # An explicit driver path: Selenium Manager would otherwise try to download one.
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options(self._profile))
        self.steps = 0

    async def _run(self, call: Callable[[], T]) -> T:
        self.steps += 1
        return await asyncio.to_thread(call)

    async def open(self, url: str) -> None:
        await self._run(lambda: self.driver.get(url))

    async def click(self, css: str) -> None:
        await self._run(lambda: self.driver.find_element(By.CSS_SELECTOR, css).click())

    async def click_link(self, text: str) -> None:
        await self._run(lambda: self.driver.find_element(By.PARTIAL_LINK_TEXT, text).click())

    async def type(self, css: str, text: str) -> None:
        def type_in() -> None:
            field = self.driver.find_element(By.CSS_SELECTOR, css)
            field.clear()
            field.send_keys(text)

        await self._run(type_in)

    async def choose(self, css: str, value: str) -> None:
        await self._run(lambda: Select(self.driver.find_element(By.CSS_SELECTOR, css)).select_by_value(value))

    async def text(self, css: str = "body") -> str:
        return await self._run(lambda: str(self.driver.find_element(By.CSS_SELECTOR, css).text))

    async def attribute(self, css: str, name: str) -> str:
        return await self._run(lambda: str(self.driver.find_element(By.CSS_SELECTOR, css).get_attribute(name)))

    async def wait_for_text(self, css: str, text: str, reload: bool = False) -> None:
        """Until the element holds ``text`` (reloading the page between looks, when asked)."""

        def wait() -> None:
            def holds(driver: webdriver.Chrome) -> bool:
                found = driver.find_elements(By.CSS_SELECTOR, css)
                try:
                    if found and text in found[0].text:
                        return True
                except WebDriverException as exc:
                    # Chromium's other word for a stale element, when the next page replaced the document
                    # between finding the element and reading it (seen once on a loaded machine).
                    if "does not belong to the document" not in str(exc):
                        raise
                    return False
                if reload:
                    driver.refresh()
                return False

            # A click's page is still loading: the element of the page before it may go stale meanwhile.
            ignored = (StaleElementReferenceException,)
            WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.3, ignored_exceptions=ignored).until(holds)

        await self._run(wait)

    async def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        await self._run(lambda: self.driver.save_screenshot(str(path)))

    @property
    def url(self) -> str:
        return str(self.driver.current_url)

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self._profile, ignore_errors=True)
