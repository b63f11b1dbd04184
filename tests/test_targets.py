"""``set_target``'s semantics (who, which shifts, which dates) and the texts about a change."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotAllowed, NotFound, ProdbotError
from bot.messages.targets import target_announcement_text, target_set_text
from bot.records.scope import request_scope
from bot.records.targets import ShiftTargetChange, TargetChange, set_target
from models import AuditRecord, Target
from models.schemas import TargetCommand
from tests.conftest import SAMPLE_PLANT

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # Wed 18 Nov, 10:00 in Berlin
MANAGER = "U0MGR00001"
PRESS2_ONLY_MANAGER = "U0MGR00002"


@pytest.fixture
def plant_toml(tmp_path: Path) -> Path:
    """The sample plant with press2 getting a second manager who manages nothing else."""
    path = tmp_path / "plant.toml"
    path.write_text(
        SAMPLE_PLANT.replace(
            'managers = ["U0MGR00001"]\nunit = "parts"',
            f'managers = ["{MANAGER}", "{PRESS2_ONLY_MANAGER}"]\nunit = "parts"',
        )
    )
    return path


def run(session: Session, text: dict[str, object], *, user: str = MANAGER) -> TargetChange:
    scope = request_scope(session, channel_id=None, user_id=user, team_id=None, at=AT)
    return set_target(
        session, scope=scope, command=TargetCommand.model_validate(text), user_id=user, at=AT
    )


def overrides(session: Session) -> list[tuple[str, int, date | None, date | None]]:
    rows = session.scalars(select(Target).where(Target.valid_from.is_not(None)).order_by(Target.id))
    return [(str(row.shift_id), row.units, row.valid_from, row.valid_to) for row in rows]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ({}, (date(2026, 11, 18), date(2026, 11, 18))),
        ({"valid_from": date(2026, 11, 20)}, (date(2026, 11, 20), date(2026, 11, 20))),
        ({"valid_to": date(2026, 11, 27)}, (date(2026, 11, 18), date(2026, 11, 27))),
        (
            {"valid_from": date(2026, 11, 16), "valid_to": date(2026, 11, 17)},
            (date(2026, 11, 16), date(2026, 11, 17)),
        ),
    ],
)
def test_dates_default_to_today_and_to_the_start(
    session: Session, loaded_plant: None, dates: dict[str, date], expected: tuple[date, date]
) -> None:
    change = run(session, {"line": "l1", "units": 900, "shift": "A", **dates})

    assert (change.valid_from, change.valid_to) == expected
    [(_, units, start, end)] = overrides(session)
    assert (units, start, end) == (900, *expected)


@pytest.mark.parametrize(
    ("dates", "problem"),
    [
        ({"valid_to": date(2026, 11, 17)}, "the end date 2026-11-17 is before the start date"),
        ({"valid_from": date(2026, 11, 10)}, "more than 7 days back"),
        ({"valid_to": date(2027, 12, 1)}, "for a lasting change, update the plant file"),
    ],
)
def test_dates_out_of_range_are_refused(
    session: Session, loaded_plant: None, dates: dict[str, date], problem: str
) -> None:
    with pytest.raises(ProdbotError, match=problem):
        run(session, {"line": "l1", "units": 900, **dates})
    assert overrides(session) == []


def test_a_manager_of_another_line_is_refused(session: Session, loaded_plant: None) -> None:
    with pytest.raises(NotAllowed, match=r"Only L1's managers \(<@U0MGR00001>\) and the heads"):
        run(session, {"line": "l1", "units": 900}, user=PRESS2_ONLY_MANAGER)

    change = run(session, {"line": "press2", "units": 300}, user=PRESS2_ONLY_MANAGER)
    assert [s.shift_name for s in change.shifts] == ["A", "B"]


def test_an_unknown_shift_is_named(session: Session, loaded_plant: None) -> None:
    with pytest.raises(NotFound, match=r"no shift 'D' at Riverside \(shifts: A, B, C\)"):
        run(session, {"line": "l1", "units": 900, "shift": "D"})


def test_the_whole_line_skips_shifts_that_do_not_run_and_audits_each_shift(
    session: Session, loaded_plant: None
) -> None:
    # Fri 20 – Sun 22 Nov: every shift runs on Friday, so all three change.
    change = run(
        session,
        {
            "line": "l1",
            "units": 700,
            "valid_from": date(2026, 11, 20),
            "valid_to": date(2026, 11, 22),
        },
    )

    assert [(s.shift_name, s.was, s.changed) for s in change.shifts] == [
        ("A", 800, True),
        ("B", 800, True),
        ("C", 600, True),
    ]
    audits = session.scalars(select(AuditRecord).where(AuditRecord.action == "set-target")).all()
    assert [a.details["shift"] for a in audits] == ["A", "B", "C"]
    assert {a.actor for a in audits} == {MANAGER}


def test_a_later_different_override_is_not_a_repeat(session: Session, loaded_plant: None) -> None:
    run(session, {"line": "l1", "units": 900, "shift": "A"})
    run(session, {"line": "l1", "units": 950, "shift": "A"})

    change = run(session, {"line": "l1", "units": 900, "shift": "A"})

    assert [(s.was, s.changed) for s in change.shifts] == [(950, True)]
    assert [units for _, units, _, _ in overrides(session)] == [900, 950, 900]


def _change(**kwargs: object) -> TargetChange:
    fields: dict[str, object] = {
        "line_code": "L1",
        "line_channel": "C0LINE0001",
        "unit": "bottles",
        "set_by": MANAGER,
        "units": 900,
        "valid_from": date(2026, 11, 19),
        "valid_to": date(2026, 11, 19),
        "shifts": (ShiftTargetChange("A", 900, None, True),),
        "whole_line": False,
    }
    fields.update(kwargs)
    return TargetChange(**fields)  # type: ignore[arg-type]


def test_texts_name_the_period_and_what_was_before() -> None:
    assert target_announcement_text(_change()) == (
        "🎯 <@U0MGR00001> set L1 shift A target to 900 bottles on Thu 19 Nov (no target before)."
    )
    whole = _change(
        whole_line=True,
        valid_to=date(2026, 11, 20),
        shifts=(ShiftTargetChange("A", 900, 800, True), ShiftTargetChange("C", 900, 1600, True)),
    )
    assert target_announcement_text(whole) == (
        "🎯 <@U0MGR00001> set L1 target to 900 bottles per shift from Thu 19 Nov to Fri 20 Nov: "
        "shift A (was 800), shift C (was 1,600) — 1,800 bottles a day."
    )
    no_channel = target_set_text(_change(line_channel=None))
    assert no_channel.startswith("🎯 Set L1 shift A target to 900 bottles on Thu 19 Nov")
    assert "Announced" not in no_channel
    assert "No dates = today only" in no_channel
