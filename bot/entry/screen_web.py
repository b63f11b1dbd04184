"""The floor screen over HTTP: ``/screen/<site>?token=…`` (the page), ``…/data`` (the JSON it
polls every 2 s) and ``…/screen.css``, ``…/screen.js`` (its files).

Every request needs a live token of that very site; anything else (no token, a wrong or revoked
one, another site's, an unknown path) is the same 404, so a screen's URL reveals nothing about
other sites or tokens. Responses are never cached by a proxy, send no referrer (the token is in
the URL) and may load nothing from elsewhere (Content-Security-Policy).
"""

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.numbers.floor import compute_floor
from bot.records.screen_tokens import site_of_screen_token
from bot.screen.data import build_floor_data
from bot.screen.page import (
    ASSETS,
    POLL_MILLISECONDS,
    ROTATE_MILLISECONDS,
    asset,
    render_page,
    site_slug,
)
from models import Site

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SCREEN_PREFIX = "/screen/"
HEADERS = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Robots-Tag", "noindex"),
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
]

logger = logging.getLogger(__name__)


class FloorScreen:
    """The WSGI part of ``ProdbotWSGI`` that answers under ``/screen/``."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        poll_ms: int = POLL_MILLISECONDS,
        rotate_ms: int = ROTATE_MILLISECONDS,
    ) -> None:
        self._session_factory = session_factory
        self._timing = {"poll_ms": poll_ms, "rotate_ms": rotate_ms}

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "404 Not Found", "text/plain", b"not found\n")
        parts = environ.get("PATH_INFO", "").removeprefix(SCREEN_PREFIX).split("/")
        slug, what = parts[0], "/".join(parts[1:])
        if what not in ("", "data", *ASSETS):
            return _not_found(start_response)
        token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
        try:
            return self._answer(start_response, slug=slug, what=what, token=token)
        except SQLAlchemyError as error:
            logger.warning("floor screen: the database does not answer: %s", error)
            return _answer(
                start_response, "503 Service Unavailable", "text/plain", b"database unavailable\n"
            )

    def _answer(
        self, start_response: "StartResponse", *, slug: str, what: str, token: str
    ) -> list[bytes]:
        with self._session_factory() as session:
            site_id = site_of_screen_token(session, token=token)
            site = session.get(Site, site_id) if site_id is not None else None
            if site is None or site_slug(site.name) != slug:
                return _not_found(start_response)
            if what == "data":
                view = compute_floor(session, site_id=site.id, at=datetime.now(UTC))
                if view is None:
                    return _not_found(start_response)
                body = json.dumps(build_floor_data(view), ensure_ascii=False).encode()
                return _answer(start_response, "200 OK", "application/json", body)
            if what:
                return _answer(start_response, "200 OK", ASSETS[what], asset(what) or b"")
            page = render_page(site_name=site.name, token=token, **self._timing)
            return _answer(start_response, "200 OK", "text/html; charset=utf-8", page)


def _not_found(start_response: "StartResponse") -> list[bytes]:
    return _answer(start_response, "404 Not Found", "text/plain", b"not found\n")


def _answer(
    start_response: "StartResponse", status: str, content_type: str, body: bytes
) -> list[bytes]:
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(body))), *HEADERS],
    )
    return [body]
