"""What an operator sees when a ``prodbot`` command fails for a reason outside prodbot: one line
on stderr saying what to do, a non-zero exit code, no traceback (``prodbot --debug`` adds it).

Covered: a setting missing or wrong (exit 2), an unsupported ``DATABASE_URL`` (2), a database
that cannot be reached, does not exist, refuses the login or has no prodbot tables (1), and a
Slack that cannot be reached or refuses the token (1). Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from pydantic import ValidationError


class CliOptions:
    """The global options, set by the app's callback before a command runs."""

    debug = False


def run_reporting_errors(app: Callable[[], object]) -> None:
    try:
        app()
    except Exception as error:
        line, code = describe(error)
        if line is None:
            raise
        if CliOptions.debug:
            traceback.print_exc()
        typer.echo(f"prodbot: {line}", err=True)
        raise SystemExit(code) from None


def describe(error: BaseException) -> tuple[str | None, int]:
    """The line for ``error`` and the exit code; (None, 1) if it is not an operator's problem."""
    # Imported here, not at the top: `prodbot --help` needs none of them (bot/entry/cli.py).
    from pydantic import ValidationError

    from bot.db import describe_database_error
    from bot.settings import ConfigError, get_settings
    from bot.slack.readiness import describe_slack_error

    if isinstance(error, ConfigError):
        return str(error), 2
    if isinstance(error, ValidationError):
        return _setting_problem(error), 2
    settings = get_settings()
    line = describe_database_error(error, settings.database_url) or describe_slack_error(
        error, settings.slack_api_url
    )
    return line, 1


def _setting_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
    secret = any(word in name for word in ("TOKEN", "SECRET", "URL"))
    shown = "" if secret else f" (got {first.get('input')!r})"
    return f"{name} is not valid: {first['msg']}{shown}"
