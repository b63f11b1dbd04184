"""The floor screen's page and its static files, read from ``bot/screen/assets``.

The HTML names its stylesheet, script and data URL with the site's slug and the token, so every
request the page makes carries the token; each value is HTML-escaped on the way in.
"""

import html
import re
import unicodedata
from functools import cache
from importlib.resources import files
from string import Template
from urllib.parse import quote

# The files the page loads, and their content types; nothing else is served.
ASSETS = {"screen.css": "text/css; charset=utf-8", "screen.js": "text/javascript; charset=utf-8"}
POLL_MILLISECONDS = 2000
ROTATE_MILLISECONDS = 15000


def site_slug(name: str) -> str:
    """The site's name as it appears in the screen's URL: ``Riverside Bottling`` →
    ``riverside-bottling`` (accents dropped, anything else between words a hyphen)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "site"


def screen_path(site_name: str) -> str:
    return f"/screen/{site_slug(site_name)}"


def screen_url(base_url: str, site_name: str, token: str) -> str:
    """The address to open on the screen, token included."""
    return f"{base_url.rstrip('/')}{screen_path(site_name)}?token={quote(token, safe='')}"


def render_page(
    *,
    site_name: str,
    token: str,
    poll_ms: int = POLL_MILLISECONDS,
    rotate_ms: int = ROTATE_MILLISECONDS,
) -> bytes:
    base = screen_path(site_name)
    query = f"?token={quote(token, safe='')}"
    values = {
        "title": f"{site_name} · floor",
        "site": site_name,
        "css": f"{base}/screen.css{query}",
        "js": f"{base}/screen.js{query}",
        "data": f"{base}/data{query}",
        "poll_ms": str(poll_ms),
        "rotate_ms": str(rotate_ms),
    }
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    return _template().substitute(escaped).encode()


def asset(name: str) -> bytes | None:
    """The bytes of a static file of the page, None for any other name."""
    if name not in ASSETS:
        return None
    return _read(name).encode()


@cache
def _template() -> Template:
    return Template(_read("screen.html"))


@cache
def _read(name: str) -> str:
    return files("bot.screen").joinpath("assets", name).read_text(encoding="utf-8")
