"""No message, thread post or modal breaks Slack's block and text limits, whatever people type and
however big the plant: every builder is fed the values of ``tests.messages.adversarial`` and its
payload checked by ``assert_within_slack_limits``. Long user text ends in "…"; left-out items are
counted ("…and N more")."""

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.messages import alerts, handover, issue, summary, targets
from bot.messages.board import (
    DelayLine,
    IssueLine,
    OutputLine,
    ThreadEntry,
    board_text,
    build_board_blocks,
    thread_line,
    thread_posts,
)
from bot.messages.digest import build_digest_blocks, digest_text
from bot.messages.format import cut_mrkdwn, cut_plain, escape, fit_mrkdwn, join_within
from bot.messages.forms import (
    FORM_KINDS,
    FormChoices,
    FormKind,
    FormMetadata,
    build_report_form,
)
from bot.messages.home import build_home_view
from bot.messages.replies import build_implausible_blocks, build_status_blocks, status_text
from bot.messages.weekly import build_repeat_problem_blocks, build_weekly_blocks, weekly_text
from bot.numbers.issues import PingKind
from bot.numbers.pace import LinePace, MissingReport, PaceProjection
from bot.records.handover import RecordedHandover
from bot.records.targets import ShiftTargetChange, TargetChange
from models.enums import IssueStatus
from tests.messages import adversarial as bad
from tests.messages.escaping import AT, DAY, INSTANCE, LEAD, ZONE, assert_whole_entities
from tests.messages.slack_limits import assert_within_slack_limits

ELLIPSIS = "…"


def texts(payload: object) -> str:
    """Everything a payload shows, as one string to search in."""
    if hasattr(payload, "to_dict"):
        payload = payload.to_dict()
    if isinstance(payload, list):
        payload = [b.to_dict() if hasattr(b, "to_dict") else b for b in payload]
    return json.dumps(payload, ensure_ascii=False)


def message(text: str, blocks: list | None = None) -> dict:
    return {"text": text} if blocks is None else {"text": text, "blocks": blocks}


# --- the helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", range(2, 20))
def test_fit_mrkdwn_ends_in_an_ellipsis_and_splits_no_entity_and_no_mention(limit: int) -> None:
    text = escape("a<&>b") + " <@U0LEAD0001> " + escape("&" * 20)

    cut = fit_mrkdwn(text, limit)

    assert len(cut) <= limit and cut.endswith(ELLIPSIS)
    assert_whole_entities(cut)
    assert "<@" not in cut or "<@U0LEAD0001>" in cut
    assert fit_mrkdwn(text, len(text)) == text


def test_cut_mrkdwn_never_leaves_half_a_link() -> None:
    assert cut_mrkdwn("see <https://example.com|the issue>", 20) == "see "


def test_cut_plain_ends_in_an_ellipsis_only_when_it_cuts() -> None:
    assert cut_plain("x" * 24, 24) == "x" * 24
    assert cut_plain("x" * 25, 24) == "x" * 23 + ELLIPSIS


def test_join_within_shows_what_fits_and_counts_the_rest() -> None:
    rows = [f"row {n}" for n in range(100)]

    joined = join_within(rows, 60, left_out=5)

    assert len(joined) <= 60 and joined.startswith("row 0\nrow 1\n")
    shown = joined.count("row ")
    assert joined.endswith(f"…and {105 - shown} more")
    assert join_within(rows[:2], 60, left_out=5) == "row 0\nrow 1\n…and 5 more"
    assert join_within(rows[:2], 60) == "row 0\nrow 1"


# --- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("final", [False, True])
def test_the_board(final: bool) -> None:
    view = bad.board_view()
    blocks = build_board_blocks(view, final=final)

    assert_within_slack_limits(message(board_text(view), blocks))
    shown = texts(blocks)
    assert ELLIPSIS in blocks[0].to_dict()["text"]["text"]  # the 200-character line name
    issues = blocks[3].to_dict()["text"]["text"].split("\n")
    assert issues[0].endswith(f"{ELLIPSIS} _(acknowledged)_")
    hidden = re.fullmatch(r"…and (\d+) more", issues[-1])
    assert hidden and int(hidden[1]) == bad.ISSUES - len(issues) + 1
    assert re.search(r", …and \d+ more\)", shown)  # delay reasons that did not fit


