"""What an operator reads when a command cannot do its work for a reason outside prodbot: one
line on stderr saying what to do, a non-zero exit code, no traceback unless ``--debug``."""

import os
import re
import subprocess
from pathlib import Path
from urllib.error import URLError

import pytest
from sqlalchemy import make_url

from bot.entry import cli
from tests.conftest import SAMPLE_PLANT
from tests.fakes.tcp_proxy import running_tcp_proxy
from tests.helpers_cli import NOT_PASSED_ON, run_prodbot
from tests.test_serve import PRODBOT, free_port

# A long-running command (the scheduler) may have logged what it did before the problem.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) ")
MISSING_SCHEMA = "prodbot: the database has no prodbot tables: run `prodbot db upgrade`"
POSTGRESQL = os.environ.get("DATABASE_URL", "")
POSTGRESQL_ONLY = pytest.mark.skipif(
    not POSTGRESQL.startswith("postgres"), reason="needs a PostgreSQL server (DATABASE_URL)"
)
# Every command that reads the database, as an operator would type it in the test's folder.
COMMANDS = [
    ["jobs", "list"],
    ["jobs", "run", "digest"],
    ["export"],
    ["import", "entries.csv"],
    ["plant", "load"],
    ["scheduler"],
]


# Commands that run until stopped get a process of their own, so one that started serving by
# mistake fails on the timeout instead of hanging the suite.
LONG_RUNNING = {"scheduler", "serve", "run"}


def prodbot(folder: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``prodbot *args`` in ``folder`` with only ``settings`` and a Slack nobody listens at; in
    this process (``tests/helpers_cli.py``) unless the command runs until stopped."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/",
        **settings,
    }
    command = next(arg for arg in args if not arg.startswith("-"))
    if command not in LONG_RUNNING:
        return run_prodbot(*args, cwd=folder, env=env)
    inherited = {
        key: value for key, value in os.environ.items() if not key.startswith(NOT_PASSED_ON)
    }
    return subprocess.run(
        [PRODBOT, *args],
        cwd=folder,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "plant.toml").write_text(SAMPLE_PLANT)
    (tmp_path / "entries.csv").write_text(
        "id,site,line,shift,production_date,good,scrap,note,reported_by,reported_at\n"
        "1,Riverside,L1,A,2026-11-16,100,0,,U0LEAD0001,2026-11-16T08:00:00+01:00\n"
    )
    return tmp_path


def assert_one_line(result: subprocess.CompletedProcess[str], line: str, code: int = 1) -> None:
    assert result.returncode == code, result.stderr
    said = [text for text in result.stderr.splitlines() if not LOG_LINE.match(text)]
    assert said == [line], result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_on_a_database_without_tables_says_to_upgrade(
    folder: Path, command: list[str]
) -> None:
    result = prodbot(folder, *command, DATABASE_URL=f"sqlite:///{folder / 'empty.db'}")

    assert_one_line(result, MISSING_SCHEMA)


@POSTGRESQL_ONLY
def test_a_postgresql_database_without_prodbot_tables_says_to_upgrade(folder: Path) -> None:
    # Another schema of the same database: none of prodbot's tables are on the search path.
    url = make_url(POSTGRESQL).update_query_dict({"options": "-csearch_path=no_prodbot_here"})

    result = prodbot(folder, "jobs", "list", DATABASE_URL=url.render_as_string(False))

    assert_one_line(result, MISSING_SCHEMA)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_says_when_the_database_cannot_be_reached(
    folder: Path, command: list[str]
) -> None:
    port = free_port()

    result = prodbot(folder, *command, DATABASE_URL=f"postgresql://prodbot@127.0.0.1:{port}/x")

    assert_one_line(
        result,
        f"prodbot: cannot reach the database at 127.0.0.1:{port}: check DATABASE_URL, the "
        "network, and that PostgreSQL is running",
    )


