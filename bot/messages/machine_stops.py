"""A machine stop's prompt in the line channel ("L1 stopped at 10:42 — what happened?"), its
answered form, the "other…" modal, the lead's reminder and the digest's line.

The prompt has one button per delay reason of the site, in actions blocks of at most
``BUTTONS_PER_BLOCK`` (Slack's 25 elements), "other…" last. Each reason button carries its stop
and reason as JSON (``StopButtonValue``); its action id is ``machine_stop_reason:<n>``, unique in
its block as Slack requires.
"""

from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.messages.format import cut_plain, escape, local_clock, mention, minutes
from bot.messages.ids import ActionId, BlockId, CallbackId
from bot.numbers.machine_stops import StopView, UnexplainedStops

BUTTONS_PER_BLOCK = 25
MAX_OPTIONS = 100  # a static select's options
NOTE_MAX_LENGTH = 500
MACHINE = "machine"


class StopButtonValue(BaseModel):
    """A reason button's value."""

    stop_id: int
    reason: str


class StopModalState(BaseModel):
    """What the "other…" modal carries in ``private_metadata`` to its submission."""

    stop_id: int


def _when(view: StopView) -> str:
    started = local_clock(view.started_at, view.zone)
    if view.ended_at is None:
        return f"at {started} ({minutes(view.minutes)} so far)"
    return f"{started}–{local_clock(view.ended_at, view.zone)} ({minutes(view.minutes)})"


def _by(view: StopView) -> str:
    if view.answered_by == MACHINE or view.answered_by is None:
        return "reported by the machine"
    return mention(view.answered_by)


def stop_text(view: StopView) -> str:
    """The prompt's text: the question while unanswered, the answer once given."""
    code = escape(view.line_code)
    if view.reason is None:
        if view.ended_at is None:
            return f"{code} stopped at {local_clock(view.started_at, view.zone)} — what happened?"
        return f"{code} stopped {_when(view)} — what happened?"
    return f"{code} stopped {_when(view)}: {escape(view.reason)} — {_by(view)}"


def build_stop_blocks(view: StopView) -> list[Block]:
    """The prompt: its text and, while unanswered, the reason buttons and "other…"."""
    blocks: list[Block] = [SectionBlock(text=stop_text(view))]
    if view.reason is not None:
        return blocks
    buttons: list[ButtonElement] = [
        ButtonElement(
            text=cut_plain(reason, 75),
            action_id=f"{ActionId.MACHINE_STOP_REASON}:{index}",
            value=StopButtonValue(stop_id=view.id, reason=reason).model_dump_json(),
        )
        for index, reason in enumerate(view.reasons)
    ]
    buttons.append(
        ButtonElement(text="other…", action_id=ActionId.MACHINE_STOP_OTHER, value=str(view.id))
    )
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        blocks.append(
            ActionsBlock(
                block_id=f"machine_stop:{view.id}:{start // BUTTONS_PER_BLOCK}",
                elements=buttons[start : start + BUTTONS_PER_BLOCK],
            )
        )
    return blocks


def build_stop_modal(view: StopView) -> View:
    """ "other…": a reason of the site and a note."""
    return View(
        type="modal",
        callback_id=CallbackId.MACHINE_STOP_FORM,
        title="Why did it stop?",
        submit="Save",
        close="Cancel",
        private_metadata=StopModalState(stop_id=view.id).model_dump_json(),
        blocks=[
            SectionBlock(text=stop_text(view)),
            InputBlock(
                block_id=BlockId.STOP_REASON,
                label="Reason",
                element=StaticSelectElement(
                    action_id=BlockId.STOP_REASON,
                    options=[
                        Option(text=cut_plain(reason, 75), value=reason)
                        for reason in view.reasons[:MAX_OPTIONS]
                    ],
                ),
            ),
            InputBlock(
                block_id=BlockId.STOP_NOTE,
                label="What happened?",
                optional=True,
                element=PlainTextInputElement(
                    action_id=BlockId.STOP_NOTE,
                    multiline=True,
                    max_length=NOTE_MAX_LENGTH,
                ),
            ),
        ],
    )


def stop_modal_values(view: dict[str, Any]) -> tuple[object, object]:
    """The reason and note of a submitted "other…" modal, as sent (validated by the caller)."""
    values = (view.get("state") or {}).get("values") or {}
    reason = ((values.get(BlockId.STOP_REASON) or {}).get(BlockId.STOP_REASON) or {}).get(
        "selected_option"
    )
    note = ((values.get(BlockId.STOP_NOTE) or {}).get(BlockId.STOP_NOTE) or {}).get("value")
    return (reason or {}).get("value") if isinstance(reason, dict) else reason, note


def reminder_text(view: StopView) -> str:
    """The lead's reminder of a stop nobody explained."""
    where = f" in <#{view.channel_id}>" if view.channel_id else ""
    return (
        f"{escape(view.line_code)} stopped {_when(view)} and nobody has said why yet. "
        f"Please answer on the stop's message{where}: it counts as unexplained downtime until then."
    )


def already_answered_text(view: StopView) -> str:
    return (
        f"This stop was already answered: {escape(view.reason or '')} — {_by(view)}. "
        "Nothing was changed."
    )


def answered_text(view: StopView) -> str:
    return f"Thanks — recorded: {stop_text(view)}"


def unexplained_stops_line(stops: UnexplainedStops) -> str:
    """The digest's line: ``Machine stops without a reason: 3 (27 min, 41 %)``."""
    share = "—" if stops.share is None else f"{stops.share * 100:.0f} %"
    return f"Machine stops without a reason: {stops.count} ({minutes(stops.minutes)}, {share})"
