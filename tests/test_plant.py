"""The plant file: validation that lists every problem, and an idempotent, in-place apply."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.plant.apply import apply_plant
from bot.plant.file import PlantFileError, read_plant_file
from models import (
    AuditRecord,
    Base,
    CalendarEntry,
    Line,
    Person,
    Role,
    RoleAssignment,
    Severity,
    Shift,
    Site,
    Target,
)
from tests.conftest import SAMPLE_PLANT

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


@contextmanager
def _recording_writes(session: Session, writes: list[str]) -> Iterator[None]:
    """Collect every INSERT, UPDATE or DELETE the session's engine runs meanwhile."""
    engine = session.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", record)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PlantFileError) as caught:
        read_plant_file(path)
    return caught.value.problems


def test_sample_plant_file_loads(plant_toml: Path) -> None:
    plant = read_plant_file(plant_toml)

    assert plant.site.name == "Riverside"
    assert plant.site.zone.key == "Europe/Berlin"
    assert plant.site.digest_time == time(7, 0)
    assert plant.site.delay_reasons[0] == "breakdown"
    assert [s.name for s in plant.shifts] == ["A", "B", "C"]
    assert plant.shifts[2].start == time(22) and plant.shifts[2].end == time(6)
    assert plant.lines[0].unit_cost == Decimal("0.40")
    assert plant.lines[0].targets == {"A": 800, "B": 800, "C": 600}
    assert plant.lines[1].unit == "parts" and plant.lines[1].ideal_rate is None
    assert plant.calendar[0].day == date(2026, 12, 24)
    assert plant.alerts.escalation[Severity.CRITICAL] == [0, 15]


def test_alerts_and_optional_keys_have_defaults(tmp_path: Path) -> None:
    minimal = """\
[site]
name = "Small"
timezone = "America/Chicago"

[[shifts]]
name = "day"
start = "07:00"
end = "15:30"
days = ["fri", "mon"]

[[lines]]
code = "pack_1"
name = "Packing"
channel = "G0PACK1"
"""
    plant = read_plant_file(write(tmp_path, minimal))

    assert plant.site.digest_time == time(7, 0)
    assert plant.site.heads == [] and plant.site.digest_channel is None
    assert plant.shifts[0].days == ["mon", "fri"]
    assert plant.lines[0].unit == "units" and plant.lines[0].targets == {}
    assert plant.alerts.pace_alert == 0.90 and plant.alerts.pace_escalate == 0.75
    assert plant.alerts.report_grace_minutes == 15
    assert plant.alerts.missing_report_minutes == 30
    assert plant.alerts.model_dump(mode="json")["escalation"] == {
        "critical": [0, 15],
        "high": [15, 60],
        "medium": [240],
    }


def test_a_file_with_mistakes_is_refused_with_every_problem(
    tmp_path: Path, session: Session
) -> None:
    broken = (
        SAMPLE_PLANT.replace('"Europe/Berlin"', '"Europe/Berlinn"')
        .replace("targets = { A = 400, B = 400 }", "targets = { A = -5, X = 400 }")
        .replace('start = "14:00"\nend = "22:00"', 'start = "25:00"\nend = "22:00"')
        .replace('code = "press2"', 'code = "l1"')
        .replace('unit = "parts"', 'unit = "parts"\ncolour = "blue"')
        .replace("pace_escalate = 0.75", "pace_escalate = 0.95")
        .replace('operators = ["U0OPER0001"]', 'operators = ["oper1"]')
        .replace('heads = ["U0HEAD0001"]', 'heads = ["U0HEAD0001"]\nslack_team = "factory"')
    )
    path = write(tmp_path, broken)

    problems = problems_of(path)

    assert all(problem.startswith(f"{path}: ") for problem in problems)
    keys_and_texts = [problem.removeprefix(f"{path}: ") for problem in problems]
    assert sorted(keys_and_texts) == sorted(
        [
            "site.timezone: unknown time zone 'Europe/Berlinn' "
            "(use an IANA name like 'Europe/Berlin')",
            "shifts[1].start: expected a time \"HH:MM\" from 00:00 to 23:59, got '25:00'",
            "lines[1].colour: unknown key",
            "lines[1].targets.A: input should be greater than or equal to 0 (got -5)",
            "lines[1].targets.X: unknown shift 'X' (shifts are A, B, C)",
            "lines[1].code: duplicate line code 'l1' (also lines[0])",
            "alerts: pace_escalate (0.95) is above pace_alert (0.9)",
            "lines[0].operators[0]: 'oper1' is not a Slack user id (U or W, then capitals/digits)",
            "site.slack_team: 'factory' is not a Slack workspace id (T or E, then capitals/digits)",
        ]
    )
    assert sum(row_counts(session).values()) == 0


