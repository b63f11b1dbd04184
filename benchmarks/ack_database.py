"""The ack benchmark's database: a fresh one, loaded with a plant that takes ``/output`` at any
hour, and the count of the entries saved in it."""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.ack_common import BenchmarkError
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.plant.apply import apply_plant
from bot.plant.file import read_plant_file
from bot.settings import Settings
from models import OutputEntry

# Shifts around the clock, every day, in UTC: /output is accepted whenever the benchmark runs.
# The line has no ideal_rate, so no quantity asks for confirmation.
BENCH_PLANT = """\
[site]
name = "Benchmark"
timezone = "UTC"

[[shifts]]
name = "D"
start = "00:00"
end = "12:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[shifts]]
name = "N"
start = "12:00"
end = "00:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[lines]]
code = "L1"
name = "Line 1 - Bottling"
channel = "C0LINE0001"
leads = ["U0LEAD0001"]
unit = "bottles"
targets = { D = 1000000, N = 1000000 }
"""
CHANNEL = "C0LINE0001"  # L1's channel
USER = "U0LEAD0001"  # L1's lead


@contextmanager
def fresh_database(server_url: str | None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a new PostgreSQL database dropped afterwards."""
    if not server_url:
        with tempfile.TemporaryDirectory(prefix="prodbot-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    url = make_url(Settings(database_url=server_url, _env_file=None).database_url)
    if url.get_backend_name() != "postgresql":
        raise BenchmarkError(f"--database-url must be PostgreSQL, not {url.get_backend_name()}")
    name = f"prodbot_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def prepare_database(url: str) -> None:
    """What ``prodbot db upgrade`` and ``prodbot plant load`` do, with the benchmark plant."""
    upgrade(url)
    with tempfile.TemporaryDirectory() as folder:
        plant_file = Path(folder) / "plant.toml"
        plant_file.write_text(BENCH_PLANT)
        plant = read_plant_file(plant_file)
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    finally:
        engine.dispose()


def count_output_entries(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(OutputEntry)) or 0
    finally:
        engine.dispose()


def backend_name(url: str) -> str:
    return make_url(url).get_backend_name()