def test_thread_lines_and_thread_posts() -> None:
    view = bad.board_view()
    entries: list[ThreadEntry] = [
        OutputLine(9_999_999, 9_999_999, LEAD, None, bad.NOTE),
        OutputLine(9_999_999, 9_999_999, LEAD, LEAD, bad.NOTE),
        DelayLine(1440, bad.reason(1), LEAD, None, bad.NOTE),
        DelayLine(1440, bad.reason(1), LEAD, LEAD, bad.NOTE),
        IssueLine("critical", "safety", bad.NOTE, LEAD),
    ]
    lines = [thread_line(entries[n % len(entries)], view) for n in range(bad.ENTRIES)]

    for line in lines[: len(entries)]:
        assert_within_slack_limits(message(line))
        assert_whole_entities(line)
    assert lines[4].endswith(f"{ELLIPSIS} · <@{LEAD}>")  # the issue text was cut, not the mention
    posts = thread_posts(lines, max_lines=20)
    for post in posts:
        assert_within_slack_limits(message(post))
    assert sum(post.count("\n") + 1 for post in posts) == 21
    assert posts[-1].endswith(f"…and {bad.ENTRIES - 20} more entries")
    assert thread_posts(["+1 good"], max_lines=20) == ["+1 good"]


@pytest.mark.parametrize("reported", [False, True])
def test_the_shift_summary(reported: bool) -> None:
    view = bad.board_view()
    pending = handover.unacknowledged_handover_text(bad.handover_view())
    blocks = summary.build_shift_summary_blocks(view, reported=reported, pending_handover=pending)

    assert_within_slack_limits(message(summary.shift_summary_text(view), blocks))
    downtime, issues = (field["text"] for field in blocks[2].to_dict()["fields"][2:])
    assert re.search(r"\n…and \d+ more$", downtime)
    assert re.search(rf"{ELLIPSIS} \(acknowledged\)\n…and \d+ more$", issues)


@pytest.mark.parametrize("status", list(IssueStatus))
def test_the_issue_message_and_its_modals(status: IssueStatus) -> None:
    view = bad.issue_view(status)
    blocks = issue.build_issue_blocks(view)

    assert_within_slack_limits(message(issue.issue_text(view), blocks))
    assert blocks[0].to_dict()["text"]["text"].endswith(ELLIPSIS)
    assert issue.issue_text(view).endswith(f"{ELLIPSIS} ({status})")
    assert_within_slack_limits(issue.build_resolve_modal(view))
    assert_within_slack_limits(issue.build_already_done_modal(view))
    assert_within_slack_limits(message(issue.already_done_text(view, wanted="resolve it")))
    if status is not IssueStatus.OPEN:
        assert ELLIPSIS in issue.issue_state(view)


@pytest.mark.parametrize("kind", list(PingKind))
def test_the_pings(kind: PingKind) -> None:
    link = "https://example.slack.com/archives/C0LINE0001/p1763456400000100"
    view = bad.issue_view(IssueStatus.ACKNOWLEDGED)
    ping = issue.Ping(kind, view, AT + timedelta(days=3), link)

    assert_within_slack_limits(message(issue.ping_text(ping), issue.build_ping_blocks(ping)))
    assert issue.ping_text(ping).endswith(f"{ELLIPSIS} <{link}|Open the issue>")


@pytest.mark.parametrize("acknowledged", [False, True])
def test_the_handover(acknowledged: bool) -> None:
    view = bad.handover_view(acknowledged=acknowledged)
    blocks = handover.build_handover_blocks(view)

    assert_within_slack_limits(message(handover.handover_text(view), blocks))
    note, issues = (blocks[1].to_dict()["text"]["text"], blocks[2].to_dict()["text"]["text"])
    assert note.endswith(ELLIPSIS)
    assert issues.split("\n")[1].endswith(f"{ELLIPSIS} (open)")
    assert "more" in issues.split("\n")[-1]
    recorded = RecordedHandover(view, duplicate=True)
    for text in (
        handover.acknowledgement_text(view),
        handover.handover_saved_text(recorded),
        handover.already_acknowledged_text(view),
        handover.unacknowledged_handover_text(view),
    ):
        assert_within_slack_limits(message(text))


def test_the_digest_with_the_repeat_problems_as_the_job_posts_it() -> None:
    report = bad.digest()
    blocks = [*build_digest_blocks(report), *build_repeat_problem_blocks(bad.repeats())]

    assert_within_slack_limits(message(digest_text(report), blocks))
    shown = texts(blocks)
    assert ELLIPSIS in blocks[0].to_dict()["text"]["text"]
    assert f"…and {bad.REASONS - 8} more reasons" in shown
    assert "more" in shown.split("*Open issues*")[1] and ELLIPSIS in shown


