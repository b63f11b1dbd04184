"""Ephemeral answers to the person who typed a command."""

import json
import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.board import actual_vs_target
from bot.messages.format import (
    SECTION_LIMIT,
    TEXT_LIMIT,
    cut_mrkdwn,
    escape,
    fit_mrkdwn,
    join_within,
    mention,
    minutes,
    percent,
    plural,
    progress_bar,
    shift_label,
)
from bot.messages.ids import ActionId
from bot.messages.targets import SEMANTICS_HINT as TARGET_SEMANTICS
from bot.numbers.production import LineStatus
from bot.records.reporting import EntryPlace
from models.schemas import USAGE, DelayCommand, IssueCommand, OutputCommand

# Slack's limit for a button's value.
BUTTON_VALUE_LIMIT = 2000
MESSAGE_BLOCKS_LIMIT = 50


# A mention or channel link as the bot writes one, once escaped: ``&lt;@U0LEAD0001&gt;``.
_ESCAPED_MENTION = re.compile(r"&lt;([@#][A-Z][A-Z0-9]{1,31})&gt;")


def mrkdwn_problem(problem: str, *, typed: str = "") -> str:
    """A problem (plain text, which may quote what someone typed) made safe for mrkdwn.

    Everything is escaped, so a quoted ``<!channel>`` or ``<https://x|label>`` shows as typed;
    then the mentions and channel links the bot itself put in (``<@U…>``, ``<#C…>``: who to
    ask) work again, unless that very mention is in ``typed``, what the person sent (then it
    may be their text, and stays escaped). Backticks and asterisks are left as formatting.
    """

    def bot_markup(match: re.Match[str]) -> str:
        markup = f"<{match[1]}>"
        return match[0] if markup in typed else markup

    return _ESCAPED_MENTION.sub(bot_markup, escape(problem))


def problem_text(problem: str, usage: str | None, *, mrkdwn: bool = True, typed: str = "") -> str:
    """``⚠️ problem`` and the usage line: escaped for an ephemeral message (mrkdwn, see
    ``mrkdwn_problem``), as it is for a modal's field error (``mrkdwn=False``: Slack shows
    those as plain text, so escaping would show ``&lt;``)."""
    shown = mrkdwn_problem(problem, typed=typed) if mrkdwn else problem
    return f"⚠️ {shown}" + (f"\nUsage: `{usage}`" if usage else "")


def _where(place: EntryPlace) -> str:
    return f"{place.line.code}, {shift_label(place.instance, place.zone)}"


def _board_hint(place: EntryPlace) -> str:
    """The acknowledgement confirms what was saved; running totals are the board's job, which
    keeps the acknowledgement free of queries that grow with the shift."""
    channel = place.line.channel_id
    return f" The shift board in <#{channel}> shows the running total." if channel else ""


def output_saved_text(
    good: int,
    scrap: int,
    place: EntryPlace,
    *,
    duplicate: bool,
    scrap_reason: str | None = None,
) -> str:
    why = f" ({escape(scrap_reason)})" if scrap_reason else ""
    made = f"+{good:,} good" + (f", {scrap:,} scrap{why}" if scrap else "")
    again = " (already saved — this was a repeat of the same request)" if duplicate else ""
    return f"✅ Saved {made} on {_where(place)}.{_board_hint(place)}{again}"


def delay_saved_text(minutes_lost: int, reason: str, place: EntryPlace, *, duplicate: bool) -> str:
    again = " (already saved)" if duplicate else ""
    return (
        f"✅ Logged {minutes(minutes_lost)} {escape(reason)} on {_where(place)}."
        f"{_board_hint(place)}{again}"
    )


def issue_saved_text(severity: str, line_code: str, *, duplicate: bool) -> str:
    again = " (already saved)" if duplicate else ""
    return f"✅ Raised a *{severity}* issue on {line_code}; it is on the shift board.{again}"


def report_saved_text(
    command: OutputCommand | DelayCommand | IssueCommand, place: EntryPlace, *, duplicate: bool
) -> str:
    """The answer to a saved report, typed or sent from a form."""
    match command:
        case OutputCommand():
            return output_saved_text(
                command.good,
                command.scrap,
                place,
                duplicate=duplicate,
                scrap_reason=command.scrap_reason,
            )
        case DelayCommand():
            return delay_saved_text(command.minutes, command.reason, place, duplicate=duplicate)
        case IssueCommand():
            return issue_saved_text(command.severity.value, place.line.code, duplicate=duplicate)


