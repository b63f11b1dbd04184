"""User-typed text reaches Slack escaped (``&`` ``<`` ``>`` as ``&amp;`` ``&lt;`` ``&gt;``) in
every mrkdwn text and fallback ``text`` that shows it: a note ``<!channel>`` pings nobody and a
``<url|label>`` cannot disguise a link. The bot's own mentions and links stay markup."""

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.messages.board import (
    DelayLine,
    IssueLine,
    OutputLine,
    build_board_blocks,
    thread_line,
)
from bot.messages.format import SECTION_LIMIT, cut_mrkdwn, escape
from bot.messages.handover import (
    build_handover_blocks,
    handover_text,
    unacknowledged_handover_text,
)
from bot.messages.issue import (
    Ping,
    build_issue_blocks,
    build_ping_blocks,
    build_resolve_modal,
    issue_state,
    issue_text,
    ping_text,
)
from bot.messages.replies import delay_saved_text, report_saved_text
from bot.messages.summary import build_shift_summary_blocks
from bot.numbers.issues import IssueView, PingKind, StatusMark
from bot.plant.snapshot import LineRef
from bot.records.handover import HandoverIssue, HandoverView
from bot.records.reporting import EntryPlace
from models.enums import IssueStatus
from models.schemas import DelayCommand
from tests.messages.escaping import (
    AT,
    ESCAPED,
    HOSTILE,
    INSTANCE,
    LEAD,
    LEAD_MENTION,
    ZONE,
    assert_escaped,
    assert_whole_entities,
    board_view,
    rendered,
)

LINK = "https://example.slack.com/archives/C0LINE0001/p1763456400000100"


def test_escape_turns_the_three_control_characters_into_entities() -> None:
    assert escape(HOSTILE) == ESCAPED
    # An entity someone typed is shown as typed, not decoded.
    assert escape("&lt; & <b>") == "&amp;lt; &amp; &lt;b&gt;"
    assert escape("plain text, *bold* and _italic_") == "plain text, *bold* and _italic_"


@pytest.mark.parametrize("limit", range(1, 16))
def test_cut_mrkdwn_keeps_the_limit_and_never_cuts_an_entity_in_two(limit: int) -> None:
    text = escape("a<&>b" * 3)

    cut = cut_mrkdwn(text, limit)

    assert len(cut) <= limit and text.startswith(cut)
    assert_whole_entities(cut)
    assert len(cut) >= limit - 4  # at most the start of one entity is dropped


def test_thread_lines_escape_notes_reasons_and_issue_text_but_keep_the_mentions() -> None:
    view = board_view()
    entries = [
        OutputLine(good=120, scrap=0, reported_by=LEAD, voided_by=None, note=HOSTILE),
        DelayLine(minutes=20, reason=HOSTILE, reported_by=LEAD, voided_by=None, note=HOSTILE),
        DelayLine(minutes=20, reason=HOSTILE, reported_by=LEAD, voided_by=LEAD, note=None),
        IssueLine(severity="high", category="safety", text=HOSTILE, raised_by=LEAD),
    ]

    for entry in entries:
        line = thread_line(entry, view)
        assert_escaped(line)
        assert LEAD_MENTION in line


def test_a_note_is_cut_to_its_limit_before_it_is_escaped() -> None:
    note = "x" * 299 + "<!channel>"

    line = thread_line(OutputLine(1, 0, LEAD, None, note), board_view())

    assert line.endswith(" — _" + "x" * 299 + "&lt;_")
    assert "!channel" not in line


def test_the_board_escapes_open_issues_and_delay_reasons() -> None:
    view = board_view(issue_text=HOSTILE, reason=HOSTILE)

    assert_escaped(rendered(build_board_blocks(view)))


def test_the_boards_issue_list_stays_within_a_section_when_escaping_makes_it_longer() -> None:
    blocks = build_board_blocks(board_view(issue_text="&" * 150, issues=5))

    issues = next(b.to_dict() for b in blocks if "&amp;" in str(b.to_dict()))
    assert len(issues["text"]["text"]) <= SECTION_LIMIT
    assert_whole_entities(issues["text"]["text"])


def issue_view(**changes: object) -> IssueView:
    issue = IssueView(
        id=7,
        line_code="L1",
        line_channel="C0LINE0001",
        message_channel="C0LINE0001",
        message_ts="1763456400.000100",
        severity="high",
        category="mechanical",
        text=HOSTILE,
        status=IssueStatus.OPEN,
        raised_by=LEAD,
        raised_at=AT,
        zone=ZONE,
        acknowledged=None,
        resolved=None,
    )
    return replace(issue, **changes)


def test_the_issue_message_and_its_fallback_text_escape_the_issue() -> None:
    issue = issue_view()

    blocks = rendered(build_issue_blocks(issue))

    assert_escaped(blocks)
    assert LEAD_MENTION in blocks
    assert_escaped(issue_text(issue))
    assert_escaped(rendered(build_resolve_modal(issue).blocks or []))


