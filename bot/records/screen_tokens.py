"""Floor screen tokens: make one for a site, revoke one, list them, and find the site of one.

A token is ``secrets.token_urlsafe(32)`` (43 URL-safe characters, 256 random bits), shown once
inside the screen's URL. Only its SHA-256 is stored, so a copy of the database opens no screen;
a token is found by its hash (a unique index), then compared in constant time.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.records.audit import audit
from models import ScreenToken, Site

PREFIX_LENGTH = 6
# Shorter than this, a prefix is too likely to name several tokens to be worth looking up.
MIN_PREFIX = 4
ACTOR = "cli"


@dataclass(frozen=True)
class NewScreenToken:
    id: int
    site_name: str
    token: str  # shown once: only its hash is kept


@dataclass(frozen=True)
class ScreenTokenRow:
    id: int
    site_name: str
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_screen_token(
    session: Session, *, site_name: str, label: str | None, at: datetime
) -> NewScreenToken:
    """A new token for the site named ``site_name`` (any case); NotFound if there is none."""
    site = _site_named(session, site_name)
    token = secrets.token_urlsafe(32)
    row = ScreenToken(
        site_id=site.id,
        token_hash=token_hash(token),
        token_prefix=token[:PREFIX_LENGTH],
        label=label,
        created_at=at,
    )
    session.add(row)
    session.flush()
    audit(session, at, ACTOR, "screen-token-created", ("screen_token", row.id), {"label": label})
    return NewScreenToken(row.id, site.name, token)


def revoke_screen_token(session: Session, *, ref: str, at: datetime) -> ScreenTokenRow:
    """Revoke the live token ``ref`` names: its id, its first characters, the whole token or the
    screen URL holding it. NotFound when it names no live token, or several."""
    ref = ref.strip()
    if "token=" in ref:
        ref = ref.rsplit("token=", 1)[1].split("&", 1)[0]
    live = select(ScreenToken).where(ScreenToken.revoked_at.is_(None))
    found: list[ScreenToken] = []
    if ref.isdigit():
        found = list(session.scalars(live.where(ScreenToken.id == int(ref))))
    if not found:
        found = list(session.scalars(live.where(ScreenToken.token_hash == token_hash(ref))))
    if not found and MIN_PREFIX <= len(ref) <= PREFIX_LENGTH:
        found = [row for row in session.scalars(live) if row.token_prefix.startswith(ref)]
    if len(found) != 1:
        what = "several live tokens" if found else "no live token"
        raise NotFound(f"{ref!r} names {what}: give its id (`prodbot screen list`).")
    row = found[0]
    row.revoked_at = at
    audit(session, at, ACTOR, "screen-token-revoked", ("screen_token", row.id))
    return _row(row, session.get_one(Site, row.site_id).name)


def screen_tokens(session: Session, *, include_revoked: bool = False) -> list[ScreenTokenRow]:
    query = select(ScreenToken, Site.name).join(Site, Site.id == ScreenToken.site_id)
    if not include_revoked:
        query = query.where(ScreenToken.revoked_at.is_(None))
    rows = session.execute(query.order_by(Site.name, ScreenToken.id))
    return [_row(token, site_name) for token, site_name in rows]


def site_of_screen_token(session: Session, *, token: str) -> int | None:
    """The id of the site a live ``token`` opens the screen of; None for any other string."""
    if not token or len(token) > 100:
        return None
    wanted = token_hash(token)
    row = session.execute(
        select(ScreenToken.site_id, ScreenToken.token_hash).where(
            ScreenToken.token_hash == wanted, ScreenToken.revoked_at.is_(None)
        )
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return int(row.site_id)


def _site_named(session: Session, name: str) -> Site:
    sites = list(session.scalars(select(Site).order_by(Site.id)))
    for site in sites:
        if site.name.lower() == name.strip().lower():
            return site
    known = ", ".join(site.name for site in sites) or "none: load the plant file first"
    raise NotFound(f"No site named {name!r} (sites: {known}).")


def _row(token: ScreenToken, site_name: str) -> ScreenTokenRow:
    return ScreenTokenRow(
        token.id, site_name, token.token_prefix, token.label, token.created_at, token.revoked_at
    )
