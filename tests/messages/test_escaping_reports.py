"""Escaping in the scheduled reports and the plant-file names: issue text and delay reasons in the
digest and weekly review, and the free-form names of the plant file (site, line, unit, shift),
escaped wherever mrkdwn shows them and left as they are in ``plain_text`` (headers)."""

from dataclasses import replace
from datetime import date, timedelta

from bot.messages.alerts import build_pace_escalation_blocks, pace_alert_text
from bot.messages.board import board_text, build_board_blocks
from bot.messages.digest import build_digest_blocks, digest_text
from bot.messages.replies import build_status_blocks, status_text
from bot.messages.targets import target_announcement_text
from bot.messages.weekly import build_weekly_blocks, weekly_text
from bot.numbers.digest import Digest, LineDay, ParetoRow
from bot.numbers.discipline import Discipline
from bot.numbers.issue_ages import AgeBucket, AgedIssue, IssueAges
from bot.numbers.pace import LinePace, PaceProjection
from bot.numbers.periods import PeriodAttainment
from bot.numbers.production import LineStatus
from bot.numbers.repeats import RepeatProblem
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview
from bot.records.targets import ShiftTargetChange, TargetChange
from tests.messages.escaping import (
    AT,
    DAY,
    HOSTILE,
    INSTANCE,
    LEAD,
    LEAD_MENTION,
    ZONE,
    assert_escaped,
    board_view,
    rendered,
)

# Plant-file names are free text an admin typed; only codes are restricted to [A-Za-z0-9_-].
NAME = "Fill & Cap <2>"
NAME_ESCAPED = "Fill &amp; Cap &lt;2&gt;"
REASON = "<!here>"  # reason codes are validated, but a reason is escaped wherever it is shown


def digest(issue_text: str) -> Digest:
    period = PeriodAttainment(first=DAY, last=DAY, target=1000, actual=700)
    line = LineDay(
        line_id=1,
        code="L1",
        unit="bottles",
        target=1000,
        good=700,
        planned_good=700,
        scrap=0,
        delay_minutes=40,
        name="Line 1",
        main_delay_reason=REASON,
        loss_cost=None,
    )
    return Digest(
        site_name=NAME,
        production_date=DAY,
        lines=[line],
        misses=[line],
        pareto=[ParetoRow(reason=REASON, minutes=40, share=1.0, cumulative_share=1.0)],
        issues=IssueAges(
            buckets=[AgeBucket("> 3 days", {"high": 1})],
            oldest=[AgedIssue("L1", "high", issue_text, timedelta(days=4))],
        ),
        week=period,
        month=period,
        forecast=None,
        days_since_safety_issue=None,
    )


def test_the_digest_escapes_issue_text_delay_reasons_and_the_site_name() -> None:
    report = digest(HOSTILE)

    blocks = build_digest_blocks(report)
    text = rendered(blocks)
    assert_escaped(text)
    assert "&lt;!here&gt;" in text and "<!here>" not in text
    assert NAME_ESCAPED in digest_text(report)
    # The header is plain_text: Slack shows it as typed, so it is not escaped.
    assert blocks[0].to_dict()["text"] == {
        "type": "plain_text",
        "text": f"Daily digest · {NAME}",
        "emoji": True,
    }


def test_the_weekly_review_escapes_reasons_and_the_site_name() -> None:
    trend = Trend(name=REASON, current=90, previous=30)
    review = WeeklyReview(
        site_name=NAME,
        first=date(2026, 11, 16),
        lines=[
            LineWeek(1, "L1", "bottles", 1000, 900, 900, 0, 90, Discipline(on_time=5)),
        ],
        losses=[trend],
        downtime=Trend("downtime", 90, 30),
        scrap=Trend("scrap", 0, 0),
        repeats=[
            RepeatProblem(1, "L1", REASON, DAY, DAY, 3, 60, DAY - timedelta(days=2), DAY, 1),
        ],
    )

    text = rendered(build_weekly_blocks(review))

    assert text.count("&lt;!here&gt;") == 2 and "<!here>" not in text
    assert NAME_ESCAPED in weekly_text(review)


def test_plant_names_are_escaped_in_mrkdwn_and_shown_as_typed_in_plain_text() -> None:
    view = board_view(unit=NAME, line_name=NAME)

    blocks = [block.to_dict() for block in build_board_blocks(view)]

    assert blocks[0]["text"]["text"] == f"L1 · {NAME}"  # header: plain_text
    assert NAME_ESCAPED in blocks[2]["text"]["text"]
    assert NAME_ESCAPED in board_text(view)
    status = LineStatus("L1", NAME, NAME, view, DAY, 1600, 400)
    assert rendered(build_status_blocks([status])).count(NAME_ESCAPED) == 3
    assert NAME not in status_text([status])


def test_shift_names_and_units_are_escaped_in_targets_and_alerts() -> None:
    shift = replace(INSTANCE, shift_name=NAME)
    change = TargetChange(
        line_code="L1",
        line_channel="C0LINE0001",
        unit=NAME,
        set_by=LEAD,
        units=900,
        valid_from=DAY,
        valid_to=DAY,
        shifts=(ShiftTargetChange(NAME, 900, 800, True),),
        whole_line=False,
    )
    announcement = target_announcement_text(change)
    assert announcement.count(NAME_ESCAPED) == 2 and LEAD_MENTION in announcement
    pace = LinePace(
        line_id=1,
        line_code="L1",
        line_name=NAME,
        unit=NAME,
        channel_id="C0LINE0001",
        instance=shift,
        zone=ZONE,
        at=AT,
        projection=PaceProjection(actual=240, target=800, projected=480.0, needed_rate=150.0),
    )
    assert pace_alert_text(pace).count(NAME_ESCAPED) == 2
    escalation = rendered(build_pace_escalation_blocks(pace, threshold=0.75))
    assert escalation.count(NAME_ESCAPED) == 4 and "<#C0LINE0001>" in escalation
    assert NAME not in escalation