def test_acknowledged_and_resolved_states_escape_the_note_and_keep_who_did_it() -> None:
    mark = StatusMark(by=LEAD, at=AT + timedelta(minutes=30), note=HOSTILE)
    resolved = issue_view(
        text="conveyor jammed", status=IssueStatus.RESOLVED, acknowledged=mark, resolved=mark
    )
    acknowledged = issue_view(
        text="conveyor jammed", status=IssueStatus.ACKNOWLEDGED, acknowledged=mark
    )

    for issue in (resolved, acknowledged):
        state = issue_state(issue)
        assert_escaped(state)
        assert f"by {LEAD_MENTION} at 10:30" in state
        assert_escaped(rendered(build_issue_blocks(issue)))


@pytest.mark.parametrize("offset", range(5))  # wherever the cut falls, no entity is split
def test_a_long_issue_of_ampersands_fits_its_section_without_a_broken_entity(offset: int) -> None:
    issue = issue_view(text="x" * offset + "&" * 1995)

    headline = build_issue_blocks(issue)[0].to_dict()["text"]["text"]

    assert len(headline) <= SECTION_LIMIT
    assert_whole_entities(headline)


@pytest.mark.parametrize("kind", list(PingKind))
def test_pings_escape_the_issue_and_keep_the_bots_mention_and_link(kind: PingKind) -> None:
    mark = StatusMark(by=LEAD, at=AT)
    issue = issue_view(acknowledged=mark if kind is PingKind.REMINDER else None)
    ping = Ping(kind=kind, issue=issue, at=AT + timedelta(hours=1), link=LINK)

    for text in (ping_text(ping), rendered(build_ping_blocks(ping))):
        assert_escaped(text)
        assert f"<{LINK}|Open the issue>" in text
    if kind is PingKind.MANAGERS:
        assert LEAD_MENTION in ping_text(ping)


def test_a_ping_about_a_long_issue_is_cut_without_breaking_an_entity() -> None:
    ping = Ping(PingKind.HEADS, issue_view(text="<" * 2000), AT + timedelta(hours=1), None)
    ping = replace(ping, issue=replace(ping.issue, line_channel=None))

    text = ping_text(ping)

    assert len(text) <= 2500
    assert_whole_entities(text)


def handover_view(**changes: object) -> HandoverView:
    view = HandoverView(
        id=3,
        line_code="L1",
        channel_id="C0LINE0001",
        message_ts=None,
        zone=ZONE,
        from_label="shift A Wed 18 Nov",
        to_label="shift B Wed 18 Nov",
        note=f"first line\n{HOSTILE}\n> typed quote",
        issues=[HandoverIssue(severity="high", text=HOSTILE, status="open")],
        written_by=LEAD,
        written_at=AT,
        acknowledged_by=None,
        acknowledged_at=None,
    )
    return replace(view, **changes)


def test_the_handover_escapes_its_note_and_issues_and_quotes_each_line() -> None:
    view = handover_view()

    blocks = [block.to_dict() for block in build_handover_blocks(view)]

    note = blocks[1]["text"]["text"]
    assert note == f"> first line\n> {ESCAPED}\n> &gt; typed quote"
    assert_escaped(blocks[2]["text"]["text"])
    assert LEAD_MENTION in blocks[0]["text"]["text"]
    for text in (handover_text(view), unacknowledged_handover_text(view)):
        assert LEAD_MENTION in text and "&" not in text  # no user text, nothing escaped


def test_a_handover_note_of_ampersands_fits_its_section() -> None:
    view = handover_view(note="&" * 2000, issues=[HandoverIssue("high", "<" * 200, "open")] * 10)

    for block in build_handover_blocks(view)[1:3]:
        text = block.to_dict()["text"]["text"]
        assert len(text) <= SECTION_LIMIT
        assert_whole_entities(text)


def test_saved_replies_escape_the_echoed_reason() -> None:
    line = LineRef(1, 1, "L1", "l1", "Line 1", "C0LINE0001", "bottles", None)
    place = EntryPlace(line=line, instance=INSTANCE, zone=ZONE)
    command = DelayCommand(line="l1", minutes=20, reason="<!channel>")

    assert_escaped(delay_saved_text(20, HOSTILE, place, duplicate=False))
    reply = report_saved_text(command, place, duplicate=False)
    assert "&lt;!channel&gt;" in reply and "<!channel>" not in reply
    assert "<#C0LINE0001>" in reply  # the bot's channel link


def test_the_shift_summary_escapes_open_issues_and_delay_reasons() -> None:
    view = board_view(issue_text=HOSTILE, reason=HOSTILE)

    assert_escaped(rendered(build_shift_summary_blocks(view, reported=True)))


@pytest.mark.parametrize("offset", range(5))
def test_the_summary_fields_stay_within_slacks_field_limit(offset: int) -> None:
    view = board_view(issue_text="x" * offset + "&" * (200 - offset), issues=10)

    fields = build_shift_summary_blocks(view, reported=True)[2].to_dict()["fields"]

    for field in fields:
        assert len(field["text"]) <= 2000
        assert_whole_entities(field["text"])
