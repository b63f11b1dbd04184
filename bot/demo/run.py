"""``prodbot demo``: the whole story on a fresh machine, no Slack account, no configuration.

It sets up what ``prodbot serve`` would have (an SQLite database in the output folder, the
sample plant, the WSGI app on a local port) but points the bot at an in-process fake of Slack's
Web API, then plays ``bot.demo.story`` on a simulated clock and shows what the bot posts.
The one setting taken from the environment is ``MQTT_URL``: with it, L4's machine publishes to
that broker (``bot.demo.machine``). ``DATABASE_URL`` or Slack tokens of a real installation never
reach the demo.
"""

import logging
import os
import secrets
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from importlib.resources import files
from pathlib import Path

import time_machine
from pydantic import SecretStr
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.demo import history
from bot.demo.machine import broker_topics, machine_feed, new_run_id
from bot.demo.output import OutputFolder
from bot.demo.player import Player
from bot.demo.schedule import job_runs, timeline
from bot.demo.server import serving
from bot.demo.signing import SignedSlackRequests
from bot.demo.story import END, START, STORY
from bot.demo.transcript import Transcript
from bot.demo.workspace import DemoSlackAPI
from bot.entry.wsgi import SLACK_PATH, create_wsgi_app
from bot.messages.format import plural
from bot.plant.apply import apply_plant
from bot.plant.file import PlantFile, validate_plant
from bot.records.machine_counts import MACHINE
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs.base import JobDeps
from models import DelayEntry, Issue, OutputEntry

PLANT_FILE = "plant.toml"


def run_demo(out_dir: Path | None, console: Console) -> Path:
    """Play the demo into ``out_dir`` (default: a new temporary folder); return the folder."""
    folder = OutputFolder.prepare(out_dir)
    mqtt_url = os.environ.get("MQTT_URL") or None
    run_id = new_run_id()
    plant = sample_plant() if mqtt_url is None else broker_topics(sample_plant(), run_id)
    _introduce(console, plant, folder, mqtt_url)
    with _library_logs_quiet(), DemoSlackAPI() as slack:
        settings = demo_settings(folder.database_url, slack.base_url)
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        session_factory = make_session_factory(engine)
        try:
            transcript = Transcript(console, folder, slack)
            _play(
                settings,
                session_factory,
                plant,
                slack,
                transcript,
                mqtt_url=mqtt_url,
                run_id=run_id,
            )
            _summarise(console, session_factory, transcript, folder)
        finally:
            _fold_wal_into_database(engine)
            engine.dispose()
    return folder.path


def sample_plant() -> PlantFile:
    source = files("bot.demo").joinpath(PLANT_FILE)
    return validate_plant(tomllib.loads(source.read_text(encoding="utf-8")), source="demo plant")


def demo_settings(database_url: str, slack_api_url: str) -> Settings:
    """Every setting the app reads, given here, so nothing comes from the environment."""
    return Settings(
        database_url=database_url,
        slack_bot_token=SecretStr("xoxb-demo"),
        slack_signing_secret=SecretStr(secrets.token_hex(16)),
        slack_api_url=slack_api_url,
        _env_file=None,
    )


