"""`prodbot export` as an admin runs it: every site or one, at most 366 days, one-line refusals.

Each test runs the real command on its own SQLite file, with two sites loaded: Riverside
(Berlin) and Hillside (New York).
"""

import csv
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from models import Line, OutputEntry, Shift
from tests.conftest import SAMPLE_PLANT
from tests.transfer.test_export_files import HILLSIDE

PRODBOT = str(Path(sys.executable).with_name("prodbot"))
REPORTED = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


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
        env.update(DATABASE_URL=self.database_url, COLUMNS="80")
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
    """Two sites loaded, and 321 good on each line of each on Monday 16 Nov 2026."""
    cli = Cli(tmp_path)
    assert cli("db", "upgrade").returncode == 0
    for name, text in (("riverside.toml", SAMPLE_PLANT), ("hillside.toml", HILLSIDE)):
        (tmp_path / name).write_text(text)
        assert cli("plant", "load", str(tmp_path / name)).returncode == 0
    engine = make_engine(cli.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            for line in session.scalars(select(Line).order_by(Line.id)):
                shift_id = session.scalars(
                    select(Shift.id).where(Shift.site_id == line.site_id, Shift.name == "A")
                ).one()
                session.add(
                    OutputEntry(
                        line_id=line.id,
                        shift_id=shift_id,
                        production_date=date(2026, 11, 16),
                        good=321,
                        scrap=0,
                        reported_by="U0LEAD0001",
                        reported_at=REPORTED,
                    )
                )
    finally:
        engine.dispose()
    return cli


def _entries(out: Path) -> list[dict[str, str]]:
    with (out / "entries-20261116-20261116.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_without_site_every_site_is_exported_each_in_its_own_time(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "all"

    result = cli("export", "--from", "2026-11-16", "--to", "2026-11-16", "--out", str(out))

    assert result.returncode == 0, result.stderr
    rows = _entries(out)
    assert [(row["site"], row["line"], row["reported_at"]) for row in rows] == [
        ("Hillside", "H1", "2026-11-16T07:00:00-05:00"),
        ("Riverside", "L1", "2026-11-16T13:00:00+01:00"),
        ("Riverside", "press2", "2026-11-16T13:00:00+01:00"),
    ]
    assert {row["reported_by_name"] for row in rows} == {""}  # no Slack at the terminal


def test_site_keeps_to_that_sites_lines(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "hillside"

    result = cli(
        "export", "--from", "2026-11-16", "--to", "2026-11-16", "--site", "hillside",
        "--out", str(out),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert [(row["site"], row["line"]) for row in _entries(out)] == [("Hillside", "H1")]
    # rich wraps stdout at the terminal's 80 columns; refusals (stderr) are never wrapped
    assert "entries-20261116-20261116.csv: 1 row(s)" in result.stdout.replace("\n", "")


def test_an_unknown_site_exits_2_with_one_line_naming_the_sites(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "--site", "Nowhere", "--out", str(tmp_path / "none"))

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "prodbot export: There is no site 'Nowhere' (sites: Hillside, Riverside)."
    ]
    assert not (tmp_path / "none").exists()


def test_more_than_366_days_exits_2_with_one_line_and_writes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "year"

    refused = cli("export", "--from", "2025-11-15", "--to", "2026-11-16", "--out", str(out))
    accepted = cli("export", "--from", "2025-11-16", "--to", "2026-11-16", "--out", str(out))

    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "prodbot export: An export covers at most 366 days, and 2025-11-15 to 2026-11-16 is "
        "367. Ask for a shorter range, one year at a time."
    ]
    assert accepted.returncode == 0, accepted.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "delays-20251116-20261116.csv",
        "entries-20251116-20261116.csv",
        "issues-20251116-20261116.csv",
    ]


def test_from_after_to_exits_2_with_one_line(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "--from", "2026-11-18", "--to", "2026-11-16", "--out", str(tmp_path))

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "prodbot export: --from is after --to (2026-11-18 > 2026-11-16)"
    ]
    assert not list(tmp_path.glob("*.csv"))
