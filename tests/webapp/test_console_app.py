"""`bootcamp-bot chat` serves the Mini App on a local port: `:app` gives the
current user's launch address, which a browser (here: a plain request) opens."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bot.config import Settings
from bot.sandbox.console import Console
from bot.webapp.server import HEADER


async def test_the_console_gives_the_apps_address(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DATA_DIR=str(tmp_path),
        BOT_RENDER_PROCESSES="0",
    )
    lines: list[str] = []
    console = Console(settings, files_dir=tmp_path, write=lines.append)
    await console.start()
    try:
        await console.handle(":app")
        found = re.search(r"open in a browser: (\S+)\)", lines[-1])
        assert found, lines[-1]
        address = urlsplit(found.group(1))
        init_data = parse_qs(address.fragment)["tgWebAppData"][0]
        base = f"{address.scheme}://{address.netloc}"
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{base}/app/api/me", headers={HEADER: init_data}) as response,
        ):
            assert response.status == 200
            assert (await response.json())["name"] == "You"
        assert address.path == "/app/"
        assert parse_qs(address.query) == {"view": ["progress"]}
    finally:
        await console.stop()
