"""Machine stops in numbers: the digest's unexplained stops, the clip to a shift's planned time,
and the prompt's layout (buttons chunked within Slack's 25 per actions block)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.machine_stops import (
    BUTTONS_PER_BLOCK,
    build_stop_blocks,
    stop_text,
    unexplained_stops_line,
)
from bot.messages.morning_review import oee_blocks
from bot.numbers.digest import compute_digest
from bot.numbers.machine_stops import StopView, UnexplainedStops, unexplained_stops
from bot.records.machine_stops import record_state
from models import AuditRecord, DelayEntry, Line, Shift, Site
from tests.conftest import SAMPLE_PLANT

DAY = date(2026, 11, 18)
# 10:00 in Berlin, in shift A (06:00–14:00, 30 min break: 450 planned minutes).
TEN = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def plant_text() -> str:
    return SAMPLE_PLANT.replace(
        "targets = { A = 800, B = 800, C = 600 }",
        'targets = { A = 800, B = 800, C = 600 }\nstate_topic = "riverside/l1/state"',
    )


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(TEN, tick=False):
        yield


def stop(factory: sessionmaker[Session], start: int, end: int, reason: str | None = None) -> None:
    """L1 stopped ``start`` minutes after 10:00 (with the machine's ``reason``) until ``end``."""
    with session_scope(factory) as session:
        line_id = session.scalars(select(Line.id).where(Line.code == "L1")).one()
        for state, minute, why in (("stopped", start, reason), ("running", end, None)):
            at = TEN + timedelta(minutes=minute)
            record_state(session, line_id=line_id, state=state, reason=why, at=at)


def test_the_digest_counts_stops_without_a_reason(
    session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    stop(session_factory, 0, 10)
    stop(session_factory, 20, 28)
    stop(session_factory, 30, 39, reason="E042")  # a code the site does not know
    stop(session_factory, 40, 79, reason="breakdown")

    with session_scope(session_factory) as session:
        site = session.scalars(select(Site)).one()
        found = unexplained_stops(
            session, site_id=site.id, production_date=DAY, at=TEN + timedelta(hours=2)
        )
        digest = compute_digest(
            session, site=site, production_date=DAY, as_of=TEN + timedelta(days=1)
        )

    assert found == UnexplainedStops(count=3, minutes=27, share=27 / 66)
    assert digest.machine_stops == found
    texts = [block.to_dict()["text"]["text"] for block in oee_blocks(digest)]
    assert "Machine stops without a reason: 3 (27 min, 41 %)" in texts


def test_a_site_without_machine_lines_shows_no_stop_line(
    session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    with session_scope(session_factory) as session:
        site = session.scalars(select(Site)).one()
        for line in site.lines:
            line.state_topic = None
        session.flush()
        digest = compute_digest(
            session, site=site, production_date=DAY, as_of=TEN + timedelta(days=1)
        )

    assert digest.machine_stops is None
    assert not any("Machine stops" in str(block.to_dict()) for block in oee_blocks(digest))


def test_the_stop_minutes_are_clipped_to_the_shifts_planned_time_and_audited(
    session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    with session_scope(session_factory) as session:
        line = session.scalars(select(Line).where(Line.code == "L1")).one()
        shift = session.scalars(select(Shift).where(Shift.name == "A")).one()
        session.add(
            DelayEntry(
                line_id=line.id,
                shift_id=shift.id,
                production_date=DAY,
                minutes=445,
                reason="material",
                reported_by="U0LEAD0001",
                reported_at=TEN,
            )
        )

    stop(session_factory, 0, 12, reason="breakdown")

    with session_scope(session_factory) as session:
        entries = session.scalars(select(DelayEntry).order_by(DelayEntry.id)).all()
        clips = session.scalars(select(AuditRecord).where(AuditRecord.action == "clip")).all()
    assert [entry.minutes for entry in entries] == [445, 5]
    assert clips[-1].details == {"measured_minutes": 12, "recorded_minutes": 5}


def view(reasons: tuple[str, ...], **changes: object) -> StopView:
    values: dict[str, object] = {
        "id": 7,
        "line_id": 1,
        "line_code": "L1",
        "channel_id": "C0LINE0001",
        "zone": BERLIN,
        "started_at": TEN + timedelta(minutes=42),
        "ended_at": None,
        "minutes": 7,
        "reason": None,
        "answered_by": None,
        "machine_reason": None,
        "reasons": reasons,
    }
    values.update(changes)
    return StopView(**values)  # type: ignore[arg-type]


def test_the_prompt_chunks_its_buttons_within_slacks_limit() -> None:
    reasons = tuple(f"reason{n}" for n in range(30))

    blocks = [block.to_dict() for block in build_stop_blocks(view(reasons))]

    actions = [block for block in blocks if block["type"] == "actions"]
    assert [len(block["elements"]) for block in actions] == [BUTTONS_PER_BLOCK, 6]
    ids = [element["action_id"] for block in actions for element in block["elements"]]
    assert len(set(ids)) == 31
    assert actions[-1]["elements"][-1]["text"]["text"] == "other…"


def test_the_answered_prompt_shows_the_measured_stop_and_who_answered() -> None:
    ended = view(
        ("breakdown",),
        ended_at=TEN + timedelta(minutes=51),
        minutes=9,
        reason="breakdown",
        answered_by="U0ANNA0001",
    )

    assert stop_text(ended) == "L1 stopped 10:42–10:51 (9 min): breakdown — <@U0ANNA0001>"
    assert [block.to_dict()["type"] for block in build_stop_blocks(ended)] == ["section"]
    assert stop_text(view(("a",), line_code="<!here>")).startswith("&lt;!here&gt; stopped")


def test_the_digest_line_without_stops() -> None:
    assert unexplained_stops_line(UnexplainedStops(0, 0, None)) == (
        "Machine stops without a reason: 0 (0 min, —)"
    )
