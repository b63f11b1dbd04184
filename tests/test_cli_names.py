"""`prodbot plant load` with names instead of ids, and `prodbot slack whois`, as an admin runs
them against the fake Slack."""

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from models import Line, Site
from tests.conftest import SAMPLE_PLANT
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_directory import NAMED_PLANT, fill_directory
from tests.test_cli import Cli
from tests.test_plant import row_counts


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    assert cli("db", "upgrade").returncode == 0
    return cli


@pytest.fixture
def slack(fake_slack: FakeSlackAPI) -> dict[str, str]:
    """The settings that point `prodbot` at the fake Slack, its directory filled."""
    fill_directory(fake_slack)
    return {"SLACK_API_URL": fake_slack.base_url, "SLACK_BOT_TOKEN": "xoxb-test-token"}


def plant_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(text)
    return path


def stored(cli: Cli) -> tuple[str | None, dict[str, str], dict[str, int]]:
    """The digest channel, each line's channel id, and every table's row count."""
    engine = make_engine(cli.database_url)
    try:
        with make_session_factory(engine)() as session:
            site = session.scalars(select(Site)).one_or_none()
            channels = {line.code: line.channel_id for line in session.scalars(select(Line))}
            return (site.digest_channel if site else None), channels, row_counts(session)
    finally:
        engine.dispose()


def test_plant_load_resolves_names_and_stores_the_ids(
    cli: Cli, tmp_path: Path, slack: dict[str, str]
) -> None:
    result = cli("plant", "load", str(plant_file(tmp_path, NAMED_PLANT)), **slack)

    assert result.returncode == 0, result.stderr
    assert "Riverside: " in result.stdout
    digest, channels, _ = stored(cli)
    assert digest == "G0DIGEST01"
    assert channels == {"L1": "C0LINE0001", "press2": "C0PRESS002"}
    assert "#" not in result.stdout and "@example.com" not in result.stdout  # ids reported

    # The same plant written with the ids the names stood for is already loaded.
    as_ids = SAMPLE_PLANT.replace("C0DIGEST01", "G0DIGEST01")
    again = cli("plant", "load", str(plant_file(tmp_path, as_ids)))
    assert again.stdout.strip() == "Riverside: already up to date, nothing changed.", again.stderr


def test_plant_load_with_an_unknown_name_lists_each_and_writes_nothing(
    cli: Cli, tmp_path: Path, slack: dict[str, str], fake_slack: FakeSlackAPI
) -> None:
    assert cli("plant", "load", str(plant_file(tmp_path, SAMPLE_PLANT))).returncode == 0
    before = stored(cli)
    broken = NAMED_PLANT.replace("marco.rossi@example.com", "ann@example.com").replace(
        "#line-1-bottling", "#line-9"
    )

    result = cli("plant", "load", str(plant_file(tmp_path, broken)), **slack)

    assert result.returncode == 1
    path = tmp_path / "plant.toml"
    problems = [line.strip() for line in result.stderr.splitlines() if "•" in line]
    assert problems == [
        f"• {path}: lines[0].channel: no Slack channel named #line-9 (archived channels are left "
        "out; a private channel is seen only once prodbot is invited to it)",
        f"• {path}: lines[0].managers[0], lines[1].managers[0]: no Slack user with the e-mail "
        "ann@example.com",
    ], result.stderr
    assert "was not loaded" in result.stderr
    assert stored(cli) == before
    assert fake_slack.calls_to("users.lookupByEmail")  # it did ask


def test_plant_load_of_a_file_of_ids_makes_no_slack_call(
    cli: Cli, tmp_path: Path, slack: dict[str, str], fake_slack: FakeSlackAPI
) -> None:
    result = cli("plant", "load", str(plant_file(tmp_path, SAMPLE_PLANT)), **slack)

    assert result.returncode == 0, result.stderr
    assert fake_slack.calls == []


def test_plant_load_with_names_needs_the_bot_token(cli: Cli, tmp_path: Path) -> None:
    result = cli("plant", "load", str(plant_file(tmp_path, NAMED_PLANT)))

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert stored(cli)[0] is None


def test_slack_whois_prints_what_each_name_is_and_exits_1_for_an_unknown_one(
    cli: Cli, slack: dict[str, str]
) -> None:
    known = cli("slack", "whois", "#plant-digest", "hanna@example.com", "@Jonas", **slack)
    unknown = cli("slack", "whois", "#general", "@nobody", **slack)

    assert known.returncode == 0, known.stderr
    assert known.stdout.splitlines() == [
        "#plant-digest → G0DIGEST01 (private channel #plant-digest)",
        "hanna@example.com → U0HEAD0001 (user Hanna Berg (@hanna))",
        "@Jonas → U0LEAD0002 (user Jonas Lind (@Jonas))",
    ]
    assert unknown.returncode == 1
    assert unknown.stdout.splitlines() == ["#general → C0GENERAL1 (public channel #general)"]
    assert unknown.stderr.strip() == (
        "@nobody: no Slack user with the display name @nobody (deactivated users and bots are "
        "left out)"
    )
