"""Debian's Chromium driven through chromedriver's W3C WebDriver protocol.

A few dozen lines of HTTP instead of a client library: the walk needs to open
pages, find elements, click, type, read text, wait and take screenshots, and
chromedriver speaks exactly that over JSON. The browser runs headless at phone
size (390 × 844 CSS pixels, as an iPhone 12-15 shows a Mini App).
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.sandbox.webhook import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C WebDriver element key
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}


def available() -> bool:
    return Path(CHROMIUM).exists() and shutil.which(CHROMEDRIVER) is not None


class BrowserError(AssertionError):
    """The page did not do what the walk expected."""


STALE = "stale element reference"


class Browser:
    """One WebDriver session."""

    def __init__(self, http: aiohttp.ClientSession, root: str, session: str, shots: Path) -> None:
        self._http = http
        self._root = f"{root}/session/{session}"
        self.shots = shots

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self._http.request(method, self._root + path, json=body) as response:
            data = await response.json()
        if response.status != 200:
            raise BrowserError(f"{method} {path}: {data.get('value')}")
        return data["value"]

    async def open(self, url: str) -> None:
        await self._call("POST", "/url", {"url": url})

    async def find(self, css: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """The first element matching `css`, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while True:
            found = await self._call("POST", "/elements", {"using": "css selector", "value": css})
            if found:
                first = found[0]
                return str(first[ELEMENT])
            if time.monotonic() > deadline:
                raise BrowserError(f"no element {css!r} within {timeout} s")
            await asyncio.sleep(0.1)

    async def _on(self, css: str, method: str, action: str, body: Any = None) -> Any:
        """`action` on the element matching `css`, found afresh if the page redrew it.

        A page that re-renders (a filtered table, a view switch) replaces the
        element between finding it and using it; WebDriver then answers "stale
        element reference", and the same selector finds the new one.
        """
        for attempt in range(5):
            element = await self.find(css)
            try:
                return await self._call(method, f"/element/{element}/{action}", body)
            except BrowserError as error:
                if STALE not in str(error) or attempt == 4:
                    raise
            await asyncio.sleep(0.1)
        raise AssertionError("unreachable")

    async def click(self, css: str) -> None:
        await self._on(css, "POST", "click", {})

    async def type(self, css: str, text: str, *, clear: bool = True) -> None:
        if clear:
            await self._on(css, "POST", "clear", {})
        await self._on(css, "POST", "value", {"text": text})

    async def text(self, css: str) -> str:
        return str(await self._on(css, "GET", "text"))

    async def script(self, source: str, *args: Any) -> Any:
        return await self._call("POST", "/execute/sync", {"script": source, "args": list(args)})

    async def wait_text(self, css: str, wanted: str, timeout: float = 15.0) -> str:  # noqa: ASYNC109
        """Wait until the element's text contains `wanted`; the text."""
        deadline = time.monotonic() + timeout
        seen = ""
        while time.monotonic() < deadline:
            try:
                seen = await self.text(css)
            except BrowserError:
                seen = ""
            if wanted in seen:
                return seen
            await asyncio.sleep(0.2)
        raise BrowserError(f"{css!r} never read {wanted!r} (last: {seen!r})")

    async def screenshot(self, name: str) -> Path:
        """A PNG of the viewport, saved under the artifacts folder."""
        data = await self._call("GET", "/screenshot")
        path = self.shots / f"{name}.png"
        path.write_bytes(base64.b64decode(data))
        return path

    async def console_errors(self) -> list[str]:
        """Errors the page logged (a CSP violation shows here)."""
        return [line for line in await self.console_log() if line.startswith("SEVERE")]

    async def console_log(self) -> list[str]:
        """Everything the page logged since the last call, as 'LEVEL message'."""
        try:
            entries = await self._call("POST", "/se/log", {"type": "browser"})
        except BrowserError:
            return []
        return [f"{e.get('level')} {e.get('message')}" for e in entries]


@asynccontextmanager
async def chromium(shots: Path) -> AsyncIterator[Browser]:
    """Headless Chromium at phone size through a chromedriver of our own."""
    await asyncio.to_thread(shots.mkdir, parents=True, exist_ok=True)
    port = free_port()
    driver = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
        [CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    root = f"http://127.0.0.1:{port}"
    options = {
        "binary": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        "mobileEmulation": {"deviceMetrics": PHONE},
    }
    capabilities = {
        "capabilities": {
            "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": options,
                "goog:loggingPrefs": {"browser": "ALL"},
            }
        }
    }
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"{root}/status") as status:
                        if status.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            async with http.post(f"{root}/session", json=capabilities) as response:
                created = await response.json()
            if response.status != 200:
                raise BrowserError(f"chromedriver: {created.get('value')}")
            session = created["value"]["sessionId"]
            browser = Browser(http, root, session, shots)
            try:
                yield browser
            except BaseException:
                # What the page showed and logged when the walk broke off.
                await browser.screenshot("failure")
                (shots / "failure-console.txt").write_text(
                    "\n".join(await browser.console_log()) + "\n"
                )
                raise
            finally:
                async with http.delete(f"{root}/session/{session}"):
                    pass
    finally:
        driver.terminate()
        try:
            await asyncio.to_thread(driver.wait, 10)
        except subprocess.TimeoutExpired:
            driver.kill()
