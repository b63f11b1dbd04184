"""``prodbot init``: a commented plant file to start a plant from, never over an existing one."""

import shlex
from importlib import resources
from pathlib import Path
from typing import Annotated, NoReturn

import typer

# Shipped inside the package (bot/plant/template.toml): every key of the plant file, explained.
TEMPLATE = resources.files("bot.plant").joinpath("template.toml")


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def plant_template() -> str:
    """The text ``prodbot init`` writes."""
    return TEMPLATE.read_text(encoding="utf-8")


def init(
    path: Annotated[
        Path, typer.Argument(help="Where to write the plant file (refused if it exists).")
    ] = Path("plant.toml"),
) -> None:
    """Write a commented plant file to start from, and print the next three commands.

    An existing file is never overwritten.
    """
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(plant_template())
    except FileExistsError:
        _refuse(f"{path} already exists; nothing was written (edit it, or name a new file)")
    except FileNotFoundError:
        _refuse(f"{path}: the folder {path.parent} does not exist; nothing was written")
    except OSError as error:
        _refuse(f"{path} cannot be written ({error.strerror}); nothing was written")
    for line in next_steps(path):
        typer.echo(line)


def next_steps(path: Path) -> list[str]:
    """What ``prodbot init`` prints after writing ``path``."""
    name = shlex.quote(str(path))
    return [
        f"Wrote {path}: a plant file to start from, every key explained in it.",
        "Next:",
        f"  1. edit {path}: site name, time zone, shifts, lines, channels and people "
        "(every CHANGE ME; docs/plant-file.md)",
        "  2. create the Slack app from `prodbot manifest` and set SLACK_BOT_TOKEN and "
        "SLACK_APP_TOKEN (docs/slack-setup.md): loading looks up channel and people names",
        f"  3. prodbot db upgrade && prodbot plant load {name} && prodbot run",
    ]


def _refuse(problem: str) -> NoReturn:
    typer.echo(f"prodbot init: {problem}", err=True)
    raise typer.Exit(1)
