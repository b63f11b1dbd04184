"""The ``prodbot`` command line: what a plant's IT admin types.

Each command imports what it uses inside itself, so ``prodbot --help`` loads typer and little
else (no Bolt app, database, migrations, jobs or importer; tests/test_cli_startup.py).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from bot.entry import init_cli, machines_cli, outbox_cli, transfer_cli
from bot.entry.cli_errors import CliOptions, run_reporting_errors
from bot.entry.screen_cli import screen_app
from bot.entry.slack_cli import resolve_plant_names, slack_app

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from bot.settings import Settings
    from jobs.base import JobDeps

app = typer.Typer(
    help="prodbot: the production assistant that lives in Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs, run on demand.", no_args_is_help=True)
plant_app = typer.Typer(help="The plant file: site, lines, shifts, targets.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(plant_app, name="plant")
app.add_typer(jobs_app, name="jobs")
outbox_cli.register(app)
init_cli.register(app)
app.command("machines")(machines_cli.machines)
transfer_cli.register(app)
app.add_typer(screen_app, name="screen")
app.add_typer(slack_app, name="slack")

console = Console()
errors = Console(stderr=True)


class _JobRegistry(Mapping[str, ModuleType]):
    """``jobs.registry.JOBS``, imported on first use: it imports every job and APScheduler.
    (A name of this module, so tests/test_cli_errors.py can put failing jobs in its place.)"""

    def __getitem__(self, name: str) -> ModuleType:
        return self._jobs()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs())

    def __len__(self) -> int:
        return len(self._jobs())

    @staticmethod
    def _jobs() -> dict[str, ModuleType]:
        from jobs.registry import JOBS

        return JOBS


JOBS: Mapping[str, ModuleType] = _JobRegistry()


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic logs a line per built-in plugin when imported; imported by a command now, after
    # the line above, it would print them (imported before it, they never showed).
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    run_reporting_errors(app)


def _session_factory() -> sessionmaker[Session]:
    """Sessions on $DATABASE_URL."""
    from bot.db import engine_for, make_session_factory
    from bot.settings import get_settings

    return make_session_factory(engine_for(get_settings()))


def _job_deps(settings: Settings) -> tuple[Engine, JobDeps]:
    """The engine on $DATABASE_URL, and sessions on it and a Slack client for the jobs."""
    from bot.db import engine_for, make_session_factory
    from bot.slack.client import make_web_client
    from jobs.base import JobDeps

    engine = engine_for(settings)
    return engine, JobDeps(make_session_factory(engine), make_web_client(settings))


@app.callback()
def options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On an error, show its traceback too.")
    ] = False,
) -> None:
    """prodbot: the production assistant that lives in Slack."""
    CliOptions.debug = debug


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the newest schema."""
    from bot.db import upgrade
    from bot.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    console.print("Database schema is up to date.")


@plant_app.command("load")
def plant_load(
    file: Annotated[
        Path | None, typer.Argument(help="The plant TOML file (default: $PRODBOT_PLANT).")
    ] = None,
) -> None:
    """Create or update a site from a plant file. Nothing is written if the file has a mistake."""
    from bot.db import session_scope
    from bot.plant.apply import apply_plant
    from bot.plant.file import PlantFileError, read_plant_file
    from bot.settings import get_settings

    file = file or get_settings().plant_file
    try:
        plant = resolve_plant_names(read_plant_file(file), source=str(file))
    except PlantFileError as error:
        errors.print(f"[red]{file} was not loaded[/red]; fix these and load it again:")
        for problem in error.problems:
            errors.print(f"  • {problem}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    with session_scope(_session_factory()) as session:
        changes = apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    if not changes:
        console.print(f"{plant.site.name}: already up to date, nothing changed.")
        return
    console.print(f"{plant.site.name}: {len(changes)} change(s)")
    for change in changes:
        console.print(f"  • {change}", highlight=False, markup=False)


@jobs_app.command("list")
def jobs_list() -> None:
    """Every job, what it posts, and when it runs next in each site's time zone."""
    from jobs.scheduler import next_runs

    upcoming = next_runs(_session_factory(), datetime.now(UTC))
    for name, job in JOBS.items():
        console.print(f"[bold]{name}[/bold]  {job.description}", highlight=False)
        for run in upcoming.get(name, []):
            where = f" at {run.site}" if run.site else ""
            console.print(
                f"    next run: {run.at:%a %Y-%m-%d %H:%M %Z} ({run.at.tzinfo}){where}",
                highlight=False,
                markup=False,
            )
    if not upcoming:
        console.print("No site is loaded, so nothing is scheduled (`prodbot plant load`).")


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="The job, as `prodbot jobs list` shows it.")],
    at: Annotated[
        datetime | None,
        typer.Option(
            help="The clock the job believes it is (ISO-8601; without a UTC offset, the site's "
            "local time; default: now).",
            parser=datetime.fromisoformat,
        ),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(help="The site whose local time --at is (only with several sites)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print what it would post; post, claim and keep nothing."),
    ] = False,
) -> None:
    """Run one job now. Safe to repeat: whatever it already posted is not posted again."""
    from bot.settings import get_settings
    from jobs.base import dry_run_deps

    job = JOBS.get(name)
    if job is None:
        errors.print(f"[red]unknown job {name!r}[/red]; jobs: {', '.join(JOBS)}")
        raise typer.Exit(2)
    engine, deps = _job_deps(get_settings())
    if at is not None:
        at = _instant_at_site(at, site, deps.session_factory)
    if dry_run:
        with dry_run_deps(engine, lambda text: console.print(text, markup=False)) as preview:
            outcomes = job.run(at or datetime.now(UTC), preview)
        console.print(f"{name}: {len(outcomes)} message(s) would be sent; nothing was posted")
        return
    outcomes = job.run(at or datetime.now(UTC), deps)
    sent = [outcome for outcome in outcomes if outcome.sent]
    console.print(
        f"{name}: {len(sent)} posted, {len(outcomes) - len(sent)} already posted or retried later"
    )


