"""The WSGI application: Slack requests at ``/slack/events``, a health check at ``/healthz``.

Run it with ``prodbot serve`` or any WSGI server, e.g.
``gunicorn 'bot.wsgi:create_wsgi_app()'``.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.db import make_engine, make_session_factory
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def create_wsgi_app(settings: Settings | None = None) -> "WSGIApplication":
    settings = settings or get_settings()
    session_factory = make_session_factory(make_engine(settings.database_url))
    slack = SlackRequestHandler(
        create_app(settings=settings, session_factory=session_factory), path=SLACK_PATH
    )

    def application(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _health(session_factory, start_response)
        return slack(environ, start_response)

    return application


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
