"""Leadership among scheduler processes: only the leader fires jobs; the others stand by.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own; when
the process dies, PostgreSQL closes the connection and a standby's next attempt succeeds. On
SQLite (one machine by definition) an exclusive lock on a file beside the database does the same.
The outbox's unique keys and compare-and-set claims still guard every post, so even a brief
overlap never posts twice.
"""

import fcntl
import logging
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

# An arbitrary, fixed 64-bit key naming "the prodbot scheduler" among advisory locks.
ADVISORY_LOCK_KEY = 0x70726F64626F74


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLeaderLock:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        connection = self._engine.connect()
        acquired = bool(
            connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
        )
        connection.commit()
        if acquired:
            # Out of the pool: closing it must end the session, and with it the lock.
            connection.detach()
            self._connection = connection
        else:
            connection.close()
        return acquired

    def still_held(self) -> bool:
        """False when the lock's connection is gone (the lock went with it)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except SQLAlchemyError:
            logger.exception("the leader lock's database connection failed")
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[Any] | None = None

    def try_acquire(self) -> bool:
        handle = self._path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def still_held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def leader_lock_for(engine: Engine) -> LeaderLock:
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine)
    database = engine.url.database
    path = Path(database) if database and database != ":memory:" else Path("prodbot")
    return FileLeaderLock(path.with_name(path.name + ".scheduler.lock"))