def test_more_mistakes_are_reported_with_their_key_paths(tmp_path: Path) -> None:
    broken = (
        SAMPLE_PLANT.replace('heads = ["U0HEAD0001"]', 'heads = ["boss"]')
        .replace('days = ["mon", "tue", "wed", "thu", "fri"]\nbreak_minutes = 30', "days = []", 1)
        .replace('name = "C"', 'name = "a"')
        .replace("lines = []\nshifts = []", 'lines = ["L9"]\nshifts = ["Z"]')
        .replace("medium = [240]", "medium = [240, 480, 960], urgent = [0]")
    )

    problems = [p.split(": ", 1)[1] for p in problems_of(write(tmp_path, broken))]

    assert "site.heads[0]: 'boss' is not a Slack user id (U or W, then capitals/digits)" in problems
    assert "shifts[0].days: list should have at least 1 item after validation, not 0" in problems
    assert "shifts[2].name: duplicate shift name 'a' (also shifts[0])" in problems
    assert "calendar[0].lines[0]: unknown line 'L9' (lines are L1, press2)" in problems
    assert "calendar[0].shifts[0]: unknown shift 'Z' (shifts are A, B)" in problems
    assert "alerts.escalation.medium: list should have at most 2 items after validation, not 3" in (
        problems
    )
    assert any(p.startswith("alerts.escalation.urgent: input should be 'low'") for p in problems)


def test_two_calendar_entries_for_the_same_day_and_scope_are_refused(tmp_path: Path) -> None:
    repeated = SAMPLE_PLANT.replace(
        "[alerts]", '[[calendar]]\ndate = 2026-12-24\nreason = "Again"\n\n[alerts]'
    )

    problems = problems_of(write(tmp_path, repeated))

    assert [p.split(": ", 1)[1] for p in problems] == [
        "calendar[1]: same date, lines and shifts as calendar[0]"
    ]


def test_a_shift_that_starts_when_it_ends_is_refused(tmp_path: Path) -> None:
    broken = SAMPLE_PLANT.replace(
        'start = "22:00"\nend = "06:00"', 'start = "22:00"\nend = "22:00"'
    )

    problems = problems_of(write(tmp_path, broken))

    assert [p.split(": ", 1)[1] for p in problems] == ["shifts[2]: start and end are the same time"]


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nname = "Riverside\ntimezone = "UTC"\n')

    assert problems_of(path) == [
        f"{path}: line 2, column 18: not valid TOML: Illegal character '\\n'"
    ]


def test_missing_file_is_a_plant_file_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    assert problems_of(path) == [f"{path}: no such file"]


def test_apply_creates_the_plant(plant_toml: Path, session: Session) -> None:
    changes = apply_plant(session=session, plant=read_plant_file(plant_toml), at=AT)
    session.commit()

    site = session.scalars(select(Site)).one()
    assert (site.name, site.timezone, site.digest_channel, site.slack_team) == (
        "Riverside",
        "Europe/Berlin",
        "C0DIGEST01",
        None,
    )
    assert site.alert_settings["escalation"]["critical"] == [0, 15]
    assert "site Riverside: created" in changes
    shifts = {s.name: s for s in session.scalars(select(Shift))}
    assert shifts["C"].start == time(22) and shifts["C"].weekdays[0] == "mon"
    lines = {ln.code: ln for ln in session.scalars(select(Line))}
    assert lines["press2"].code_key == "press2" and lines["L1"].unit_cost == Decimal("0.4")
    targets = {
        (t.line_id, t.shift_id): t.units
        for t in session.scalars(select(Target))
        if t.valid_from is None
    }
    assert targets[(lines["L1"].id, shifts["C"].id)] == 600
    assert len(targets) == 5
    roles = {
        (person.slack_user_id, ra.role, ra.line_id)
        for ra, person in session.execute(select(RoleAssignment, Person).join(Person))
    }
    assert roles == {
        ("U0HEAD0001", Role.HEAD, None),
        ("U0LEAD0001", Role.LEAD, lines["L1"].id),
        ("U0LEAD0002", Role.LEAD, lines["press2"].id),
        ("U0OPER0001", Role.OPERATOR, lines["L1"].id),
        ("U0MGR00001", Role.MANAGER, lines["L1"].id),
        ("U0MGR00001", Role.MANAGER, lines["press2"].id),
    }
    entry = session.scalars(select(CalendarEntry)).one()
    assert (entry.day, entry.line_codes, entry.shift_names) == (date(2026, 12, 24), [], [])
    audits = list(session.scalars(select(AuditRecord)))
    assert len(audits) == len(changes)
    assert {a.actor for a in audits} == {"plant-file"}