def _play(
    settings: Settings,
    session_factory: sessionmaker[Session],
    plant: PlantFile,
    slack: DemoSlackAPI,
    transcript: Transcript,
    *,
    mqtt_url: str | None,
    run_id: str,
) -> None:
    zone = plant.site.zone
    # The plant was loaded before the history it describes, as on a site that uses prodbot.
    loaded = datetime.combine(history.FIRST_DAY, time(5, 0), tzinfo=zone).astimezone(UTC)
    with time_machine.travel(loaded.timestamp(), tick=True) as clock:
        with session_scope(session_factory) as session:
            apply_plant(session=session, plant=plant, at=datetime.now(UTC))
        deps = JobDeps(session_factory=session_factory, client=make_web_client(settings))
        # The machine client reads the plant's topics; a broker that does not answer stops the
        # demo here, before the history is loaded.
        with machine_feed(
            mqtt_url, session_factory=session_factory, web_client=deps.client, run_id=run_id
        ) as machines:
            past = history.load_history(session_factory, plant, START.replace(tzinfo=zone))
            transcript.narration(
                START,
                f"Loading the history of the two weeks before ({history.FIRST_DAY:%a %d %b}–"
                f"{history.WORKING_DAYS[-1]:%a %d %b}: {past.outputs} shift totals and "
                f"{past.delays} delays) straight into the database, not through Slack, as if "
                "prodbot had been running. The story starts on Monday morning.",
            )
            events = timeline(STORY, job_runs(deps, zone=zone, start=START, end=END))
            with serving(create_wsgi_app(settings)) as base_url:
                signing_secret = settings.require("slack_signing_secret")["slack_signing_secret"]
                player = Player(
                    clock=clock,
                    zone=zone,
                    requests=SignedSlackRequests(
                        url=base_url + SLACK_PATH,
                        signing_secret=signing_secret,
                        response_base=slack.base_url,
                    ),
                    slack=slack,
                    deps=deps,
                    transcript=transcript,
                    machines=machines,
                )
                for event in events:
                    player.play(event)


def _introduce(
    console: Console, plant: PlantFile, folder: OutputFolder, mqtt_url: str | None
) -> None:
    lines = ", ".join(f"{line.code} {line.name}" for line in plant.lines)
    machines = (
        "they go to the broker in MQTT_URL, and prodbot's machine client takes them from there"
        if mqtt_url
        else "with no MQTT_URL set they are handed in process to the function prodbot's machine "
        "client runs for each message"
    )
    shifts = ", ".join(f"{s.name} {s.start:%H:%M}–{s.end:%H:%M}" for s in plant.shifts)
    console.print(
        Panel(
            f"[bold]{plant.site.name}[/bold] ({plant.site.timezone}): {lines}\n"
            f"Shifts: {shifts}\n\n"
            "After two weeks of history, a day and a half of reports, button presses and a "
            "modal go through the real app as signed Slack requests; "
            "the scheduled jobs run on a simulated clock. There is no Slack workspace: the "
            "bot's Slack calls are answered by an in-process fake, and what it would post is "
            f"shown below. L4's machine publishes its counts and states: {machines}.\n"
            f"Output folder: {folder.path}",
            title="prodbot demo",
            title_align="left",
            border_style="bold",
        )
    )


def _summarise(
    console: Console,
    session_factory: sessionmaker[Session],
    transcript: Transcript,
    folder: OutputFolder,
) -> None:
    with session_factory() as session:
        outputs = {
            source: count
            for source, count in session.execute(
                select(OutputEntry.source, func.count())
                .where(OutputEntry.voided_at.is_(None))
                .group_by(OutputEntry.source)
            )
        }
        delays = session.scalar(
            select(func.count()).select_from(DelayEntry).where(DelayEntry.voided_at.is_(None))
        )
        issues = session.scalar(select(func.count()).select_from(Issue))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    machine_minutes = outputs.pop(MACHINE, 0)
    saved = [
        plural(sum(outputs.values()), "output report"),
        plural(machine_minutes, "machine-counted minute"),
        plural(delays or 0, "delay"),
        plural(issues or 0, "issue"),
    ]
    table.add_row("Saved", ", ".join(saved))
    table.add_row("Bot posts", ", ".join(f"{n} {kind}" for kind, n in transcript.counts.items()))
    table.add_row("Folder", str(folder.path))
    table.add_row("", f"{folder.messages.name}/: every message as Block Kit JSON")
    if folder.files.exists():
        for file in sorted(folder.files.iterdir()):
            table.add_row("", f"{folder.files.name}/{file.name}: uploaded by the bot")
    table.add_row("", f"{folder.database.name}: the database (DATABASE_URL={folder.database_url})")
    console.print()
    console.print(Panel(table, title="demo finished", title_align="left", border_style="bold"))


@contextmanager
def _library_logs_quiet() -> Iterator[None]:
    """Libraries' INFO logs (migrations, Bolt) would break up the transcript; warnings stay."""
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


def _fold_wal_into_database(engine: Engine) -> None:
    """Leave one self-contained database file behind, not a database plus its WAL."""
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
