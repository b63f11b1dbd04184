"""The daily digest for the digest channel and each head of production.

It keeps within Slack's limits of 50 blocks per message and 3000 characters per section text:
the per-line table is shared with the weekly review (``bot.messages.format.line_table``) and
shows the worst lines when not all fit, the downtime Pareto and the costs show their top reasons
and lines; whatever is left out is counted in the message. Nothing is cut off without saying so.
"""

from collections.abc import Sequence
from datetime import timedelta

from slack_sdk.models.blocks import Block, DividerBlock, SectionBlock

from bot.messages.board import SEVERITY_ICON
from bot.messages.format import (
    NAME_WIDTH,
    SECTION_LIMIT,
    TEXT_LIMIT,
    code_block,
    cut_plain,
    escape,
    fit_mrkdwn,
    join_within,
    line_table,
    minutes,
    percent,
    plant_vs_target,
    plural,
    progress_bar,
    report_header,
    shared_unit,
)
from bot.messages.morning_review import (
    cost_section,
    oee_blocks,
    people_section,
    quality_section,
    safety_section,
    touched_section,
)
from bot.numbers.digest import Digest, LineDay
from bot.numbers.periods import PeriodAttainment
from models.enums import Severity

PARETO_SHOWN = 8
COSTS_SHOWN = 5
ISSUE_TEXT_SHOWN = 150


def digest_text(digest: Digest) -> str:
    """The notification and screen-reader text, within ``TEXT_LIMIT``."""
    text = (
        f"{escape(digest.site_name)} digest for {digest.production_date:%a %d %b %Y}: plant "
        f"{_vs_target(digest, digest.total_planned_good, digest.total_target)}"
    )
    if digest.misses:
        text += " · biggest misses " + ", ".join(
            f"{line.code} −{line.shortfall:,}" for line in digest.misses
        )
    return fit_mrkdwn(text, TEXT_LIMIT)


def build_digest_blocks(digest: Digest) -> list[Block]:
    blocks = report_header(
        f"Daily digest · {digest.site_name}",
        f"Production date {digest.production_date:%A %d %B %Y}",
    )
    if not digest.has_production:
        blocks.append(SectionBlock(text="Nothing was planned or reported on this date."))
        return blocks
    blocks.append(safety_section(digest))
    blocks.append(quality_section(digest))
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=_plant_total(digest)))
    blocks.extend(
        line_table(digest.lines, row=_row, worst_first=_worst_first, hidden_note=_hidden_note)
    )
    blocks.append(SectionBlock(text=_misses(digest.misses)))
    blocks.append(_trend(digest))
    blocks.append(DividerBlock())
    if cost := cost_section(digest):
        blocks.append(cost)
    blocks.append(people_section(digest))
    blocks.append(DividerBlock())
    blocks.extend(oee_blocks(digest))
    blocks.append(SectionBlock(text=_pareto(digest)))
    blocks.append(DividerBlock())
    blocks.append(touched_section(digest))
    blocks.append(_issues(digest))
    return blocks


def _vs_target(digest: Digest, actual: int, target: int) -> str:
    """A plant total in the lines' unit when they share one, else as attainment only."""
    return plant_vs_target(actual, target, shared_unit(digest.lines))


def _plant_total(digest: Digest) -> str:
    return (
        f"*Delivery* · plant {_vs_target(digest, digest.total_planned_good, digest.total_target)}"
        f"  `{progress_bar(digest.attainment)}`"
    )


def _row(line: LineDay, width: int) -> str:
    target = f"{line.target:,}" if line.target is not None else "—"
    return (
        f"{line.code:<{width}} {line.good:>7,} / {target:>7} {percent(line.attainment):>5} "
        f"{progress_bar(line.attainment)}"
    )


def _worst_first(line: LineDay) -> tuple[bool, float, str]:
    """Lowest attainment first, lines without a target last."""
    return (line.attainment is None, line.attainment or 0.0, line.code)


def _hidden_note(hidden: Sequence[LineDay]) -> str:
    shares = [line.attainment for line in hidden if line.attainment is not None]
    count = f"…and {plural(len(hidden), 'more line')}"
    if not shares:
        return f"{count} without a target"
    if min(shares) >= 1:
        return f"{count} on target"
    return f"{count}, all at {percent(min(shares))} or better"


