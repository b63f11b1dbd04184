"""The morning review's sections around delivery, in the order of a tier meeting: Safety,
Quality, (Delivery: ``bot.messages.digest``), Cost, People, then OEE per line and the issues
touched since the last review.

Rates and OEE are shown to one decimal, money in the site's currency, times in the site's zone.
"""

from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, SectionBlock

from bot.messages.board import SEVERITY_ICON
from bot.messages.format import (
    SECTION_LIMIT,
    cut_plain,
    escape,
    join_within,
    line_table,
    mention,
    minutes,
    money,
    percent,
    plural,
    quantity,
    rate,
    shared_unit,
)
from bot.messages.machine_stops import unexplained_stops_line
from bot.numbers.digest import Digest, LineDay
from bot.numbers.morning_review import TouchedIssue
from models.enums import IssueStatus

ISSUE_TEXT_SHOWN = 120
COSTS_SHOWN = 5
# Room for the late and the missing shifts' names each, within one section.
NAMES_LIMIT = 1200
# Raising an issue records its first event, OPEN.
_DID = {
    IssueStatus.OPEN: "raised",
    IssueStatus.ACKNOWLEDGED: "acknowledged",
    IssueStatus.RESOLVED: "resolved",
}


def safety_section(digest: Digest) -> SectionBlock:
    incidents = (
        plural(digest.safety_incidents, "safety incident")
        if digest.safety_incidents
        else "No safety incident"
    )
    near = plural(digest.near_misses, "near miss", "near misses")
    streak = (
        "no safety issue on record"
        if digest.days_since_safety_issue is None
        else f"{plural(digest.days_since_safety_issue, 'day')} since the last safety issue"
    )
    icon = "🟥" if digest.safety_incidents else "🟩"
    return SectionBlock(text=f"*{icon} Safety*\n{incidents} · {near} · {streak}")


def quality_section(digest: Digest) -> SectionBlock:
    made = [line for line in digest.lines if line.good + line.scrap]
    rows = [
        f"{line.code} {rate(line.scrap_rate)} ({quantity(line.scrap, line.unit)})"
        for line in sorted(made, key=lambda line: (-(line.scrap_rate or 0.0), line.code))
    ]
    head = "*Quality* · scrap rate per line\n"
    text = head + (join_within(rows, 1500, sep=" · ") if rows else "nothing made")
    if (unit := shared_unit(digest.lines)) is not None:  # else cases and kegs would add up
        text += f"\nPlant {quantity(digest.total_scrap, unit)} ({rate(digest.scrap_rate)})"
    if digest.scrap_reasons:
        reasons = ", ".join(
            f"{r.line_code} {escape(r.reason)} {rate(r.share)} ({quantity(r.units, r.unit)})"
            for r in digest.scrap_reasons
        )
        text += f"\nTop scrap reasons: {reasons}"
    return SectionBlock(text=text)


def cost_section(digest: Digest) -> SectionBlock | None:
    cost, currency = digest.cost, digest.currency
    if cost is None:
        return None
    month = f"Month to date {money(cost.month_to_date, currency)}"
    if cost.budget is not None:
        month += f" of {money(cost.budget, currency)} budget ({rate(cost.budget_used)})"
    last_day = digest.production_date.replace(day=cost.days_in_month)
    forecast = f"on course for {money(cost.forecast, currency)} by {last_day:%d %b}"
    if cost.budget is not None:
        gap = abs(cost.forecast - cost.budget)
        forecast += (
            f": *{money(gap, currency)} over budget*"
            if cost.over_budget
            else f", {money(gap, currency)} under budget"
        )
    costed = sorted(
        (line for line in digest.lines if line.loss_cost),
        key=lambda line: (-(line.loss_cost or 0), line.code),
    )
    by_line = [f"{line.code} {money(line.loss_cost, currency)}" for line in costed[:COSTS_SHOWN]]
    if hidden := costed[COSTS_SHOWN:]:
        rest = sum((line.loss_cost or Decimal(0) for line in hidden), Decimal(0))
        by_line.append(f"…and {plural(len(hidden), 'more line')}: {money(rest, currency)}")
    return SectionBlock(
        text=(
            f"*Cost* · losses {money(cost.day, currency)} yesterday"
            + (f" ({' · '.join(by_line)})" if by_line else "")
            + f"\n{month} · {forecast}\n"
            "_scrap × unit cost + downtime hours × downtime cost per hour_"
        )
    )


def people_section(digest: Digest) -> SectionBlock:
    people = digest.people
    due = people.discipline
    if not due.shifts:
        return SectionBlock(text="*People* · no planned shift was due for a report")
    text = (
        f"*People* · {due.on_time} of {plural(due.shifts, 'planned shift')} reported on time "
        f"({percent(due.share)})"
    )
    for heading, labels in (("Late", people.late), ("Not reported", people.missing)):
        if labels:
            named = join_within([escape(label) for label in labels], NAMES_LIMIT, sep=", ")
            text += f"\n{heading}: {named}"
    return SectionBlock(text=text)


def oee_blocks(digest: Digest) -> list[Block]:
    """OEE per line with A/P/Q and the biggest loss; lines without reports are named."""
    head = SectionBlock(
        text="*OEE* · availability × performance × quality, over the reported shifts"
    )
    blocks: list[Block] = [
        head,
        *line_table(digest.lines, row=_oee_row, worst_first=_lowest_oee, hidden_note=_hidden_oee),
    ]
    if digest.machine_stops is not None:  # only a site with machine lines
        blocks.append(SectionBlock(text=unexplained_stops_line(digest.machine_stops)))
    return blocks


def _oee_row(line: LineDay, width: int) -> str:
    losses = line.losses
    if losses is None:
        return f"{line.code:<{width}} not reported"
    if losses.oee is None:
        first = (
            f"{line.code:<{width}} A {rate(losses.availability):>6}  "
            f"Q {rate(losses.quality):>6}  (no ideal rate)"
        )
    else:
        first = (
            f"{line.code:<{width}} OEE {rate(losses.oee):>6}  A {rate(losses.availability):>6} "
            f"P {rate(losses.performance):>6} Q {rate(losses.quality):>6}"
        )
    biggest = losses.biggest_loss
    if biggest is None:
        return first
    loss, lost = biggest
    return f"{first}\n{'':<{width}} biggest loss: {loss} {minutes(round(lost))}"


def _lowest_oee(line: LineDay) -> tuple[bool, float, str]:
    oee = line.losses.oee if line.losses else None
    return (oee is None, oee or 0.0, line.code)


def _hidden_oee(hidden: Sequence[LineDay]) -> str:
    return f"…and {plural(len(hidden), 'more line')} with a higher OEE"


def touched_section(digest: Digest) -> SectionBlock:
    head = "*Issues since the last digest*\n"
    if not digest.touched:
        return SectionBlock(text=head + "none raised, acknowledged or resolved")
    zone = ZoneInfo(digest.timezone)
    rows = [_touched(issue, zone) for issue in digest.touched]
    return SectionBlock(text=head + join_within(rows, SECTION_LIMIT - len(head)))


def _touched(issue: TouchedIssue, zone: ZoneInfo) -> str:
    what = [
        f"{_DID[change.status]} {change.at.astimezone(zone):%H:%M} by {mention(change.by)}"
        for change in issue.changes
    ]
    category = f" {escape(issue.category)}" if issue.category else ""
    return (
        f"{SEVERITY_ICON[issue.severity]} {issue.severity}{category} · {issue.line_code} · "
        f"{', '.join(what)} · now {issue.status.value} — "
        f"{escape(cut_plain(issue.text, ISSUE_TEXT_SHOWN))}"
    )
