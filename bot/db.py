"""Engine, sessions and migrations. Schema changes only ever go through Alembic.

On PostgreSQL nothing waits for the database without a bound (``DatabaseLimits``): a new
connection gives up after the connect timeout, a pooled one is pinged before use and dropped if
the ping is not answered within the connect timeout either (the server restarted, or the network
black-holes its packets), and a statement is cancelled by the server after the statement timeout
and given up by prodbot shortly after, should the answer never come.
"""

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import ConfigError, Settings

MIGRATIONS = "models:migrations"
SUPPORTED_DRIVERS = {"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"}
# Let the operating system drop a connection to a server that vanished: probe an idle connection
# after 30 s (every 10 s, 3 times), and give up on data unacknowledged for 30 s. prodbot's own
# bounds (below) are shorter; these catch what waits outside them.
TCP_OPTIONS = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


@dataclass(frozen=True)
class DatabaseLimits:
    """How long prodbot waits for PostgreSQL (SQLite waits up to 30 s for a lock instead).

    ``connect_timeout_seconds`` bounds a new connection (libpq counts whole seconds, at least 2)
    and the ping of a pooled one; ``statement_timeout_ms`` is the server's ``statement_timeout``
    (0: none, as for migrations), and prodbot stops waiting for an answer the connect timeout
    after it; ``pool_timeout_seconds`` bounds the wait for a free pooled connection.
    """

    connect_timeout_seconds: int = 2
    statement_timeout_ms: int = 0
    pool_timeout_seconds: float = 2.0

    @property
    def answer_within(self) -> float | None:
        """How long prodbot waits for the answer to a statement (None: as long as it takes)."""
        if not self.statement_timeout_ms:
            return None
        return self.statement_timeout_ms / 1000 + self.connect_timeout_seconds


def engine_for(settings: Settings) -> Engine:
    """The engine for ``DATABASE_URL`` with the limits the settings give."""
    return make_engine(
        settings.database_url,
        DatabaseLimits(
            connect_timeout_seconds=settings.db_connect_timeout_seconds,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            pool_timeout_seconds=settings.db_pool_timeout_seconds,
        ),
    )


