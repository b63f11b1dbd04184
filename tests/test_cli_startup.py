"""``prodbot --help`` stays quick (issue #10): the CLI imports what a command uses inside the
command, so showing the help loads none of the app, the database, the jobs or the importer.

Timings are for ``benchmarks/cli_startup.py``; this checks what the help imports, in a fresh
interpreter each time."""

import json
import subprocess
import sys

import pytest

# Each costs from tens to hundreds of milliseconds at start-up, and no help screen needs one.
HEAVY = (
    "slack_bolt",
    "slack_sdk",
    "alembic",
    "apscheduler",
    "PIL",
    "sqlalchemy",
    "pydantic_settings",
    "models",
    "jobs.registry",
    "bot.db",
    "bot.settings",
    "bot.entry.app",
    "bot.transfer.importer",
    "bot.transfer.export",
)

SHOW_HELP = """
import contextlib, io, json, sys
from bot.entry.cli import main
heavy, sys.argv = json.loads(sys.argv[1]), ["prodbot", *sys.argv[2:]]
with contextlib.redirect_stdout(io.StringIO()) as shown, contextlib.suppress(SystemExit):
    main()
loaded = [name for name in heavy if name in sys.modules]
print(json.dumps({"help": shown.getvalue(), "heavy": loaded}))
"""


def _show_help(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SHOW_HELP, json.dumps(HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    shown: dict[str, object] = json.loads(done.stdout)
    return shown


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (["--help"], "Commands"),
        (["plant", "--help"], "load"),
        (["jobs", "--help"], "run"),
        (["screen", "--help"], "token"),
        (["import", "--help"], "CSV file"),
    ],
)
def test_the_help_imports_nothing_heavy(args: list[str], shows: str) -> None:
    shown = _show_help(*args)

    assert shows in str(shown["help"])
    assert shown["heavy"] == []
