"""``prodbot export`` and ``prodbot import``: production records as CSV files, out and in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_file)


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
    from concurrent.futures import ThreadPoolExecutor

    from bot.db import session_scope
    from bot.errors import NotFound
    from bot.transfer.export import (
        KINDS,
        Kind,
        file_name,
        lines_of_site,
        write_csv,
    )
    from bot.transfer.export_range import ExportRangeError, check_export_range

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
    factory = _session_factory()
    with session_scope(factory) as session:
        try:
            line_ids = None if site is None else lines_of_site(session, site_name=site)
        except NotFound as error:
            typer.echo(f"prodbot export: {error.message}", err=True)
            raise typer.Exit(2) from None
    out.mkdir(parents=True, exist_ok=True)

    def write(kind: Kind) -> tuple[Path, int]:
        path = out / file_name(kind, first, last)
        with (
            session_scope(factory) as session,
            path.open("w", newline="", encoding="utf-8") as file,
        ):
            return path, write_csv(
                session, kind, file, date_from=first, date_to=last, line_ids=line_ids
            )

    # Each file on its own connection and thread: the database works on the three at once.
    console = Console()
    with ThreadPoolExecutor(len(KINDS), thread_name_prefix="export") as pool:
        for path, rows in pool.map(write, KINDS):
            console.print(f"{path}: {rows} row(s)", highlight=False)


def import_file(
    file: Annotated[
        Path, typer.Argument(help="An entries or delays CSV file as `prodbot export` writes it.")
    ],
) -> None:
    """Load historic output or delay records. Nothing is written if any row has a mistake;
    rows an earlier import already added are skipped."""
    from rich import progress

    from bot.transfer.importer import ImportFileError, import_csv_file

    factory = _session_factory()
    console, errors = Console(), Console(stderr=True)
    columns = (
        progress.TextColumn("{task.description}"),
        progress.BarColumn(),
        progress.MofNCompleteColumn(),
        progress.TimeRemainingColumn(),
    )
    try:
        with progress.Progress(
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


def _session_factory() -> sessionmaker[Session]:
    from bot.db import engine_for, make_session_factory
    from bot.settings import get_settings

    return make_session_factory(engine_for(get_settings()))
