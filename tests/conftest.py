"""Database fixtures shared by every test.

The suite runs on a fresh SQLite file by default and on PostgreSQL when ``DATABASE_URL`` points
at one (``.ci/run`` does both). The schema is built once per run by the real Alembic migrations;
each test starts from empty tables. Under pytest-xdist (``-n 2`` in pyproject's addopts) each
worker has a database of its own, so the workers never empty each other's tables.
"""

import fcntl
import os
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.entry.wsgi import ProdbotWSGI, create_wsgi_app
from bot.plant.apply import apply_plant
from bot.plant.file import read_plant_file
from bot.settings import Settings
from models import Base
from tests.fakes.slack_api import FakeSlackAPI, PromptShutdown, running_fake_slack
from tests.slack_requests import SIGNING_SECRET, SlackSender, sender_to

if TYPE_CHECKING:
    from tests.demo_run import DemoRun


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Each pytest-xdist worker has a database of its own: a file in its own temporary folder,
    or on PostgreSQL ``<DATABASE_URL's database>_<worker>``, created for the run and dropped
    after it."""
    given = os.environ.get("DATABASE_URL")
    if not given:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'prodbot-test.db'}"
        upgrade(url)
        yield url
        return
    url = Settings(database_url=given).database_url
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        upgrade(url)
        yield url
        return
    with worker_database(url, worker) as worker_url:
        upgrade(worker_url)
        yield worker_url


@contextmanager
def worker_database(url: str, worker: str) -> Iterator[str]:
    """A fresh PostgreSQL database beside ``url``'s for one xdist worker, dropped after."""
    given = make_url(url)
    name = f"{given.database}_{worker}"
    server = create_engine(given.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield given.set(database=name).render_as_string(hide_password=False)
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(engine)
    _empty_all_tables(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


def _empty_all_tables(engine: Engine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def plant_text() -> str:
    """The plant file's text; a module or class overrides this fixture for another plant."""
    return SAMPLE_PLANT


@pytest.fixture
def plant_toml(tmp_path: Path, plant_text: str) -> Path:
    """The plant file, by default the sample plant: the Riverside site with a bottling line on
    three shifts (A, B and the night shift C) and a press on two, a calendar stop and the
    alert settings."""
    path = tmp_path / "plant.toml"
    path.write_text(plant_text)
    return path


SAMPLE_PLANT = """\
[site]
name = "Riverside"
timezone = "Europe/Berlin"
digest_channel = "C0DIGEST01"
heads = ["U0HEAD0001"]
digest_time = "07:00"

[[shifts]]
name = "A"
start = "06:00"
end = "14:00"
days = ["mon", "tue", "wed", "thu", "fri"]
break_minutes = 30

[[shifts]]
name = "B"
start = "14:00"
end = "22:00"
days = ["mon", "tue", "wed", "thu", "fri"]
break_minutes = 30

[[shifts]]
name = "C"
start = "22:00"
end = "06:00"
days = ["mon", "tue", "wed", "thu", "fri"]

[[lines]]
code = "L1"
name = "Line 1 - Bottling"
channel = "C0LINE0001"
leads = ["U0LEAD0001"]
operators = ["U0OPER0001"]
managers = ["U0MGR00001"]
unit = "bottles"
ideal_rate = 120
unit_cost = 0.40
downtime_cost_per_hour = 900
targets = { A = 800, B = 800, C = 600 }

[[lines]]
code = "press2"
name = "Press 2"
channel = "C0PRESS002"
leads = ["U0LEAD0002"]
managers = ["U0MGR00001"]
unit = "parts"
targets = { A = 400, B = 400 }

[[calendar]]
date = "2026-12-24"
reason = "Christmas Eve"
lines = []
shifts = []

[alerts]
pace_alert = 0.90
pace_escalate = 0.75
report_grace_minutes = 15
missing_report_minutes = 30
escalation = { critical = [0, 15], high = [15, 60], medium = [240] }
"""


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> "DemoRun":
    """``prodbot demo`` played once for the run (``tests/demo_run.py``); read it, never change
    it: a test that needs to write to its database copies the file."""
    from tests.demo_run import play_demo  # the demo's imports only for the tests that use it

    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return play_demo(tmp_path_factory.mktemp("demo"))
    # Under pytest-xdist, the first worker to need it plays it into the run's folder, which all
    # workers share; the others wait for it and read what it saved.
    shared = tmp_path_factory.getbasetemp().parent
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = shared / "demo.pickle"
        if saved.exists():
            played: DemoRun = pickle.loads(saved.read_bytes())
            return played
        played = play_demo(shared / "demo")
        saved.write_bytes(pickle.dumps(played))
        return played


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackAPI]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlackAPI) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token=SecretStr("xoxb-test-token"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.base_url,
        _env_file=None,
    )


@pytest.fixture
def loaded_plant(session_factory: sessionmaker[Session], plant_toml: Path) -> None:
    with session_scope(session_factory) as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=datetime.now(UTC))


@pytest.fixture
def served_app(
    settings: Settings, session_factory: sessionmaker[Session], loaded_plant: None
) -> Iterator[ProdbotWSGI]:
    """The WSGI app as ``prodbot serve`` builds it, sharing the tests' engine (no connections
    left behind). Before the next test empties the tables, its listeners, board refreshes and
    exports finish."""
    app = create_wsgi_app(settings, session_factory=session_factory)
    yield app
    finish_background_work(app)


def finish_background_work(app: ProdbotWSGI) -> None:
    """Wait until ``app`` has done all it was asked, and take no new request after: so a test
    can see that something was *not* sent without sleeping. Bolt answers once a listener acks
    and runs the rest of it (what the change owes Slack) on its own threads: those finish
    first, then the board refreshes and exports they started."""
    app._slack.app.listener_runner.listener_executor.shutdown(wait=True)
    app.boards.wait_until_idle()
    app.exports.wait_until_idle()


@pytest.fixture
def slack(served_app: ProdbotWSGI, fake_slack: FakeSlackAPI) -> Iterator[SlackSender]:
    """``served_app`` served on a free port, as ``prodbot serve`` does, fed signed requests."""
    app = served_app
    server = make_server(
        "127.0.0.1",
        0,
        app,
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sender_to(server.server_port, response_base=fake_slack.base_url)
    finally:
        server.shutdown()
        server.server_close()


class _ThreadingWSGIServer(ThreadingMixIn, PromptShutdown, WSGIServer):
    """Stops as soon as it is told to (``PromptShutdown``), not up to half a second later."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log in test output."""