def test_the_weekly_review() -> None:
    review = bad.weekly()
    blocks = build_weekly_blocks(review)

    assert_within_slack_limits(message(weekly_text(review), blocks))
    shown = texts(blocks)
    assert f"…and {bad.REASONS - 5} more reasons" in shown
    assert "more" in shown.split("*Repeat problems*")[1]


def pace() -> LinePace:
    return LinePace(
        line_id=1,
        line_code=bad.CODE,
        line_name=bad.NAME,
        unit=bad.SHORT,
        channel_id="C0LINE0001",
        instance=replace(INSTANCE, shift_name=bad.SHORT),
        zone=ZONE,
        at=AT,
        projection=PaceProjection(9_999_999, 9_999_999, 9_999_999.0, 9_999_999.0),
    )


def test_pace_alerts() -> None:
    line = pace()

    assert_within_slack_limits(
        message(alerts.pace_alert_text(line), alerts.build_pace_alert_blocks(line))
    )
    assert_within_slack_limits(
        message(
            alerts.pace_escalation_text(line, threshold=0.75),
            alerts.build_pace_escalation_blocks(line, threshold=0.75),
        )
    )


def test_missing_report_reminders_for_a_big_site() -> None:
    leads = [f"U{n:010d}" for n in range(100)]
    instance = replace(INSTANCE, shift_name=bad.SHORT)
    reports = [
        MissingReport(n, bad.code(n), "C0LINE0001", instance, ZONE, leads, leads)
        for n in range(200)
    ]

    assert_within_slack_limits(
        message(
            alerts.missing_report_text(reports[0]), alerts.build_missing_report_blocks(reports[0])
        )
    )
    dm = alerts.build_missing_reports_dm_blocks(reports)
    assert_within_slack_limits(message(alerts.missing_reports_dm_text(reports), dm))
    assert "more" in alerts.missing_reports_dm_text(reports)
    assert "more" in dm[1].to_dict()["text"]["text"].split("\n")[-1]


def test_target_replies_for_a_line_with_many_shifts() -> None:
    change = TargetChange(
        line_code=bad.CODE,
        line_channel="C0LINE0001",
        unit=bad.SHORT,
        set_by=LEAD,
        units=9_999_999,
        valid_from=DAY,
        valid_to=DAY,
        shifts=tuple(ShiftTargetChange(bad.SHORT, 9_999_999, 9_999_999, True) for _ in range(12)),
        whole_line=True,
    )

    assert_within_slack_limits(message(targets.target_announcement_text(change)))
    assert_within_slack_limits(message(targets.target_set_text(change)))


# --- views ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_the_report_forms_for_a_site_of_200_lines(kind: FormKind) -> None:
    choices = FormChoices(
        lines=[(bad.code(n).lower(), f"{bad.code(n)} · {bad.NAME}") for n in range(200)],
        initial_line=bad.code(150).lower(),
        shifts=[f"{bad.SHORT[:29]}{n:03d}" for n in range(120)],
        reasons=[bad.reason(n)[:32] for n in range(bad.REASONS)],
    )
    metadata = FormMetadata(kind=kind, channel_id="C0LINE0001")
    implausible = "x" * 3000 if kind == "output" else None

    form = build_report_form(metadata, choices, implausible=implausible)

    assert_within_slack_limits(form)
    line = next(b for b in form.to_dict()["blocks"] if b.get("block_id") == "line")
    assert len(line["element"]["options"]) == 100
    assert line["element"]["options"][0]["text"]["text"].endswith(ELLIPSIS)
    assert "100 more" in line["hint"]["text"]


@pytest.mark.parametrize("own", [False, True])
def test_the_home_tab_of_a_site_with_many_lines(own: bool) -> None:
    statuses = [bad.line_status(n) for n in range(bad.LINES * 2)]

    view = build_home_view(statuses, own=own, updated="10:00")

    assert_within_slack_limits(view)
    assert "more lines" in texts(view)


def test_prod_status_of_a_site_with_many_lines() -> None:
    statuses = [bad.line_status(n) for n in range(bad.LINES * 2)]

    message = {"text": status_text(statuses), "blocks": build_status_blocks(statuses)}

    assert_within_slack_limits(message)
    assert "more lines" in texts(message["blocks"])
    assert message["text"].endswith("more")


def test_did_you_mean_with_a_huge_message_stays_within_a_section() -> None:
    blocks = build_implausible_blocks("&<>" * 3000, '{"command": {}, "key": "k"}')

    assert_within_slack_limits(blocks)
