"""``prodbot slack``: the workspace as prodbot sees it; and the names of a plant file swapped for
Slack ids before ``prodbot plant load`` writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.plant.file import PlantFile
    from bot.slack.client import WebClient

slack_app = typer.Typer(help="Look names up in the Slack workspace.", no_args_is_help=True)


def _connect() -> WebClient:
    from bot.settings import get_settings
    from bot.slack.client import make_web_client

    return make_web_client(get_settings())


def resolve_plant_names(plant: PlantFile, *, source: str) -> PlantFile:
    """The plant file with its channel and people names replaced by Slack ids (no Slack call for
    a file of ids); a PlantFileError lists every name Slack does not know."""
    from bot.slack.directory import resolve_plant

    return resolve_plant(plant, source=source, connect=_connect)


@slack_app.command("whois")
def whois(
    names: Annotated[
        list[str],
        typer.Argument(
            help="Names as the plant file takes them: #channel, an e-mail address, @display-name."
        ),
    ],
) -> None:
    """Print the Slack id each name stands for, as `prodbot plant load` would resolve it.
    Exits 1 if any name cannot be resolved."""
    from bot.plant.names import is_slack_id
    from bot.slack.directory import DirectoryError, look_up_names

    ids = [name for name in names if is_slack_id(name)]
    try:
        lookup = look_up_names(_connect(), [name for name in names if name not in ids])
    except DirectoryError as error:
        typer.echo(f"prodbot slack whois: {error}", err=True)
        raise typer.Exit(1) from None
    for name in dict.fromkeys(names):
        if name in ids:
            typer.echo(f"{name} → {name} (already a Slack id)")
        elif found := lookup.found.get(name):
            typer.echo(f"{name} → {found.id} ({found.what})")
        else:
            typer.echo(f"{name}: {lookup.problems[name]}", err=True)
    if lookup.problems:
        raise typer.Exit(1)
