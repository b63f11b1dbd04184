"""Helpers of the floor screen tests: tokens, and requests straight into the WSGI app."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from wsgiref.util import setup_testing_defaults

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.entry.wsgi import ProdbotWSGI
from bot.records.screen_tokens import create_screen_token

# The sample plant's one site, as its screen URL names it.
SLUG = "riverside"


def make_token(
    session_factory: sessionmaker[Session], site: str = "Riverside", label: str | None = None
) -> str:
    with session_scope(session_factory) as session:
        return create_screen_token(session, site_name=site, label=label, at=datetime.now(UTC)).token


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def get(app: ProdbotWSGI, path: str, query: str = "", method: str = "GET") -> Answer:
    """``path?query`` asked of ``app`` the way a WSGI server would."""
    environ: dict[str, Any] = {
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REQUEST_METHOD": method,
        "wsgi.input": BytesIO(b""),
    }
    setup_testing_defaults(environ)
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started.extend([status, headers])

    body = b"".join(app(environ, start_response))  # type: ignore[arg-type]
    return Answer(int(started[0].split()[0]), dict(started[1]), body)
