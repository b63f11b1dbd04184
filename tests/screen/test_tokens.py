"""Floor screen tokens: made, found, revoked and listed, stored only as hashes."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.db import session_scope
from bot.entry.screen_cli import screen_app
from bot.errors import NotFound
from bot.records.screen_tokens import (
    create_screen_token,
    revoke_screen_token,
    site_of_screen_token,
    token_hash,
)
from bot.settings import get_settings
from models import AuditRecord, ScreenToken, Site
from tests.screen.support import make_token

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def site_id(session: Session) -> int:
    return session.scalars(select(Site.id)).one()


def test_a_token_opens_its_site_and_only_its_hash_is_stored(
    session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    with session_scope(session_factory) as session:
        made = create_screen_token(session, site_name="riverside", label="hall 2", at=NOW)

    assert made.site_name == "Riverside" and len(made.token) == 43
    with session_factory() as session:
        row = session.scalars(select(ScreenToken)).one()
        assert row.token_hash == token_hash(made.token) != made.token
        assert made.token not in {row.token_hash, row.label}
        assert row.token_prefix == made.token[:6]
        assert site_of_screen_token(session, token=made.token) == site_id(session)
        for wrong in ("", made.token[:-1], made.token + "x", made.token.upper(), "x" * 5000):
            assert site_of_screen_token(session, token=wrong) is None
        audits = session.scalars(
            select(AuditRecord.action).where(AuditRecord.entity == "screen_token")
        ).all()
    assert audits == ["screen-token-created"]


def test_an_unknown_site_gets_no_token(
    session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    with session_scope(session_factory) as session, pytest.raises(NotFound, match="Riverside"):
        create_screen_token(session, site_name="Elsewhere", label=None, at=NOW)


@pytest.mark.parametrize("by", ["id", "prefix", "token", "url"])
def test_a_revoked_token_opens_nothing(
    session_factory: sessionmaker[Session], loaded_plant: None, by: str
) -> None:
    other = make_token(session_factory)
    token = make_token(session_factory)
    while token[:5] == other[:5]:  # a prefix must name one token: draw another
        token = make_token(session_factory)
    with session_factory() as session:
        row_id = session.scalars(
            select(ScreenToken.id).where(ScreenToken.token_prefix == token[:6])
        ).one()
    ref = {
        "id": str(row_id),
        "prefix": token[:5],
        "token": token,
        "url": f"http://tv/screen/riverside?token={token}",
    }[by]

    with session_scope(session_factory) as session:
        revoked = revoke_screen_token(session, ref=ref, at=NOW)

    assert revoked.id == row_id and revoked.revoked_at == NOW
    with session_factory() as session:
        assert site_of_screen_token(session, token=token) is None
        assert site_of_screen_token(session, token=other) == site_id(session)
    with session_scope(session_factory) as session, pytest.raises(NotFound, match="no live"):
        revoke_screen_token(session, ref=ref, at=NOW)


@pytest.fixture
def screen_cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """``prodbot screen`` in this process, on the tests' database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_URL", "https://prodbot.example.com/")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_cli_prints_the_url_lists_and_revokes(
    screen_cli: CliRunner, session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    made = screen_cli.invoke(screen_app, ["token", "Riverside", "--label", "hall 2"])

    assert made.exit_code == 0, made.output
    url = next(line for line in made.output.splitlines() if line.startswith("https://"))
    assert url.startswith("https://prodbot.example.com/screen/riverside?token=")
    token = url.split("token=")[1]
    with session_factory() as session:
        assert site_of_screen_token(session, token=token) == site_id(session)

    listed = screen_cli.invoke(screen_app, ["list"])
    assert listed.exit_code == 0
    assert "hall 2" in listed.output and token[:6] in listed.output
    assert token not in listed.output

    revoked = screen_cli.invoke(screen_app, ["revoke", token[:6]])
    assert revoked.exit_code == 0, revoked.output
    assert "Revoked floor screen token 1" in revoked.output
    assert "No floor screen tokens" in screen_cli.invoke(screen_app, ["list"]).output
    assert "hall 2" in screen_cli.invoke(screen_app, ["list", "--revoked"]).output


def test_the_cli_names_the_sites_it_knows(screen_cli: CliRunner, loaded_plant: None) -> None:
    result = screen_cli.invoke(screen_app, ["token", "Elsewhere"])

    assert result.exit_code == 2
    assert "No site named 'Elsewhere' (sites: Riverside)" in result.output