def _misses(misses: Sequence[LineDay]) -> str:
    head = "*Biggest misses*\n"
    if not misses:
        return head + "none: every planned line made its target"
    rows = [
        f"• *{line.code}* −{line.shortfall:,} {escape(line.unit)} ({percent(line.attainment)})"
        + _cause(line)
        for line in misses
    ]
    return head + join_within(rows, SECTION_LIMIT - len(head))


def _cause(line: LineDay) -> str:
    """The shifts nobody reported when they are most of the miss, else the main delay."""
    if line.missed_mostly_unreported:
        shifts = ", ".join(escape(shift.shift_name) for shift in line.unreported)
        return (
            f" · {'shift' if len(line.unreported) == 1 else 'shifts'} {shifts} not reported "
            f"({line.unreported_target:,} {escape(line.unit)} planned)"
        )
    cause = (
        f" · main delay {escape(line.main_delay_reason)}"
        if line.main_delay_reason
        else " · no delay logged"
    )
    if line.unreported:
        cause += " · " + ", ".join(
            f"shift {escape(shift.shift_name)} not reported" for shift in line.unreported
        )
    return cause


def _pareto(digest: Digest) -> str:
    if not digest.pareto:
        return "*Downtime*\nnone logged"
    shown, rest = digest.pareto[:PARETO_SHOWN], digest.pareto[PARETO_SHOWN:]
    reasons = [cut_plain(row.reason, NAME_WIDTH) for row in shown]
    width = max(len(reason) for reason in reasons)
    rows = [  # cut and padded first, then escaped: the columns line up as shown
        escape(
            f"{reason:<{width}} {minutes(row.minutes):>12} {percent(row.share):>4}"
            f"  cum {percent(row.cumulative_share):>4}"
        )
        for reason, row in zip(reasons, shown, strict=True)
    ]
    if rest:
        rest_minutes = sum(row.minutes for row in rest)
        rows.append(
            f"…and {plural(len(rest), 'more reason')}, {minutes(rest_minutes)} "
            f"({percent(rest_minutes / digest.delay_minutes)})"
        )
    return f"*Downtime Pareto* · {minutes(digest.delay_minutes)} in all\n" + code_block(rows)


def _issues(digest: Digest) -> SectionBlock:
    issues = digest.issues
    if not issues.total:
        return SectionBlock(text="*Open issues*\nnone open")
    fields = [
        f"*{bucket.label}*\n{bucket.count}"
        + (
            " · " + ", ".join(f"{n} {severity}" for severity, n in _by_rank(bucket.by_severity))
            if bucket.count
            else ""
        )
        for bucket in issues.buckets
    ]
    head = f"*Open issues* {issues.total} · oldest first\n"
    oldest = [
        f"{SEVERITY_ICON[issue.severity]} {issue.severity} · {issue.line_code} · "
        f"{_age(issue.age)} — {escape(cut_plain(issue.text, ISSUE_TEXT_SHOWN))}"
        for issue in issues.oldest
    ]
    return SectionBlock(text=head + join_within(oldest, SECTION_LIMIT - len(head)), fields=fields)


def _trend(digest: Digest) -> SectionBlock:
    forecast = digest.forecast
    return SectionBlock(
        fields=[
            f"*Week to date*\n{_period(digest, digest.week)}",
            f"*Month to date*\n{_period(digest, digest.month)}",
            "*Month-end forecast*\n"
            + (
                f"{_vs_target(digest, forecast.actual, forecast.target)} at the current run-rate"
                if forecast
                else "— (no target this month)"
            ),
        ]
    )


def _period(digest: Digest, period: PeriodAttainment) -> str:
    actual_vs_target = _vs_target(digest, period.actual, period.target)
    return f"{actual_vs_target} `{progress_bar(period.attainment)}`"


def _by_rank(by_severity: dict[str, int]) -> list[tuple[str, int]]:
    """Most severe first."""
    return sorted(by_severity.items(), key=lambda item: -Severity(item[0]).rank)


def _age(age: timedelta) -> str:
    if age >= timedelta(days=1):
        return f"{age.days} d"
    return f"{int(age.total_seconds() // 3600)} h"