def test_loading_the_same_file_twice_changes_nothing(
    plant_toml: Path, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        assert apply_plant(session=session, plant=read_plant_file(plant_toml), at=AT)
        session.commit()
        before = row_counts(session)

    with session_factory() as session:
        writes: list[str] = []
        with _recording_writes(session, writes):
            changes = apply_plant(session=session, plant=read_plant_file(plant_toml), at=LATER)
            session.commit()
        assert writes == []
        assert changes == []
        assert row_counts(session) == before


def test_an_edited_file_updates_in_place(
    plant_toml: Path, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=AT)
        session.commit()
        line_ids = {ln.code: ln.id for ln in session.scalars(select(Line))}
        shift_ids = {s.name: s.id for s in session.scalars(select(Shift))}
        target_ids = {(t.line_id, t.shift_id): t.id for t in session.scalars(select(Target))}
        audits_before = session.scalar(select(func.count()).select_from(AuditRecord))

    edited = (
        SAMPLE_PLANT.replace(
            "targets = { A = 800, B = 800, C = 600 }", "targets = { A = 850, B = 800 }"
        )
        .replace('name = "Line 1 - Bottling"', 'name = "Line 1 - Bottles"')
        .replace('digest_time = "07:00"', 'digest_time = "06:30"')
        .split('[[lines]]\ncode = "press2"')[0]
        + """[[shifts]]
name = "W"
start = "08:00"
end = "16:00"
days = ["sat"]
"""
    )
    with session_factory() as session:
        changes = apply_plant(
            session=session, plant=read_plant_file(write(plant_toml.parent, edited)), at=LATER
        )
        session.commit()

        assert sorted(changes) == sorted(
            [
                "site Riverside: digest_time '07:00' → '06:30'",
                "shift W: added",
                "line L1: name 'Line 1 - Bottling' → 'Line 1 - Bottles'",
                "line press2: deactivated (no longer in the plant file)",
                "target L1/A: units 800 → 850",
                "target L1/C: removed (was 600)",
                "target press2/A: removed (was 400)",
                "target press2/B: removed (was 400)",
                "lead of press2 revoked from U0LEAD0002",
                "manager of press2 revoked from U0MGR00001",
                "calendar 2026-12-24: removed (Christmas Eve)",
            ]
        )
        lines = {ln.code: ln for ln in session.scalars(select(Line))}
        assert {code: ln.id for code, ln in lines.items()} == line_ids
        assert lines["L1"].name == "Line 1 - Bottles" and lines["L1"].active
        assert not lines["press2"].active
        shifts = {s.name: s for s in session.scalars(select(Shift))}
        assert {name: shifts[name].id for name in shift_ids} == shift_ids
        assert shifts["W"].weekdays == ["sat"] and shifts["W"].active
        a_target = session.get(Target, target_ids[(line_ids["L1"], shift_ids["A"])])
        assert a_target is not None and a_target.units == 850
        assert session.scalar(select(func.count()).select_from(Target)) == 2
        audits = list(session.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        assert len(audits) == (audits_before or 0) + len(changes)
        renamed = next(a for a in audits if a.entity == "line" and a.action == "update")
        assert renamed.entity_id == line_ids["L1"]
        assert renamed.details == {
            "changed": {"name": {"from": "Line 1 - Bottling", "to": "Line 1 - Bottles"}}
        }


def test_dated_target_overrides_are_never_touched(
    plant_toml: Path, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=AT)
        line = session.scalars(select(Line).where(Line.code_key == "press2")).one()
        shift = session.scalars(select(Shift).where(Shift.name_key == "a")).one()
        override = Target(
            line_id=line.id,
            shift_id=shift.id,
            units=50,
            valid_from=date(2026, 6, 1),
            valid_to=date(2026, 6, 5),
            set_by="U0MGR00001",
            created_at=AT,
        )
        session.add(override)
        session.commit()

    without_press2_targets = SAMPLE_PLANT.replace("targets = { A = 400, B = 400 }", "targets = {}")
    with session_factory() as session:
        apply_plant(
            session=session,
            plant=read_plant_file(write(plant_toml.parent, without_press2_targets)),
            at=LATER,
        )
        session.commit()
        kept = session.get(Target, override.id)
        assert kept is not None and kept.units == 50


def test_a_removed_line_comes_back_active_with_its_id(
    plant_toml: Path, session_factory: sessionmaker[Session]
) -> None:
    without_press2 = SAMPLE_PLANT.split('[[lines]]\ncode = "press2"')[0]
    with session_factory() as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=AT)
        session.commit()
        press2_id = session.scalars(select(Line.id).where(Line.code_key == "press2")).one()
    with session_factory() as session:
        apply_plant(
            session=session, plant=read_plant_file(write(plant_toml.parent, without_press2)), at=AT
        )
        session.commit()
    with session_factory() as session:
        changes = apply_plant(
            session=session,
            plant=read_plant_file(
                write(plant_toml.parent, SAMPLE_PLANT.replace("press2", "PRESS2"))
            ),
            at=LATER,
        )
        session.commit()
        line = session.get(Line, press2_id)
        assert line is not None and line.active and line.code == "PRESS2"
        assert "line PRESS2: code 'press2' → 'PRESS2', active False → True" in changes
