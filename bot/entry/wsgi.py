"""The WSGI application: Slack requests at ``/slack/events``, a health check at ``/healthz``.

Run it with ``prodbot serve`` or any WSGI server, e.g.
``gunicorn 'bot.entry.wsgi:create_wsgi_app()'``.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.entry.app import create_app
from bot.settings import Settings, get_settings
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import make_web_client

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class ProdbotWSGI:
    """The WSGI callable, holding on to the board publisher so a caller can wait for it."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        client = make_web_client(settings)
        self.boards = BoardPublisher(client=client, session_factory=session_factory)
        bolt = create_app(
            settings=settings, session_factory=session_factory, client=client, boards=self.boards
        )
        self._slack = SlackRequestHandler(bolt, path=SLACK_PATH)

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _health(self.session_factory, start_response)
        return self._slack(environ, start_response)


def create_wsgi_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> ProdbotWSGI:
    """The app for ``settings``; pass ``session_factory`` to share an engine (tests, the demo)."""
    settings = settings or get_settings()
    return ProdbotWSGI(
        settings, session_factory or make_session_factory(make_engine(settings.database_url))
    )


def _health(session_factory: sessionmaker[Session], start_response: "StartResponse") -> list[bytes]:
    """200 when the database answers, 503 otherwise (for load balancers and uptime checks)."""
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
        status, body = "200 OK", b"ok\n"
    except SQLAlchemyError:
        status, body = "503 Service Unavailable", b"database unavailable\n"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