def make_engine(url: str, limits: DatabaseLimits | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` whose pool pings a connection before handing it out; SQLite gets
    WAL, foreign keys and a busy timeout, PostgreSQL the bounds of ``limits``. A URL of another
    database is a ConfigError."""
    parsed = _supported_url(url)
    limits = limits or DatabaseLimits()
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_timeout", limits.pool_timeout_seconds)
    engine = create_engine(
        parsed.set(drivername="postgresql+psycopg"),
        connect_args={**TCP_OPTIONS, **_postgresql_options(parsed, limits)},
        **kwargs,
    )
    _bound_the_waits(engine, limits)
    return engine


def _supported_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL: use postgresql://USER:PASSWORD@HOST:5432/NAME "
            "or sqlite:///prodbot.db"
        ) from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ConfigError(
            f"DATABASE_URL is a {parsed.drivername}:// URL, which prodbot does not support: "
            "use postgresql://USER:PASSWORD@HOST:5432/NAME or sqlite:///prodbot.db"
        )
    return parsed


def _postgresql_options(url: URL, limits: DatabaseLimits) -> dict[str, Any]:
    options: dict[str, Any] = {"connect_timeout": limits.connect_timeout_seconds}
    if limits.statement_timeout_ms:
        given = url.query.get("options")
        given = given if isinstance(given, str) else " ".join(given or ())
        timeout = f"-c statement_timeout={limits.statement_timeout_ms}"
        options["options"] = f"{given} {timeout}".strip()
    return options


class _BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for the server after ``answer_within`` seconds.

    Then it raises OperationalError, now and on every later use. A checked-out connection also
    closes itself, so the pool sees a disconnect and replaces it; an idle one, pinged, stays
    open so the pool does not count it as a disconnect (which it would answer by reconnecting,
    doubling the wait): it drops the connection and the caller gets the error at once.
    """

    answer_within: float | None = None
    idle = False
    gave_up = False

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if self.gave_up:
            gen.close()
            raise self._no_answer()
        try:
            return super().wait(gen, interval, timeout if timeout else self.answer_within)
        except psycopg.errors._WaitTimeout:
            self.gave_up = True
            if not self.idle:
                self.close()
            raise self._no_answer() from None

    def _no_answer(self) -> psycopg.OperationalError:
        return psycopg.OperationalError(
            f"the database did not answer within {self.answer_within:g} s"
        )


def _bound_the_waits(engine: Engine, limits: DatabaseLimits) -> None:
    """A pooled connection's ping waits up to the connect timeout, then the pool gives the
    connection up and the caller gets the error at once (reconnecting to a server that does not
    answer would double the wait); a checked-out connection waits ``limits.answer_within``."""

    @event.listens_for(engine, "do_connect")
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> _BoundedConnection:
        connection = _BoundedConnection.connect(*cargs, **cparams)
        connection.answer_within = limits.answer_within
        return connection

    @event.listens_for(engine, "checkin")
    def to_the_pool(connection: Any, _record: Any) -> None:
        if isinstance(connection, _BoundedConnection):
            connection.idle, connection.answer_within = True, limits.connect_timeout_seconds

    @event.listens_for(engine, "checkout")
    def from_the_pool(connection: Any, _record: Any, _proxy: Any) -> None:
        if isinstance(connection, _BoundedConnection):
            connection.idle, connection.answer_within = False, limits.answer_within


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upsert_insert(session: Session) -> Any:
    """The dialect's ``insert`` of this session's database, which has ``on_conflict_do_*``
    (PostgreSQL and SQLite share that spelling; Core's own ``insert`` has neither)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def describe_database_error(error: BaseException, url: str) -> str | None:
    """What an operator should do about ``error``, in one line; None when it is not a problem
    with the database's address, reachability or schema."""
    if isinstance(error, CommandError) and "Can't locate revision" in str(error):
        return (
            "the database was migrated by a newer prodbot than this one: install that version "
            "(or restore the backup taken before it)"
        )
    if isinstance(error, exc.TimeoutError):
        return "no database connection came free in time: the database is slow or overloaded"
    cause = error.orig if isinstance(error, exc.DBAPIError) else error
    if not isinstance(cause, psycopg.Error | sqlite3.Error):
        return None
    text = str(cause)
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    for pattern, advice in _DATABASE_PROBLEMS:
        if match := re.search(pattern, text):
            return advice.format(
                where=where, name=parsed.database, found=match.group(match.lastindex or 0)
            )
    return None


_UPGRADE = "run `prodbot db upgrade`"
_DATABASE_PROBLEMS = [
    (
        r"no such table|relation \"\w+\" does not exist",
        f"the database has no prodbot tables: {_UPGRADE}",
    ),
    (
        r"no such column|has no column named|column \"?[\w.]+\"? does not exist",
        f"the database schema is older than this prodbot: {_UPGRADE}",
    ),
    (
        r"database \"([^\"]+)\" does not exist",
        "there is no database {found!r} at {where}: create it (createdb {found}) or fix the name "
        "in DATABASE_URL",
    ),
    (
        r"password authentication failed|role \"[^\"]+\" does not exist|no password supplied",
        "the database at {where} refused the login: check the user and password in DATABASE_URL",
    ),
    (
        r"Connection refused|timeout expired|did not answer|failed to resolve host|"
        r"could not translate host|No route to host|Network is unreachable|server closed the "
        r"connection",
        "cannot reach the database at {where}: check DATABASE_URL, the network, and that "
        "PostgreSQL is running",
    ),
    (
        r"unable to open database file",
        "cannot open the SQLite database {name}: check that its folder exists and is writable",
    ),
]
