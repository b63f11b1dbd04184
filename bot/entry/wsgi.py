"""The WSGI application: Slack requests at ``/slack/events``, a health check at ``/healthz``.

Run it with ``prodbot serve`` or any WSGI server, e.g.
``gunicorn 'bot.entry.wsgi:create_wsgi_app()'``.
"""

import io
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.entry.app import create_app
from bot.settings import Settings, get_settings
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import make_web_client
from bot.slack.exports import ExportSender

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
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
        secret = settings.require("slack_signing_secret")["slack_signing_secret"]
        self._verifier = SignatureVerifier(secret)

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _health(self.session_factory, start_response)
        if environ.get("PATH_INFO") == SLACK_PATH and environ.get("REQUEST_METHOD") == "POST":
            refusal = self._screen(environ)
            if refusal is not None:
                return _plain(start_response, *refusal)
        return self._slack(environ, start_response)

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
    return ProdbotWSGI(
        settings, session_factory or make_session_factory(make_engine(settings.database_url))
    )


def _plain(start_response: "StartResponse", status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _health(session_factory: sessionmaker[Session], start_response: "StartResponse") -> list[bytes]:
    """200 when the database answers, 503 otherwise (for load balancers and uptime checks)."""
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
        status, body = "200 OK", b"ok\n"
    except SQLAlchemyError:
        status, body = "503 Service Unavailable", b"database unavailable\n"
    return _plain(start_response, status, body)
