"""The database misbehaving: restarted under the app, black-holed by the network, slow.

The rows of the fault table that need PostgreSQL are skipped on SQLite; CI's PostgreSQL pass
runs them.
"""

import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import time_machine
from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import DatabaseLimits, engine_for, make_engine, make_session_factory
from bot.entry.wsgi import DatabaseCheck, ProdbotWSGI
from bot.settings import ConfigError, Settings
from handlers.errors import DATABASE_DOWN
from models import OutputEntry
from tests.conftest import _empty_all_tables
from tests.e2e.support import MID_SHIFT_A
from tests.fakes.tcp_proxy import TcpProxy, running_tcp_proxy
from tests.slack_requests import SlackSender

POSTGRESQL_ONLY = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL=postgresql://…)",
)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Mid-shift A at the sample plant, so /output has a shift to book on."""
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def _terminate_every_other_backend(database_url: str) -> int:
    """What a PostgreSQL restart does to prodbot's connections, from a connection of its own."""
    url = make_url(database_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        dbname=url.database, autocommit=True,
    ) as admin:  # fmt: skip
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        )


@POSTGRESQL_ONLY
def test_after_postgresql_terminated_every_connection_the_next_command_is_saved(
    clock: time_machine.Traveller,
    slack: SlackSender,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
    database_url: str,
) -> None:
    assert "Saved +120 good on L1" in slack.command("/output", "L1 120").text
    served_app.boards.wait_until_idle()
    assert _terminate_every_other_backend(database_url) > 0

    reply = slack.command("/output", "L1 80")

    assert "Saved +80 good on L1" in reply.text, reply.text
    with session_factory() as session:
        assert session.scalars(select(OutputEntry.good).order_by(OutputEntry.id)).all() == [
            120,
            80,
        ]


@POSTGRESQL_ONLY
def test_a_session_after_the_backends_were_terminated_gets_a_fresh_connection(
    engine: Engine, database_url: str
) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    _terminate_every_other_backend(database_url)

    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


@POSTGRESQL_ONLY
class TestBlackHoledDatabase:
    """The app talks to PostgreSQL through a proxy, which then forwards nothing."""

    @pytest.fixture
    def proxy(self, database_url: str) -> Iterator[TcpProxy]:
        url = make_url(database_url)
        with running_tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            yield proxy

    @pytest.fixture
    def session_factory(
        self, engine: Engine, settings: Settings, proxy: TcpProxy
    ) -> Iterator[sessionmaker[Session]]:
        """The app's sessions, through the proxy, with the limits of the default settings."""
        url = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
        proxied = settings.model_copy(
            update={"database_url": url.render_as_string(hide_password=False)}
        )
        through_proxy = engine_for(proxied)
        yield make_session_factory(through_proxy)
        proxy.close()  # the server sees the proxied connections end and releases their locks
        through_proxy.dispose()
        _empty_all_tables(engine)

    def test_health_is_503_within_2_s_and_a_command_hears_nothing_was_saved_within_3_s(
        self,
        clock: time_machine.Traveller,
        slack: SlackSender,
        served_app: ProdbotWSGI,
        proxy: TcpProxy,
    ) -> None:
        health = slack.url.replace("/slack/events", "/healthz")
        assert "Saved +120 good on L1" in slack.command("/output", "L1 120").text
        served_app.boards.wait_until_idle()
        with urllib.request.urlopen(health, timeout=5) as response:
            assert response.status == 200
        time.sleep(1.1)  # past the reuse of the last health answer
        proxy.black_hole()

        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as unhealthy:
            urllib.request.urlopen(health, timeout=10)
        health_took = time.monotonic() - started
        started = time.monotonic()
        reply = slack.command("/output", "L1 80")
        reply_took = time.monotonic() - started

        assert unhealthy.value.code == 503
        assert health_took < 2
        assert reply.text == DATABASE_DOWN
        assert reply_took < 3

    def test_sessions_fail_within_3_s_on_pooled_and_on_new_connections(
        self, session_factory: sessionmaker[Session], proxy: TcpProxy
    ) -> None:
        with session_factory() as session:
            session.execute(text("SELECT 1"))  # one connection waits in the pool
        proxy.black_hole()

        for attempt in ("pooled", "new"):
            started = time.monotonic()
            with pytest.raises(OperationalError), session_factory() as session:
                session.execute(text("SELECT 1"))
            assert time.monotonic() - started < 3, attempt


@POSTGRESQL_ONLY
def test_postgresql_sessions_get_the_statement_timeout_of_the_settings(settings: Settings) -> None:
    for given, shown in ((5000, "5s"), (0, "0")):
        engine = engine_for(settings.model_copy(update={"db_statement_timeout_ms": given}))
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SHOW statement_timeout")).scalar() == shown
        finally:
            engine.dispose()


@POSTGRESQL_ONLY
def test_a_statement_over_the_timeout_is_cancelled(database_url: str) -> None:
    engine = make_engine(database_url, DatabaseLimits(statement_timeout_ms=200))
    try:
        with pytest.raises(OperationalError, match="statement timeout"), engine.connect() as c:
            c.execute(text("SELECT pg_sleep(2)"))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url", ["mysql://app@db/prod", "foo://x", "postgresql+psycopg2://app@db/prod", "not a url"]
)
def test_a_database_url_prodbot_cannot_use_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^DATABASE_URL .*postgresql://.*sqlite:///"):
        make_engine(url)


class _HangingSession:
    """A session whose every statement waits until ``release`` is set."""

    release = threading.Event()

    def __enter__(self) -> "_HangingSession":
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute(self, *_: Any) -> None:
        self.release.wait(10)


def test_health_says_no_while_the_check_hangs_without_starting_another_then_yes() -> None:
    check = DatabaseCheck(_HangingSession, answer_within=0.25, reuse_for=0)  # type: ignore[arg-type]

    assert check.answers() is False
    assert check.answers() is False  # the same check, still running: no second thread
    assert [thread.name for thread in threading.enumerate()].count("healthz") == 1
    _HangingSession.release.set()
    assert check.answers() is True
