"""Fixtures of the floor screen's browser tests: headless Chromium (Debian's ``chromium`` under
Playwright), and the app on a port that can be stopped and started again.

Without Chromium the browser tests are skipped, except in CI (``CI`` set), where they fail:
``.ci/run`` installs it.
"""

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

import pytest

from bot.entry.wsgi import ProdbotWSGI
from tests.conftest import _QuietHandler, _ThreadingWSGIServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".ci" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the floor screen's browser tests (see .ci/run)")
    pytest.skip(f"{reason}: install Debian's chromium and playwright to run the browser tests")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module's tests."""
    if shutil.which(CHROMIUM) is None:
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class RestartableServer:
    """A WSGI app served on one port of this machine, which a test can stop and start again."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = 0
        self._server: WSGIServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1",
            self.port,
            self.app,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def screen_server(served_app: ProdbotWSGI) -> Iterator[RestartableServer]:
    server = RestartableServer(served_app)
    server.start()
    yield server
    server.stop()
