"""Pace alerts and missing-report reminders: short enough to read in a phone notification."""

import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.messages.format import (
    SECTION_LIMIT,
    escape,
    join_within,
    local_clock,
    mention,
    percent,
    shift_label,
)
from bot.numbers.pace import LinePace, MissingReport
from bot.plant.shifts import ShiftInstance

# Mentions of leads and codes of lines a reminder lists in its first sentence, in characters:
# the rest are counted ("…and 12 more"), so the sentence stays one section's worth.
LIST_LIMIT = 1500


def _shift_when(instance: ShiftInstance, zone: ZoneInfo) -> str:
    """``shift A (Wed 18 Nov, 06:00–14:00)`` in the site's local time."""
    start, end = instance.start.astimezone(zone), instance.end.astimezone(zone)
    return f"shift {escape(instance.shift_name)} ({start:%a %d %b}, {start:%H:%M}–{end:%H:%M})"


def _pace_facts(pace: LinePace) -> str:
    """``240 / 800 bottles at 10:00 — on pace for 480 (60%). Needs 150 bottles/h from now…``"""
    p, unit = pace.projection, escape(pace.unit)
    needed = (
        f"Needs {math.ceil(p.needed_rate):,} {unit}/h from now to make target."
        if p.needed_rate is not None
        else "No production time is left in this shift."
    )
    return (
        f"{p.actual:,} / {p.target:,} {unit} at {local_clock(pace.at, pace.zone)} — "
        f"on pace for {round(p.projected):,} ({percent(p.share)}). {needed}"
    )


def pace_alert_text(pace: LinePace) -> str:
    return f"⚠️ {pace.line_code} is behind: {_pace_facts(pace)}"


def build_pace_alert_blocks(pace: LinePace) -> list[Block]:
    """The line-channel alert when the projection falls below ``pace_alert``."""
    return [
        SectionBlock(text=f"⚠️ *{pace.line_code} is behind:* {_pace_facts(pace)}"),
        ContextBlock(elements=[MarkdownTextObject(text=shift_label(pace.instance, pace.zone))]),
    ]


def pace_escalation_text(pace: LinePace, *, threshold: float) -> str:
    return f"🚨 {pace.line_code} is below {percent(threshold)} of target: {_pace_facts(pace)}"


def build_pace_escalation_blocks(pace: LinePace, *, threshold: float) -> list[Block]:
    """The DM to a manager when the projection falls below ``pace_escalate``."""
    channel = f" · <#{pace.channel_id}>" if pace.channel_id else ""
    return [
        SectionBlock(
            text=(
                f"🚨 *{pace.line_code} is below {percent(threshold)} of target:* "
                f"{_pace_facts(pace)}"
            )
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        f"{escape(pace.line_name)} · "
                        f"{shift_label(pace.instance, pace.zone)}{channel}"
                    )
                )
            ]
        ),
    ]


def _report_command(report: MissingReport) -> str:
    instance = report.instance
    return (
        f"`/output {report.line_code} GOOD shift {instance.shift_name} "
        f"date {instance.production_date}`"
    )


def missing_report_text(report: MissingReport) -> str:
    """``📝 <@U0LEAD0001> no output reported for L1 shift A (…). Report with `/output …`.``"""
    leads = [mention(lead) for lead in report.leads]
    who = join_within(leads, LIST_LIMIT, sep=" ") + " " if leads else ""
    opening = f"{who}no output" if who else "No output"
    return (
        f"📝 {opening} reported for {report.line_code} {_shift_when(report.instance, report.zone)}"
        f". Report with {_report_command(report)}."
    )


def build_missing_report_blocks(report: MissingReport) -> list[Block]:
    """The reminder in the line channel; the text mentions the leads so they are notified."""
    return [SectionBlock(text=missing_report_text(report))]


def missing_reports_dm_text(reports: Sequence[MissingReport]) -> str:
    """The manager's DM: every line of theirs still unreported for one shift instance."""
    first = reports[0]
    lines = join_within([report.line_code for report in reports], LIST_LIMIT, sep=", ")
    return f"📝 Still no output reported for {_shift_when(first.instance, first.zone)} on {lines}."


def build_missing_reports_dm_blocks(reports: Sequence[MissingReport]) -> list[Block]:
    rows = [
        f"• *{report.line_code}*"
        + (f" · <#{report.channel_id}>" if report.channel_id else "")
        + (
            " · lead " + ", ".join(mention(lead) for lead in report.leads)
            if report.leads
            else " · no lead on file"
        )
        for report in reports
    ]
    return [
        SectionBlock(text=missing_reports_dm_text(reports)),
        SectionBlock(text=join_within(rows, SECTION_LIMIT)),
    ]