def undo_text(kind: str, line_code: str, *, duplicate: bool) -> str:
    again = " (already done — this was a repeat of the same request)" if duplicate else ""
    return (
        f"↩️ Voided your last {kind} entry on {line_code}. "
        f"The board shows the corrected total.{again}"
    )


def export_started_text(date_from: str, date_to: str) -> str:
    return f"📄 Preparing CSV files for {date_from} to {date_to}; they arrive in a DM from me."


def export_failed_text(error: str) -> str:
    return (
        f"⚠️ Your export files could not be sent ({error}). Try again, or ask an admin "
        "to run `prodbot export`."
    )


def export_refused_text(heads: list[str]) -> str:
    """Who may export, and whom the caller can ask: their site's heads of production."""
    ask = (
        " or ".join(mention(user_id) for user_id in heads)
        if heads
        else "your line manager or head of production"
    )
    return f"🔒 Only line managers and heads of production can export; ask {ask} for the files."


def export_busy_text() -> str:
    return "⏳ Several exports are being prepared right now. Please try again in a few minutes."


def build_implausible_blocks(message: str, confirm_value: str) -> list[Block]:
    """ "Did you mean…?" with a button to save the quantity anyway.

    ``confirm_value`` is the validated command as JSON; it rides on the button so the save
    needs no server-side pending state.
    """
    blocks: list[Block] = [
        SectionBlock(
            text=fit_mrkdwn(f"🤔 *Did you mean that?* {mrkdwn_problem(message)}", SECTION_LIMIT)
        ),
    ]
    if len(confirm_value) <= BUTTON_VALUE_LIMIT:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Save anyway",
                        action_id=ActionId.CONFIRM_OUTPUT,
                        value=confirm_value,
                        style="primary",
                    ),
                    ButtonElement(text="Discard", action_id=ActionId.DISCARD_OUTPUT, value="-"),
                ]
            )
        )
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="Nothing is saved until you choose.")])
        )
    else:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Nothing was saved. Shorten the note to confirm this quantity."
                    )
                ]
            )
        )
    return blocks


def confirm_value(command_json: str, request_key: str) -> str:
    return json.dumps(
        {"command": json.loads(command_json), "key": request_key}, separators=(",", ":")
    )


def build_status_blocks(statuses: list[LineStatus]) -> list[Block]:
    blocks: list[Block] = []
    for status in statuses:
        day_share = status.day_actual / status.day_target if status.day_target else None
        day = f"*Day {status.day:%a %d %b}* {status.day_actual:,}" + (
            f" / {status.day_target:,} {escape(status.unit)} ({percent(day_share)})"
            if status.day_target
            else f" {escape(status.unit)} (no target)"
        )
        shift, name = status.shift, escape(status.line_name)
        if shift is None:
            text = f"*{status.line_code}* · {name}\nNo shift running.\n{day}"
        else:
            issues = len(shift.open_issues)
            text = (
                f"*{status.line_code}* · {name} — "
                f"{shift_label(shift.instance, shift.zone)}\n"
                f"`{progress_bar(shift.attainment)}` {actual_vs_target(shift)} · "
                f"pace {percent(shift.pace)} · delays {minutes(shift.totals.delay_minutes)} · "
                f"{issues or 'no'} open issue{'s' if issues != 1 else ''}\n{day}"
            )
        blocks.append(SectionBlock(text=cut_mrkdwn(text, SECTION_LIMIT)))
    if len(blocks) > MESSAGE_BLOCKS_LIMIT:
        shown = MESSAGE_BLOCKS_LIMIT - 1
        hidden = plural(len(blocks) - shown, "more line")
        more = f"…and {hidden}: `/prod status LINE` shows any of them."
        blocks[shown:] = [ContextBlock(elements=[MarkdownTextObject(text=more)])]
    return blocks


def status_text(statuses: list[LineStatus]) -> str:
    return join_within(
        [
            f"{s.line_code}: {actual_vs_target(s.shift) if s.shift else 'no shift running'}"
            for s in statuses
        ],
        TEXT_LIMIT,
        sep="; ",
    )


def help_text() -> str:
    return "\n".join(
        [
            "*prodbot* — report from the floor in seconds. "
            "LINE can be left out in a line's channel.",
            *(f"• `{usage}`" for usage in USAGE.values()),
            "DURATION: `45`, `45m`, `1h`, `1h30m`, `1:30`. Delay reasons and severities take "
            "any unambiguous prefix (`mat` → material); a scrap REASON is one of the site's, "
            "typed whole (`scrap 3 defect`).",
            f"`/prod target` (managers and heads): {TARGET_SEMANTICS}",
            "`/output`, `/delay` or `/issue` with nothing after it opens a form.",
        ]
    )
