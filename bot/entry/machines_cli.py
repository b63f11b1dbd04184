"""``prodbot machines``: the MQTT client for machine counts and states (docs/machines.md).

``start_machines`` is what ``prodbot run`` and ``prodbot scheduler`` (the Procfile's worker)
call: with ``MQTT_URL`` set it starts the client in the background and returns its stop
function, without it it returns None and nothing runs. Of several processes, one runs the
client (a lock of its own, like the scheduler's leader lock: a PostgreSQL advisory lock, or a
file beside a SQLite database); the others stand by and take over when it dies. Two clients
would count every message twice.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from bot.machines.client import MachineClient
    from bot.settings import Settings
    from bot.slack.client import WebClient
    from jobs.leader import LeaderLock

logger = logging.getLogger(__name__)


def machines() -> None:
    """Take machine counts and states from the MQTT broker in $MQTT_URL into prodbot, until
    stopped (Ctrl-C or SIGTERM). Reconnects by itself while the broker is down."""
    from bot.db import engine_for, make_session_factory
    from bot.settings import get_settings
    from bot.slack.client import make_web_client

    settings = get_settings()
    if settings.mqtt_url is None:
        typer.echo("Set MQTT_URL (e.g. mqtt://user:pass@broker:1883) to run the machine client.")
        raise typer.Exit(2)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop_machines = start_machines(
        settings,
        session_factory=make_session_factory(engine_for(settings)),
        web_client=make_web_client(settings),
    )
    try:
        stop.wait()
    finally:
        if stop_machines is not None:
            stop_machines()


def machine_client(
    settings: Settings, *, session_factory: sessionmaker[Session], web_client: WebClient
) -> MachineClient:
    """The client for $MQTT_URL (not started)."""
    from bot.machines.boards import MachineBoards
    from bot.machines.broker import broker_from_url
    from bot.machines.client import MachineClient

    if settings.mqtt_url is None:
        raise ValueError("MQTT_URL is not set")
    return MachineClient(
        broker=broker_from_url(settings.mqtt_url.get_secret_value()),
        session_factory=session_factory,
        boards=MachineBoards(client=web_client, session_factory=session_factory),
    )


def start_machines(
    settings: Settings, *, session_factory: sessionmaker[Session], web_client: WebClient
) -> Callable[[], None] | None:
    """With $MQTT_URL set, start the machine client in a daemon thread once this process holds
    the machines' lock, and return what stops it; else None."""
    if settings.mqtt_url is None:
        return None
    client = machine_client(settings, session_factory=session_factory, web_client=web_client)
    stop = threading.Event()
    engine = session_factory.kw["bind"]

    def lead_then_run() -> None:
        lock = machines_lock(engine)
        while not lock.try_acquire():
            if stop.wait(STANDBY_POLL):
                return
        logger.info("machines: this process runs the machine client")
        try:
            client.run(stop)
        finally:
            lock.release()

    thread = threading.Thread(target=lead_then_run, name="machines-lead", daemon=True)
    thread.start()

    def stop_machines() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_machines


# A fixed 64-bit advisory lock key naming "the prodbot machine client" (not the scheduler's).
MACHINES_LOCK_KEY = 0x70726F646D717474
STANDBY_POLL = 15.0  # seconds between a standby's attempts at the lock


def machines_lock(engine: Engine) -> LeaderLock:
    from sqlalchemy import text

    from jobs.leader import FileLeaderLock, PostgresLeaderLock

    class MachinesAdvisoryLock(PostgresLeaderLock):
        """The scheduler's kind of lock under the machines' own key."""

        def try_acquire(self) -> bool:
            connection = self._engine.connect()
            query = text("SELECT pg_try_advisory_lock(:key)")
            acquired = bool(connection.execute(query, {"key": MACHINES_LOCK_KEY}).scalar())
            connection.commit()
            if acquired:
                connection.detach()  # closing it ends the session, and with it the lock
                self._connection = connection
            else:
                connection.close()
            return acquired

    if engine.dialect.name == "postgresql":
        return MachinesAdvisoryLock(engine)
    database = engine.url.database
    path = Path(database) if database and database != ":memory:" else Path("prodbot")
    return FileLeaderLock(path.with_name(path.name + ".machines.lock"))
