"""The `prodbot` command line as an admin runs it, each test on its own SQLite file."""

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from models import OutputEntry, Site
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import in_shift

PRODBOT = str(Path(sys.executable).with_name("prodbot"))


class Cli:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.database_url = f"sqlite:///{directory / 'cli.db'}"

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("SLACK_") and key not in {"DATABASE_URL", "PRODBOT_PLANT"}
        }
        env.update(DATABASE_URL=self.database_url, COLUMNS="300")
        return subprocess.run(
            [PRODBOT, *args],
            cwd=self.directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def plant_file(tmp_path: Path) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(SAMPLE_PLANT)
    return path


@pytest.fixture
def loaded(cli: Cli, plant_file: Path) -> Cli:
    assert cli("db", "upgrade").returncode == 0
    assert cli("plant", "load", str(plant_file)).returncode == 0
    return cli


def test_db_upgrade_then_plant_load_creates_the_site(cli: Cli, plant_file: Path) -> None:
    upgraded = cli("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Database schema is up to date." in upgraded.stdout

    loaded = cli("plant", "load", str(plant_file))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("Riverside: ")
    assert "change(s)" in loaded.stdout

    engine = make_engine(cli.database_url)
    try:
        with make_session_factory(engine)() as session:
            [site] = session.scalars(select(Site)).all()
            assert (site.name, site.timezone) == ("Riverside", "Europe/Berlin")
            assert sorted(line.code for line in site.lines) == ["L1", "press2"]
            assert sorted(shift.name for shift in site.shifts) == ["A", "B", "C"]
    finally:
        engine.dispose()


def test_loading_the_same_plant_file_again_changes_nothing(loaded: Cli, plant_file: Path) -> None:
    again = loaded("plant", "load", str(plant_file))

    assert again.returncode == 0
    assert again.stdout.strip() == "Riverside: already up to date, nothing changed."


def test_a_broken_plant_file_exits_1_lists_the_problems_and_writes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("db", "upgrade").returncode == 0
    broken = tmp_path / "broken.toml"
    broken.write_text(
        SAMPLE_PLANT.replace('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"').replace(
            "ideal_rate = 120", "ideal_rate = -5"
        )
    )

    result = cli("plant", "load", str(broken))

    assert result.returncode == 1
    assert "was not loaded" in result.stderr
    assert "Mars/Olympus" in result.stderr
    assert "ideal_rate" in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.strip().startswith("•")]
    assert len(problems) == 2, result.stderr
    engine = make_engine(cli.database_url)
    try:
        with make_session_factory(engine)() as session:
            assert session.scalars(select(Site)).all() == []
    finally:
        engine.dispose()


def test_a_plant_file_that_is_not_toml_exits_1(cli: Cli, tmp_path: Path) -> None:
    assert cli("db", "upgrade").returncode == 0
    broken = tmp_path / "broken.toml"
    broken.write_text("[site\nname = ")

    result = cli("plant", "load", str(broken))

    assert result.returncode == 1
    assert "was not loaded" in result.stderr
    assert "Traceback" not in result.stderr


def _add_entries(database_url: str, entries: list[tuple[date, int, int]]) -> None:
    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            for index, (day, good, scrap) in enumerate(entries):
                session.add(
                    OutputEntry(
                        **in_shift(session, "L1", "A", day),
                        good=good,
                        scrap=scrap,
                        note=f"cli test {index}",
                        reported_by="U0LEAD0001",
                        reported_at=datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
                        request_key=f"cli.{index}",
                    )
                )
    finally:
        engine.dispose()


def test_export_writes_three_csv_files_with_the_rows_in_range(loaded: Cli, tmp_path: Path) -> None:
    _add_entries(
        loaded.database_url,
        [(date(2026, 11, 16), 321, 4), (date(2026, 11, 18), 55, 0), (date(2026, 11, 10), 999, 9)],
    )
    out = tmp_path / "exports"

    result = loaded("export", "--from", "2026-11-16", "--to", "2026-11-18", "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "delays-20261116-20261118.csv",
        "entries-20261116-20261118.csv",
        "issues-20261116-20261118.csv",
    ]
    with (out / "entries-20261116-20261118.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(r["production_date"], r["good"], r["scrap"], r["line"], r["shift"]) for r in rows] == [
        ("2026-11-16", "321", "4", "L1", "A"),
        ("2026-11-18", "55", "0", "L1", "A"),
    ]
    assert rows[0]["site"] == "Riverside"
    assert rows[0]["note"] == "cli test 0"
    assert rows[0]["reported_at"] == "2026-11-16T09:00:00+01:00"
    with (out / "delays-20261116-20261118.csv").open(newline="", encoding="utf-8") as file:
        assert next(csv.reader(file))[:3] == ["id", "site", "line"]
    assert "entries-20261116-20261118.csv: 2 row(s)" in result.stdout


def test_export_with_from_after_to_exits_2(loaded: Cli, tmp_path: Path) -> None:
    result = loaded("export", "--from", "2026-11-18", "--to", "2026-11-16", "--out", str(tmp_path))

    assert result.returncode == 2
    assert "--from is after --to" in result.stderr
    assert not list(tmp_path.glob("*.csv"))


def test_import_loads_an_export_into_another_database_and_refuses_a_bad_file(
    loaded: Cli, plant_file: Path, tmp_path: Path
) -> None:
    _add_entries(loaded.database_url, [(date(2026, 11, 16), 321, 4), (date(2026, 11, 17), 55, 0)])
    out = tmp_path / "exports"
    loaded("export", "--from", "2026-11-16", "--to", "2026-11-17", "--out", str(out))
    entries = out / "entries-20261116-20261117.csv"
    (tmp_path / "other").mkdir()
    target = Cli(tmp_path / "other")
    assert target("db", "upgrade").returncode == 0
    assert target("plant", "load", str(plant_file)).returncode == 0

    imported = target("import", str(entries))
    again = target("import", str(entries))
    bad = tmp_path / "bad.csv"
    bad.write_text(entries.read_text().replace(",321,", ",lots,"), encoding="utf-8")
    refused = target("import", str(bad))

    assert imported.returncode == 0, imported.stderr
    assert "2 entries row(s), 2 added, 0 skipped" in imported.stdout
    assert "2 added" not in again.stdout and "2 skipped as already imported" in again.stdout
    assert refused.returncode == 1
    assert "row 2: good:" in refused.stderr


def _manifest(cli: Cli, *args: str) -> dict:
    result = cli("manifest", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_manifest_without_url_uses_socket_mode(cli: Cli) -> None:
    manifest = _manifest(cli)

    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/output", "/delay", "/issue", "/prod"]
    assert all("url" not in c for c in commands)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert {"commands", "chat:write", "files:write", "im:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


def test_manifest_with_url_points_commands_and_buttons_at_the_events_endpoint(cli: Cli) -> None:
    manifest = _manifest(cli, "--url", "https://x.example/")

    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/output", "/delay", "/issue", "/prod"]
    assert {c["url"] for c in commands} == {"https://x.example/slack/events"}
    assert manifest["settings"]["interactivity"]["request_url"] == "https://x.example/slack/events"
    assert manifest["settings"]["event_subscriptions"] == {
        "bot_events": ["app_home_opened"],
        "request_url": "https://x.example/slack/events",
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is False