def _instant_at_site(
    at: datetime, site: str | None, session_factory: sessionmaker[Session]
) -> datetime:
    """``at`` if it has a UTC offset, else the same wall-clock time at ``site`` (needed only
    when several sites are loaded)."""
    from sqlalchemy import select

    from bot.db import session_scope
    from models import Site

    if at.tzinfo is not None:
        return at
    with session_scope(session_factory) as session:
        zones = {row.name: row.timezone for row in session.scalars(select(Site))}
    named = [name for name in zones if site is not None and name.casefold() == site.casefold()]
    if site is not None and not named:
        problem = f"no site is named {site!r}; sites: {', '.join(zones) or 'none loaded'}"
    elif named or len(zones) == 1:
        name = named[0] if named else next(iter(zones))
        local = at.replace(tzinfo=ZoneInfo(zones[name]))
        console.print(
            f"--at {at.isoformat()} is taken as {local:%Y-%m-%d %H:%M %Z} ({zones[name]}), "
            f"the time at {name}",
            highlight=False,
            markup=False,
        )
        return local
    elif not zones:
        problem = "--at has no UTC offset and no site is loaded: add one, e.g. +01:00"
    else:
        problem = (
            f"--at has no UTC offset and there are {len(zones)} sites ({', '.join(zones)}): "
            "add --site NAME or the offset"
        )
    typer.echo(f"prodbot jobs run: {problem}", err=True)
    raise typer.Exit(2)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(help="Port (default: $PORT, else 3000).")] = None,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 8,
) -> None:
    """HTTP mode: Slack requests at /slack/events, health at /healthz (under gunicorn)."""
    from bot.db import engine_for
    from bot.entry.server import run_gunicorn
    from bot.settings import get_settings

    settings = get_settings()
    settings.require("slack_bot_token", "slack_signing_secret")
    engine_for(settings).dispose()  # an unsupported DATABASE_URL stops here, in one line
    run_gunicorn(host=host, port=port or settings.port, workers=workers, threads=threads)


@app.command("demo")
def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the messages, chart and database (default: a new temp folder)."
        ),
    ] = None,
) -> None:
    """The whole story with no Slack account: a sample plant, a day and a half of reports
    through the real request path, every job on a simulated clock, every message shown."""
    from bot.demo.run import run_demo

    run_demo(out, console)


@app.command("scheduler")
def scheduler() -> None:
    """The scheduled jobs only. Several may run: one leads, the others stand by."""
    from bot.settings import get_settings
    from jobs.leader import leader_lock_for
    from jobs.scheduler import serve_scheduler

    settings = get_settings()
    engine, deps = _job_deps(settings)
    lock, stop = leader_lock_for(engine), _stop_on_signal()
    # With MQTT_URL set, the worker takes the machines' counts too (docs/machines.md).
    stop_machines = machines_cli.start_machines(
        settings, session_factory=deps.session_factory, web_client=deps.client
    )
    try:
        code = serve_scheduler(deps, lock, stop, workers=settings.scheduler_workers)
    finally:
        if stop_machines is not None:
            stop_machines()
    raise typer.Exit(code)


@app.command("run")
def run() -> None:
    """Socket Mode bot and scheduler in one process: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.entry.app import create_app
    from bot.settings import get_settings
    from bot.slack.readiness import connect_when_reachable
    from jobs.leader import leader_lock_for
    from jobs.scheduler import serve_scheduler

    settings = get_settings()
    tokens = settings.require("slack_bot_token", "slack_app_token")
    engine, deps = _job_deps(settings)
    bolt = create_app(
        settings=settings,
        session_factory=deps.session_factory,
        client=deps.client,
        socket_mode=True,
    )
    stop = _stop_on_signal()
    jobs_thread = threading.Thread(
        target=serve_scheduler,
        args=(deps, leader_lock_for(engine), stop),
        kwargs={"workers": settings.scheduler_workers},
        name="scheduler",
        daemon=True,
    )
    jobs_thread.start()
    stop_machines = machines_cli.start_machines(
        settings, session_factory=deps.session_factory, web_client=deps.client
    )
    handler = SocketModeHandler(bolt, app_token=tokens["slack_app_token"])
    try:
        # Started while Slack is unreachable, it keeps trying; Slack refusing the token stops it.
        connect_when_reachable(handler.connect, stop)
        stop.wait()
        handler.close()
    finally:
        # The scheduler stops before any error is printed, so that error is the last line.
        stop.set()
        if stop_machines is not None:
            stop_machines()
        jobs_thread.join(timeout=30)


def _stop_on_signal() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@app.command("manifest")
def manifest(
    url: Annotated[
        str | None,
        typer.Option(help="Public base URL for HTTP mode; without it, Socket Mode is used."),
    ] = None,
) -> None:
    """Print the Slack app manifest (paste it at api.slack.com/apps → Create New App)."""
    from bot.entry.manifest import build_manifest

    print(json.dumps(build_manifest(request_url=url), indent=2))
