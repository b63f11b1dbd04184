"""The daily digest for the digest channel and each head of production.

Slack allows 50 blocks per message and 3000 characters per section text. The per-line table is
a code block split into sections that fit; when even ``MAX_TABLE_SECTIONS`` of them cannot hold
every line, the worst lines are shown and the message says how many more there are and how they
did. Nothing is cut off without saying so.
"""

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.board import SEVERITY_ICON
from bot.messages.format import (
    amount_vs_target,
    chunk_rows,
    code_block,
    minutes,
    percent,
    progress_bar,
)
from bot.numbers.digest import Digest, LineDay, PeriodAttainment
from models import Severity

MAX_TABLE_SECTIONS = 8
PARETO_SHOWN = 8
COSTS_SHOWN = 5
ISSUE_TEXT_SHOWN = 150


def digest_text(digest: Digest) -> str:
    """The notification and screen-reader text."""
    text = (
        f"{digest.site_name} digest for {digest.production_date:%a %d %b %Y}: plant "
        f"{amount_vs_target(digest.total_planned_good, digest.total_target)}"
    )
    if digest.misses:
        text += " · biggest misses " + ", ".join(
            f"{line.code} −{line.shortfall:,}" for line in digest.misses
        )
    return text


def build_digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=f"Daily digest · {digest.site_name}"[:150]),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"Production date {digest.production_date:%A %d %B %Y}")
            ]
        ),
    ]
    if not digest.has_production:
        blocks.append(SectionBlock(text="Nothing was planned or reported on this date."))
        return blocks
    blocks.append(SectionBlock(text=_plant_total(digest)))
    blocks.extend(_line_table(digest.lines))
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=_misses(digest.misses)))
    blocks.append(SectionBlock(text=_pareto(digest)))
    if digest.loss_cost is not None:
        blocks.append(SectionBlock(text=_costs(digest)))
    blocks.append(DividerBlock())
    blocks.append(_issues(digest))
    blocks.append(_trend(digest))
    return blocks


def _plant_total(digest: Digest) -> str:
    return (
        f"*Plant* {amount_vs_target(digest.total_planned_good, digest.total_target)}  "
        f"`{progress_bar(digest.attainment)}`\n"
        f"Scrap {digest.total_scrap:,} ({percent(digest.scrap_rate)}) · "
        f"downtime {minutes(digest.delay_minutes)}"
        + (f" · cost of losses {_money(digest.loss_cost)}" if digest.loss_cost is not None else "")
    )


def _line_table(lines: Sequence[LineDay]) -> list[Block]:
    """The per-line rows as code-block sections, all lines if they fit, else the worst."""
    shown = [line for line in lines if line.target is not None or line.good or line.scrap]
    idle = len(lines) - len(shown)
    width = max((len(line.code) for line in shown), default=0)
    sections = chunk_rows([_row(line, width) for line in shown])
    blocks: list[Block] = []
    notes = []
    if len(sections) > MAX_TABLE_SECTIONS:
        worst = sorted(shown, key=_worst_first)
        sections = chunk_rows([_row(line, width) for line in worst])[:MAX_TABLE_SECTIONS]
        hidden = worst[sum(len(section) for section in sections) :]
        notes.append(_hidden_note(hidden))
    blocks.extend(SectionBlock(text=code_block(section)) for section in sections)
    if idle:
        notes.append(f"{idle} line{'s' if idle != 1 else ''} not planned and idle")
    if notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(notes))]))
    return blocks


def _row(line: LineDay, width: int) -> str:
    target = f"{line.target:,}" if line.target is not None else "—"
    return (
        f"{line.code:<{width}} {line.good:>9,} / {target:>9} {percent(line.attainment):>5} "
        f"{progress_bar(line.attainment)} scrap {percent(line.scrap_rate):>4} "
        f"down {line.delay_minutes:>4}m"
    )


def _worst_first(line: LineDay) -> tuple[bool, float, str]:
    return (line.attainment is None, line.attainment or 0.0, line.code)


def _hidden_note(hidden: Sequence[LineDay]) -> str:
    shares = [line.attainment for line in hidden if line.attainment is not None]
    count = f"…and {len(hidden)} more line{'s' if len(hidden) != 1 else ''}"
    if not shares:
        return f"{count} without a target"
    if min(shares) >= 1:
        return f"{count} on target"
    return f"{count}, all at {percent(min(shares))} or better"


