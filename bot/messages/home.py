"""The App Home tab: the user's lines today and the buttons that open the report forms."""

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.messages.format import plural
from bot.messages.forms import FORM_KINDS, OPEN_FORM_ACTIONS
from bot.messages.replies import build_status_blocks
from bot.numbers.production import LineStatus

MAX_HOME_BLOCKS = 100  # Slack's limit for a view
# One section per line: as many lines as ``/prod status`` shows; the others are counted.
LINES_SHOWN = 50
_BUTTONS = {"output": "Report output", "delay": "Log a delay", "issue": "Raise an issue"}


def build_home_view(statuses: list[LineStatus], *, own: bool, updated: str) -> View:
    """``own`` tells whether ``statuses`` are the user's lines or, lacking any, all lines."""
    buttons = ActionsBlock(
        elements=[
            ButtonElement(
                text=_BUTTONS[kind],
                action_id=OPEN_FORM_ACTIONS[kind],
                value=kind,
                style="primary" if kind == "output" else None,
            )
            for kind in FORM_KINDS
        ]
    )
    scope_note = (
        f"Updated {updated}; refreshed each time you open this tab."
        if own
        else f"You lead or manage no line, so every line is shown. Updated {updated}."
    )
    lines = build_status_blocks(statuses[:LINES_SHOWN]) or [
        SectionBlock(text="No lines are set up yet.")
    ]
    if (hidden := len(statuses) - LINES_SHOWN) > 0:
        more = f"…and {plural(hidden, 'more line')}: `/prod status LINE` shows any of them."
        lines.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    blocks: list[Block] = [
        HeaderBlock(text="Your lines today" if own else "Lines today"),
        buttons,
        DividerBlock(),
        *lines,
        ContextBlock(elements=[MarkdownTextObject(text=scope_note)]),
    ]
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


def build_stranger_home_view(reason: str) -> View:
    """For someone prodbot may not show any site to: why, and whom to ask (``reason``)."""
    return View(
        type="home",
        blocks=[
            HeaderBlock(text="prodbot"),
            SectionBlock(text=MarkdownTextObject(text=reason)),
        ],
    )
