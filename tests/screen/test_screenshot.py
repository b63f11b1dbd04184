"""The README's picture of the floor screen, made from the demo's data.

``prodbot demo`` plays its story into an SQLite file; the screen of its site is then shown, on a
1920×1080 viewport, as it was on Monday at 13:58, just before the early shift ended. The picture
goes to ``.ci/artifacts/floor-screen.png``; ``docs/images/floor-screen.png`` (the README's) is
written when missing or when ``PRODBOT_UPDATE_SCREENSHOTS=1``.
"""

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.db import make_engine, make_session_factory
from bot.entry.screen_web import FloorScreen
from bot.screen.page import site_slug
from tests.demo_run import DEMO_DATABASE, DemoRun
from tests.screen.conftest import ROOT, RestartableServer
from tests.screen.support import make_token

DEMO_SITE = "Riverside Bottling"
# Monday 14 Sep 2026 in Berlin, the demo's first day: every early report is in, L2 is behind.
SHOWN_AT = datetime(2026, 9, 14, 13, 58, tzinfo=ZoneInfo("Europe/Berlin"))
README_PICTURE = ROOT / "docs" / "images" / "floor-screen.png"


@pytest.fixture
def demo_screen(demo: DemoRun, tmp_path: Path) -> Iterator[tuple[RestartableServer, str]]:
    """The floor screen of the demo's database (a copy: the token is written to it), served on
    a local port, and a token for it."""
    database = tmp_path / DEMO_DATABASE
    shutil.copyfile(demo.folder / DEMO_DATABASE, database)
    engine = make_engine(f"sqlite:///{database}")
    session_factory = make_session_factory(engine)
    token = make_token(session_factory, DEMO_SITE)
    server = RestartableServer(FloorScreen(session_factory))
    with time_machine.travel(SHOWN_AT, tick=False):
        server.start()
        try:
            yield server, token
        finally:
            server.stop()
            engine.dispose()


def test_the_readme_picture_of_the_demo(
    browser: Any, demo_screen: tuple[RestartableServer, str], artifacts: Path
) -> None:
    from playwright.sync_api import expect

    server, token = demo_screen
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{server.base_url}/screen/{site_slug(DEMO_SITE)}?token={token}")
    expect(page.locator("body")).to_have_attribute("data-updates", "1", timeout=5000)
    expect(page.locator(".tile")).to_have_count(4)  # L4 too: not planned on Monday, idle
    expect(page.locator('.tile[data-line="L2"]')).to_have_class("tile behind")
    expect(page.locator("#clock")).to_have_text("13:58")

    picture = artifacts / "floor-screen.png"
    page.screenshot(path=str(picture))
    context.close()
    if os.environ.get("PRODBOT_UPDATE_SCREENSHOTS") == "1" or not README_PICTURE.exists():
        README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(picture, README_PICTURE)
