"""The WSGI application: Slack requests at ``/slack/events``, a health check at ``/healthz``
(the database, answered within 2 s), a readiness check at ``/readyz`` (the database and Slack)
and the floor screens at ``/screen/<site>`` (``bot.entry.screen_web``).

Run it with ``prodbot serve`` or any WSGI server, e.g.
``gunicorn 'bot.entry.wsgi:create_wsgi_app()'``.
"""

import io
import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import engine_for, make_session_factory
from bot.entry.app import create_app
from bot.entry.screen_web import SCREEN_PREFIX, FloorScreen
from bot.settings import Settings, get_settings
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import make_web_client
from bot.slack.exports import ExportSender
from bot.slack.readiness import SlackReadiness

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
# Slack's payloads are a few kilobytes (a modal's state stays well under 100 KB); anything over
# this is refused before it is read, so an unsigned flood cannot fill a worker's memory.
MAX_BODY_BYTES = 1024 * 1024

logger = logging.getLogger(__name__)


class ProdbotWSGI:
    """The WSGI callable, holding on to the board publisher and the export sender so a caller can
    wait for them."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        client = make_web_client(settings)
        self.boards = BoardPublisher(client=client, session_factory=session_factory)
        self.exports = ExportSender(client=client, session_factory=session_factory)
        bolt = create_app(
            settings=settings,
            session_factory=session_factory,
            client=client,
            boards=self.boards,
            exports=self.exports,
        )
        self._slack = SlackRequestHandler(bolt, path=SLACK_PATH)
        self.database = DatabaseCheck(session_factory)
        self.floor_screen = FloorScreen(session_factory)
        self.slack_readiness = SlackReadiness(settings)
        secret = settings.require("slack_signing_secret")["slack_signing_secret"]
        self._verifier = SignatureVerifier(secret)

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return self._health(start_response)
        if environ.get("PATH_INFO") == READY_PATH:
            return self._ready(start_response)
        if environ.get("PATH_INFO", "").startswith(SCREEN_PREFIX):
            return self.floor_screen(environ, start_response)
        if environ.get("PATH_INFO") == SLACK_PATH and environ.get("REQUEST_METHOD") == "POST":
            refusal = self._screen(environ)
            if refusal is not None:
                return _plain(start_response, *refusal)
        return self._slack(environ, start_response)

    def _health(self, start_response: "StartResponse") -> list[bytes]:
        """200 when the database answers, 503 otherwise (for load balancers and uptime checks),
        within 2 seconds either way."""
        if self.database.answers():
            return _plain(start_response, "200 OK", b"ok\n")
        return _plain(start_response, "503 Service Unavailable", b"database unavailable\n")

    def _ready(self, start_response: "StartResponse") -> list[bytes]:
        """Whether the database answers and Slack was reachable (``auth.test``, asked at most
        every 30 s): 200 with ``{"database": "ok", "slack": "ok"}``, else 503 saying which not."""
        slack = self.slack_readiness.status()
        answer = {
            "database": "ok" if self.database.answers() else "unavailable",
            "slack": slack.detail,
        }
        ready = answer["database"] == "ok" and slack.ok
        body = json.dumps(answer).encode() + b"\n"
        start_response(
            "200 OK" if ready else "503 Service Unavailable",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _screen(self, environ: "WSGIEnvironment") -> tuple[str, bytes] | None:
        """Refuse a Slack request that is too large or not signed by Slack, before anything
        parses it; otherwise leave its body, read once, for Bolt to read again."""
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return "400 Bad Request", b"bad content length\n"
        if declared > MAX_BODY_BYTES:
            logger.warning("refused a %d-byte request to %s unread", declared, SLACK_PATH)
            return "413 Content Too Large", b"request too large\n"
        # Without a Content-Length (chunked), read one byte past the limit to know it is over.
        limit = declared if declared else MAX_BODY_BYTES + 1
        body = environ["wsgi.input"].read(limit)
        if len(body) > MAX_BODY_BYTES:
            return "413 Content Too Large", b"request too large\n"
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not (timestamp.isdigit() and self._verifier.is_valid(body, timestamp, signature)):
            return "401 Unauthorized", b"invalid request signature\n"
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return None


def create_wsgi_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> ProdbotWSGI:
    """The app for ``settings``; pass ``session_factory`` to share an engine (tests, the demo)."""
    settings = settings or get_settings()
    return ProdbotWSGI(settings, session_factory or make_session_factory(engine_for(settings)))


def _plain(start_response: "StartResponse", status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class DatabaseCheck:
    """Whether the database answers ``SELECT 1``, known within ``answer_within`` seconds.

    The query runs on a thread of its own, one at a time (the engine's timeouts end it); requests
    meanwhile wait for that one, and its outcome is reused for ``reuse_for`` seconds. A check
    still running after ``answer_within`` counts as "not answering".
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        answer_within: float = 1.5,
        reuse_for: float = 1.0,
    ) -> None:
        self._session_factory = session_factory
        self._answer_within = answer_within
        self._reuse_for = reuse_for
        self._lock = threading.Lock()
        self._last: tuple[float, bool] | None = None  # (when, answered)
        self._running: threading.Event | None = None

    def answers(self) -> bool:
        with self._lock:
            if self._last is not None and time.monotonic() - self._last[0] < self._reuse_for:
                return self._last[1]
            if self._running is None:
                self._running = threading.Event()
                threading.Thread(
                    target=self._check, args=(self._running,), name="healthz", daemon=True
                ).start()
            running = self._running
        if not running.wait(self._answer_within):
            return False
        with self._lock:
            return self._last is not None and self._last[1]

    def _check(self, done: threading.Event) -> None:
        try:
            with self._session_factory() as session:
                session.execute(text("SELECT 1"))
            answered = True
        except SQLAlchemyError as error:
            if self._last is None or self._last[1]:
                logger.warning("health check: the database does not answer: %s", error)
            answered = False
        with self._lock:
            if answered and self._last is not None and not self._last[1]:
                logger.info("health check: the database answers again")
            self._last = (time.monotonic(), answered)
            self._running = None
        done.set()
