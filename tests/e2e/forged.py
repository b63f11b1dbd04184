"""What the forged-payload tests share: the answers they expect, how they send forms, and the
rows they start from (a second site, an issue on L1)."""

from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from models import (
    AuditRecord,
    DelayEntry,
    Issue,
    IssueEvent,
    IssueStatus,
    Line,
    OutputEntry,
    Person,
    Role,
    RoleAssignment,
    Severity,
    Shift,
    Site,
)
from models.handover import Handover
from tests.e2e.support import MID_SHIFT_A, all_rows
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackAPI
from tests.slack_requests import LEAD, SlackReply, SlackSender

WRITES = (OutputEntry, DelayEntry, Issue, IssueEvent, Handover)
CRASHED = "Something went wrong"
HILL_CHANNEL = "C0HILL0001"


def answer(reply: SlackReply, fake_slack: FakeSlackAPI) -> str:
    """The ephemeral answer to a button press, sent through its response_url."""
    assert reply.status == 200, reply.body
    [call] = fake_slack.wait_for(RESPONSE_URL)
    assert call.args["response_type"] == "ephemeral"
    text = str(call.args["text"])
    assert CRASHED not in text
    return text


def text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def choice(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def open_form(slack: SlackSender, fake_slack: FakeSlackAPI, command: str) -> dict[str, Any]:
    """The form a bare ``command`` opens in L1's channel, as Slack hands it to the app."""
    assert slack.command(command, "").status == 200
    view = fake_slack.wait_for("views.open")[-1].args["view"]
    return {**view, "id": "V0FORGED01", "hash": "1790000000.abc"}


def submit(
    slack: SlackSender, view: dict[str, Any], values: dict[str, dict[str, Any]], **changes: str
) -> SlackReply:
    """``view`` submitted with ``values`` (block id → element), with ``changes`` made to the view
    (a forged ``private_metadata``)."""
    state = {block: {block: element} for block, element in values.items()}
    return slack.submit({**view, **changes}, state)


def field_errors(reply: SlackReply) -> dict[str, str]:
    assert reply.status == 200, reply.body
    assert reply.json["response_action"] == "errors", reply.body
    errors: dict[str, str] = reply.json["errors"]
    assert all(CRASHED not in error for error in errors.values())
    return errors


def make_hillside(session_factory: sessionmaker[Session]) -> int:
    """A second site with line H1 in its own channel, its own lead, and an open issue on H1;
    returns the issue's id. Made before the app's first request reads the plant."""
    with session_scope(session_factory) as session:
        site = Site(
            name="Hillside",
            timezone="Europe/Berlin",
            delay_reasons=["breakdown"],
            scrap_reasons=["other"],
            loss_categories={"breakdown": "breakdowns"},
            alert_settings={},
            plant_version=1,
        )
        session.add(site)
        session.flush()
        line = Line(
            site_id=site.id, code="H1", code_key="h1", name="Hill 1", channel_id=HILL_CHANNEL
        )
        shift = Shift(
            site_id=site.id,
            name="A",
            name_key="a",
            start=time(6),
            end=time(14),
            weekdays=["mon", "tue", "wed", "thu", "fri"],
        )
        person = Person(site_id=site.id, slack_user_id="U0HILLLEAD")
        session.add_all([line, shift, person])
        session.flush()
        session.add(RoleAssignment(person_id=person.id, role=Role.LEAD, line_id=line.id))
        issue = Issue(
            line_id=line.id,
            shift_id=shift.id,
            production_date=date(2026, 11, 18),
            severity=Severity.HIGH,
            text="hill conveyor",
            raised_by="U0HILLLEAD",
            raised_at=MID_SHIFT_A,
        )
        session.add(issue)
        session.flush()
        return issue.id


def make_l1_issue(session_factory: sessionmaker[Session]) -> int:
    """An open issue on L1 (written directly: no message posted)."""
    with session_scope(session_factory) as session:
        line = session.scalars(select(Line).where(Line.code == "L1")).one()
        shift = session.scalars(
            select(Shift).where(Shift.site_id == line.site_id, Shift.name == "A")
        ).one()
        issue = Issue(
            line_id=line.id,
            shift_id=shift.id,
            production_date=date(2026, 11, 18),
            severity=Severity.HIGH,
            text="conveyor jam",
            raised_by=LEAD,
            raised_at=MID_SHIFT_A,
        )
        session.add(issue)
        session.flush()
        return issue.id


def issue_untouched(session_factory: sessionmaker[Session], fake_slack: FakeSlackAPI) -> None:
    assert {issue.status for issue in all_rows(session_factory, Issue)} == {IssueStatus.OPEN}
    assert all_rows(session_factory, IssueEvent) == []
    assert [r for r in all_rows(session_factory, AuditRecord) if r.entity == "issue"] == []
    assert fake_slack.calls_to("chat.update") == []
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("views.open") == []