def test_a_database_that_never_answers_is_unreachable_after_the_connect_timeout(
    folder: Path,
) -> None:
    with running_tcp_proxy("127.0.0.1", free_port()) as silent:
        silent.black_hole()
        url = f"postgresql://prodbot@127.0.0.1:{silent.port}/x"

        result = prodbot(folder, "export", DATABASE_URL=url)

    assert_one_line(
        result,
        f"prodbot: cannot reach the database at 127.0.0.1:{silent.port}: check DATABASE_URL, "
        "the network, and that PostgreSQL is running",
    )


@POSTGRESQL_ONLY
def test_an_unknown_database_is_named_with_how_to_create_it(folder: Path) -> None:
    url = make_url(POSTGRESQL).set(database="prodbot_no_such_db")
    where = f"{url.host}:{url.port or 5432}"

    result = prodbot(folder, "jobs", "list", DATABASE_URL=url.render_as_string(False))

    assert_one_line(
        result,
        f"prodbot: there is no database 'prodbot_no_such_db' at {where}: create it (createdb "
        "prodbot_no_such_db) or fix the name in DATABASE_URL",
    )


@pytest.mark.parametrize("url", ["mysql://app:pw@db/prod", "foo://x"])
@pytest.mark.parametrize("command", [*COMMANDS, ["db", "upgrade"]], ids=" ".join)
def test_an_unsupported_database_url_is_one_line_and_exit_2(
    folder: Path, command: list[str], url: str
) -> None:
    scheme = url.split(":")[0]

    result = prodbot(folder, *command, DATABASE_URL=url)

    assert_one_line(
        result,
        f"prodbot: DATABASE_URL is a {scheme}:// URL, which prodbot does not support: use "
        "postgresql://USER:PASSWORD@HOST:5432/NAME or sqlite:///prodbot.db",
        code=2,
    )
    assert "pw" not in result.stderr


def test_serve_with_an_unsupported_database_url_stops_before_starting_a_server(
    folder: Path,
) -> None:
    result = prodbot(folder, "serve", DATABASE_URL="mysql://db/prod", SLACK_SIGNING_SECRET="s")

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("prodbot: DATABASE_URL is a mysql:// URL")
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback_before_the_line(folder: Path) -> None:
    url = f"sqlite:///{folder / 'empty.db'}"

    plain = prodbot(folder, "jobs", "list", DATABASE_URL=url)
    debug = prodbot(folder, "--debug", "jobs", "list", DATABASE_URL=url)

    assert "Traceback" not in plain.stderr
    assert debug.returncode == plain.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "no such table" in debug.stderr
    assert debug.stderr.splitlines()[-1] == MISSING_SCHEMA


def test_a_mistake_in_the_code_keeps_its_traceback(
    monkeypatch: pytest.MonkeyPatch, folder: Path
) -> None:
    monkeypatch.setattr(cli, "JOBS", {"broken": _Raising(KeyError("a bug"))})

    with pytest.raises(KeyError):
        prodbot(folder, "jobs", "run", "broken", DATABASE_URL=f"sqlite:///{folder / 'unused.db'}")


class _Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def run(self, *_: object) -> list[object]:
        raise self.error


def test_a_slack_that_cannot_be_reached_is_one_line(
    monkeypatch: pytest.MonkeyPatch, folder: Path
) -> None:
    refused = URLError(ConnectionRefusedError(111, "Connection refused"))
    monkeypatch.setattr(cli, "JOBS", {"posts": _Raising(refused)})
    settings = {
        "DATABASE_URL": f"sqlite:///{folder / 'unused.db'}",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }

    plain = prodbot(folder, "jobs", "run", "posts", **settings)
    debug = prodbot(folder, "--debug", "jobs", "run", "posts", **settings)

    assert plain.returncode == debug.returncode == 1
    assert plain.stderr.splitlines() == [
        "prodbot: cannot reach Slack at http://127.0.0.1:9/api/ ([Errno 111] Connection "
        "refused): check the network, a proxy or firewall, and SLACK_API_URL"
    ]
    assert "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()