def _misses(misses: Sequence[LineDay]) -> str:
    if not misses:
        return "*Biggest misses*\nnone: every planned line made its target"
    rows = [
        f"• *{line.code}* −{line.shortfall:,} {line.unit} ({percent(line.attainment)})"
        + (
            f" · main delay {line.main_delay_reason}"
            if line.main_delay_reason
            else " · no delay logged"
        )
        for line in misses
    ]
    return "*Biggest misses*\n" + "\n".join(rows)


def _pareto(digest: Digest) -> str:
    if not digest.pareto:
        return "*Downtime*\nnone logged"
    shown, rest = digest.pareto[:PARETO_SHOWN], digest.pareto[PARETO_SHOWN:]
    width = max(len(row.reason) for row in shown)
    rows = [
        f"{row.reason:<{width}} {minutes(row.minutes):>12} {percent(row.share):>4}"
        f"  cum {percent(row.cumulative_share):>4}"
        for row in shown
    ]
    if rest:
        rest_minutes = sum(row.minutes for row in rest)
        rows.append(
            f"…and {len(rest)} more reasons, {minutes(rest_minutes)} "
            f"({percent(rest_minutes / digest.delay_minutes)})"
        )
    return f"*Downtime Pareto* · {minutes(digest.delay_minutes)} in all\n" + code_block(rows)


def _costs(digest: Digest) -> str:
    costed = sorted(
        (line for line in digest.lines if line.loss_cost),
        key=lambda line: (-(line.loss_cost or 0), line.code),
    )
    rows = [f"• {line.code}: {_money(line.loss_cost)}" for line in costed[:COSTS_SHOWN]]
    if len(costed) > COSTS_SHOWN:
        rest = sum((line.loss_cost or Decimal(0) for line in costed[COSTS_SHOWN:]), Decimal(0))
        rows.append(f"…and {len(costed) - COSTS_SHOWN} more lines: {_money(rest)}")
    return (
        f"*Cost of losses* {_money(digest.loss_cost)}\n"
        "_scrap × unit cost + downtime hours × downtime cost per hour_\n" + "\n".join(rows)
    )


def _issues(digest: Digest) -> SectionBlock:
    issues = digest.issues
    if not issues.total:
        return SectionBlock(text="*Open issues*\nnone")
    fields = [
        f"*{bucket.label}*\n{bucket.count}"
        + (
            " · " + ", ".join(f"{n} {severity}" for severity, n in _by_rank(bucket.by_severity))
            if bucket.count
            else ""
        )
        for bucket in issues.buckets
    ]
    oldest = "\n".join(
        f"{SEVERITY_ICON[issue.severity]} {issue.severity} · {issue.line_code} · "
        f"{_age(issue.age)} — {_clip(issue.text, ISSUE_TEXT_SHOWN)}"
        for issue in issues.oldest
    )
    return SectionBlock(
        text=f"*Open issues* {issues.total} · oldest first\n{oldest}", fields=fields
    )


def _trend(digest: Digest) -> SectionBlock:
    forecast = digest.forecast
    return SectionBlock(
        fields=[
            f"*Week to date*\n{_period(digest.week)}",
            f"*Month to date*\n{_period(digest.month)}",
            "*Month-end forecast*\n"
            + (
                f"{amount_vs_target(forecast.projected, forecast.month_target)} "
                "at the current run-rate"
                if forecast
                else "— (no target this month)"
            ),
            "*Safety*\n"
            + (
                "no safety issue on record"
                if digest.days_since_safety_issue is None
                else f"{digest.days_since_safety_issue} days since the last safety issue"
            ),
        ]
    )


def _period(period: PeriodAttainment) -> str:
    return f"{amount_vs_target(period.actual, period.target)} `{progress_bar(period.attainment)}`"


def _by_rank(by_severity: dict[str, int]) -> list[tuple[str, int]]:
    """Most severe first."""
    return sorted(by_severity.items(), key=lambda item: -Severity(item[0]).rank)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def _age(age: timedelta) -> str:
    if age >= timedelta(days=1):
        return f"{age.days} d"
    return f"{int(age.total_seconds() // 3600)} h"
