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
    assert (site.live_since, site.live_from) == (AT, None)  # live from this first load
    assert "site Riverside: created" in changes
    shifts = {s.name: s for s in session.scalars(select(Shift))}
    assert shifts["C"].start == time(22) and shifts["C"].weekdays[0] == "mon"
    lines = {ln.code: ln for ln in session.scalars(select(Line))}
    assert lines["press2"].code_key == "press2" and lines["L1"].unit_cost == Decimal("0.4")
    assert {line.live_since for line in lines.values()} == {AT}
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
        assert line.live_since == AT  # back, but live since it was first loaded
        assert "line PRESS2: code 'press2' → 'PRESS2', active False → True" in changes


def test_live_from_is_stored_and_a_change_to_it_is_reported(
    plant_toml: Path, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=AT)
        session.commit()
    with_live_from = SAMPLE_PLANT.replace("[[shifts]]", "live_from = 2026-05-25\n\n[[shifts]]", 1)
    with session_factory() as session:
        changes = apply_plant(
            session=session,
            plant=read_plant_file(write(plant_toml.parent, with_live_from)),
            at=LATER,
        )
        session.commit()
        site = session.scalars(select(Site)).one()
        assert (site.live_from, site.live_since) == (date(2026, 5, 25), AT)
        assert changes == ["site Riverside: live_from None → '2026-05-25'"]
