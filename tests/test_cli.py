"""The `prodbot` command line as an admin runs it, each test on its own SQLite file (in this
process: tests/helpers_cli.py)."""

import csv
import json
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from models import OutputEntry, Site
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import in_shift
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_cli import run_prodbot


class Cli:
    """``prodbot`` as an admin types it in ``directory``, on its own SQLite file; run in this
    process (``tests/helpers_cli.py``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.database_url = f"sqlite:///{directory / 'cli.db'}"

    def __call__(self, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        env = {"DATABASE_URL": self.database_url, "COLUMNS": "300", **settings}
        return run_prodbot(*args, cwd=self.directory, env=env)


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


def test_plant_load_without_a_path_reads_prodbot_plant_else_plant_toml(
    cli: Cli, plant_file: Path, tmp_path: Path
) -> None:
    assert cli("db", "upgrade").returncode == 0
    elsewhere = tmp_path / "plants" / "riverside.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(SAMPLE_PLANT.replace('name = "Riverside"', 'name = "Riverside 2"'))

    from_setting = cli("plant", "load", PRODBOT_PLANT=str(elsewhere))
    from_folder = cli("plant", "load")  # ./plant.toml

    assert from_setting.returncode == 0, from_setting.stderr
    assert from_setting.stdout.startswith("Riverside 2: ")
    assert from_folder.returncode == 0, from_folder.stderr
    assert from_folder.stdout.startswith("Riverside: ")


def test_plant_load_of_a_missing_default_file_names_it(cli: Cli, tmp_path: Path) -> None:
    assert cli("db", "upgrade").returncode == 0

    result = cli("plant", "load", PRODBOT_PLANT=str(tmp_path / "nowhere.toml"))

    assert result.returncode == 1
    assert "nowhere.toml was not loaded" in result.stderr
    assert "Traceback" not in result.stderr


NEXT_RUN = re.compile(
    r"^    next run: (\w{3} \d{4}-\d\d-\d\d \d\d:\d\d) (\w+) \(([\w/]+)\) at (.+)$"
)


def _next_digest(now: datetime) -> str:
    """When the sample plant's daily 07:00 digest fires next after ``now``, in Berlin."""
    local = now.astimezone(ZoneInfo("Europe/Berlin"))
    due = local.replace(hour=7, minute=0, second=0, microsecond=0)
    if due <= local:
        due = (local + timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)
    return f"{due:%a %Y-%m-%d %H:%M}"


def test_jobs_list_shows_each_jobs_next_run_in_the_sites_zone(loaded: Cli) -> None:
    before = _next_digest(datetime.now(UTC))
    result = loaded("jobs", "list")
    after = _next_digest(datetime.now(UTC))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    runs = {
        lines[index - 1].split()[0]: NEXT_RUN.match(line)
        for index, line in enumerate(lines)
        if line.startswith("    next run:")
    }
    for job in ("shift-summary", "pace-check", "missing-report", "digest", "weekly-digest"):
        match = runs[job]
        assert match is not None, result.stdout
        assert match.group(2) in {"CET", "CEST"}
        assert match.group(3, 4) == ("Europe/Berlin", "Riverside")
    assert runs["digest"].group(1) in {before, after}  # type: ignore[union-attr]


def test_jobs_list_before_any_plant_says_nothing_is_scheduled(cli: Cli) -> None:
    assert cli("db", "upgrade").returncode == 0

    result = cli("jobs", "list")

    assert result.returncode == 0, result.stderr
    assert "shift-summary" in result.stdout
    assert "next run:" not in result.stdout
    assert "No site is loaded, so nothing is scheduled" in result.stdout


SLACK = {"SLACK_BOT_TOKEN": "xoxb-test-token"}


def test_jobs_run_at_without_an_offset_is_the_sites_local_time(
    loaded: Cli, fake_slack: FakeSlackAPI
) -> None:
    result = loaded(
        "jobs", "run", "escalations", "--at", "2026-07-01T07:00:00",
        SLACK_API_URL=fake_slack.base_url, **SLACK,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert (
        "--at 2026-07-01T07:00:00 is taken as 2026-07-01 07:00 CEST (Europe/Berlin), "
        "the time at Riverside"
    ) in result.stdout
    assert "escalations: 0 posted" in result.stdout


def test_jobs_run_at_without_an_offset_needs_site_when_there_are_several(
    loaded: Cli, tmp_path: Path, fake_slack: FakeSlackAPI
) -> None:
    lakeside = tmp_path / "lakeside.toml"
    lakeside.write_text(
        SAMPLE_PLANT.replace('name = "Riverside"', 'name = "Lakeside"')
        .replace("Europe/Berlin", "America/Chicago")
        .replace('code = "L1"', 'code = "LK1"')
        .replace('code = "press2"', 'code = "LK2"')
    )
    assert loaded("plant", "load", str(lakeside)).returncode == 0, "second site"
    slack = {"SLACK_API_URL": fake_slack.base_url, **SLACK}

    ambiguous = loaded("jobs", "run", "escalations", "--at", "2026-11-18T07:00", **slack)
    with_site = loaded(
        "jobs", "run", "escalations", "--at", "2026-11-18T07:00", "--site", "lakeside", **slack
    )
    unknown = loaded(
        "jobs", "run", "escalations", "--at", "2026-11-18T07:00", "--site", "X", **slack
    )
    with_offset = loaded("jobs", "run", "escalations", "--at", "2026-11-18T07:00:00+01:00", **slack)

    assert ambiguous.returncode == 2
    assert ambiguous.stderr.splitlines() == [
        "prodbot jobs run: --at has no UTC offset and there are 2 sites (Riverside, Lakeside): "
        "add --site NAME or the offset"
    ]
    assert with_site.returncode == 0, with_site.stderr
    assert "2026-11-18 07:00 CST (America/Chicago), the time at Lakeside" in with_site.stdout
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines() == [
        "prodbot jobs run: no site is named 'X'; sites: Riverside, Lakeside"
    ]
    assert with_offset.returncode == 0, with_offset.stderr
    assert "taken as" not in with_offset.stdout
