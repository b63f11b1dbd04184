"""The ``prodbot`` command line: what a plant's IT admin types."""

import json
import logging
import signal
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.entry.app import create_app
from bot.entry.manifest import build_manifest
from bot.errors import NotFound
from bot.plant.apply import apply_plant
from bot.plant.file import PlantFileError, read_plant_file
from bot.settings import ConfigError, get_settings
from bot.slack.client import make_web_client
from bot.transfer.export import (
    ExportRangeError,
    check_export_range,
    export_csv_files,
    lines_of_site,
)
from bot.transfer.importer import ImportFileError, import_csv_file
from jobs.base import JobDeps
from jobs.leader import leader_lock_for
from jobs.registry import JOBS
from jobs.scheduler import serve_scheduler

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

console = Console()
errors = Console(stderr=True)


def _instant(value: str) -> datetime:
    """ISO-8601; without an offset it is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app()
    except ConfigError as error:
        typer.echo(f"prodbot: {error}", err=True)
        raise SystemExit(2) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the newest schema."""
    settings = get_settings()
    upgrade(settings.database_url)
    console.print("Database schema is up to date.")


@plant_app.command("load")
def plant_load(file: Annotated[Path, typer.Argument(help="The plant TOML file.")]) -> None:
    """Create or update a site from a plant file. Nothing is written if the file has a mistake."""
    try:
        plant = read_plant_file(file)
    except PlantFileError as error:
        errors.print(f"[red]{file} was not loaded[/red]; fix these and load it again:")
        for problem in error.problems:
            errors.print(f"  • {problem}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    factory = make_session_factory(make_engine(get_settings().database_url))
    with session_scope(factory) as session:
        changes = apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    if not changes:
        console.print(f"{plant.site.name}: already up to date, nothing changed.")
        return
    console.print(f"{plant.site.name}: {len(changes)} change(s)")
    for change in changes:
        console.print(f"  • {change}", highlight=False, markup=False)


@jobs_app.command("list")
def jobs_list() -> None:
    """Every job and what it posts."""
    for name, job in JOBS.items():
        console.print(f"[bold]{name}[/bold]  {job.description}", highlight=False)


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="The job, as `prodbot jobs list` shows it.")],
    at: Annotated[
        datetime | None,
        typer.Option(
            help="The clock the job believes it is (ISO-8601; default: now).", parser=_instant
        ),
    ] = None,
) -> None:
    """Run one job now. Safe to repeat: whatever it already posted is not posted again."""
    job = JOBS.get(name)
    if job is None:
        errors.print(f"[red]unknown job {name!r}[/red]; jobs: {', '.join(JOBS)}")
        raise typer.Exit(2)
    settings = get_settings()
    deps = JobDeps(
        session_factory=make_session_factory(make_engine(settings.database_url)),
        client=make_web_client(settings),
    )
    outcomes = job.run(at or datetime.now(UTC), deps)
    sent = [outcome for outcome in outcomes if outcome.sent]
    console.print(
        f"{name}: {len(sent)} posted, {len(outcomes) - len(sent)} already posted or retried later"
    )


@app.command("export")
def export(
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First production date.")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last production date.")
    ] = None,
    site: Annotated[
        str | None, typer.Option(help="Only this site's lines (its name; default: every site).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder to write the CSV files to.")] = Path("."),
) -> None:
    """Write entries, delays and issues as CSV files (the same files `/prod export` sends),
    at most 366 days at a time."""
    last = date_to.date() if date_to else date.today()
    first = date_from.date() if date_from else last - timedelta(days=6)
    if first > last:
        typer.echo(f"prodbot export: --from is after --to ({first} > {last})", err=True)
        raise typer.Exit(2)
    try:
        check_export_range(first, last)
    except ExportRangeError as error:
        typer.echo(f"prodbot export: {error.message}", err=True)
        raise typer.Exit(2) from None
    factory = make_session_factory(make_engine(get_settings().database_url))
    with session_scope(factory) as session:
        try:
            line_ids = None if site is None else lines_of_site(session, site_name=site)
        except NotFound as error:
            typer.echo(f"prodbot export: {error.message}", err=True)
            raise typer.Exit(2) from None
        files = export_csv_files(session, date_from=first, date_to=last, line_ids=line_ids)
    out.mkdir(parents=True, exist_ok=True)
    for file in files:
        (out / file.name).write_text(file.content, encoding="utf-8")
        console.print(f"{out / file.name}: {file.rows} row(s)", highlight=False)


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(help="An entries or delays CSV file as `prodbot export` writes it.")
    ],
) -> None:
    """Load historic output or delay records. Nothing is written if any row has a mistake;
    rows an earlier import already added are skipped."""
    factory = make_session_factory(make_engine(get_settings().database_url))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            report = import_csv_file(
                file,
                session_factory=factory,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except ImportFileError as error:
        errors.print(f"[red]{file} was not imported[/red]; fix these and import it again:")
        for problem in error.problems:
            errors.print(f"  • {problem}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    console.print(
        f"{file}: {report.rows} {report.kind} row(s), {report.added} added, "
        f"{report.skipped} skipped as already imported",
        highlight=False,
    )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(help="Port (default: $PORT, else 3000).")] = None,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 8,
) -> None:
    """HTTP mode: Slack requests at /slack/events, health at /healthz (under gunicorn)."""
    from bot.entry.server import run_gunicorn

    settings = get_settings()
    settings.require("slack_bot_token", "slack_signing_secret")
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
    settings = get_settings()
    engine = make_engine(settings.database_url)
    deps = JobDeps(session_factory=make_session_factory(engine), client=make_web_client(settings))
    raise typer.Exit(serve_scheduler(deps, leader_lock_for(engine), _stop_on_signal()))


@app.command("run")
def run() -> None:
    """Socket Mode bot and scheduler in one process: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = get_settings()
    tokens = settings.require("slack_bot_token", "slack_app_token")
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    client = make_web_client(settings)
    bolt = create_app(
        settings=settings, session_factory=session_factory, client=client, socket_mode=True
    )
    stop = _stop_on_signal()
    jobs_thread = threading.Thread(
        target=serve_scheduler,
        args=(JobDeps(session_factory, client), leader_lock_for(engine), stop),
        name="scheduler",
        daemon=True,
    )
    jobs_thread.start()
    handler = SocketModeHandler(bolt, app_token=tokens["slack_app_token"])
    handler.connect()
    stop.wait()
    handler.close()
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
    print(json.dumps(build_manifest(request_url=url), indent=2))
