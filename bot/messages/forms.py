"""The report forms (modals) for output, delays and issues, and reading their submissions back.

The forms ask for the same fields as the slash commands; the handler validates a submission
with the same pydantic models. Every input's ``action_id`` equals its ``block_id``, so a
submitted value is found at ``state.values[block][block]``. What the submission needs besides
the inputs (which form, the channel it was opened from) travels in ``private_metadata`` as a
``FormMetadata``. The output form's scrap reason is asked in the ``BlockId.REASON`` block (the
delay form's reason block: no form has both).

A static select offers at most 100 options, each label at most 75 characters: a longer label
ends in "…", and a select with more choices lists the first 100 (the user's lines come first)
and its hint says how many are left to the slash command.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.messages.format import SECTION_LIMIT, cut_plain, fit_mrkdwn
from bot.messages.ids import ActionId, BlockId, CallbackId
from models.enums import IssueCategory, Severity
from models.payloads import FormMetadata
from models.schemas import MAX_NOTE

FormKind = Literal["output", "delay", "issue"]
FORM_KINDS: tuple[FormKind, ...] = ("output", "delay", "issue")
MAX_OPTIONS = 100  # Slack's limit for a static select
OPTION_TEXT_LIMIT = 75


FORM_CALLBACKS: dict[FormKind, CallbackId] = {
    "output": CallbackId.OUTPUT_FORM,
    "delay": CallbackId.DELAY_FORM,
    "issue": CallbackId.ISSUE_FORM,
}
OPEN_FORM_ACTIONS: dict[FormKind, ActionId] = {
    "output": ActionId.OPEN_OUTPUT_FORM,
    "delay": ActionId.OPEN_DELAY_FORM,
    "issue": ActionId.OPEN_ISSUE_FORM,
}
_TITLES: dict[FormKind, tuple[str, str]] = {
    "output": ("Report output", "Save"),
    "delay": ("Log a delay", "Log"),
    "issue": ("Raise an issue", "Raise"),
}
CONFIRMED = "yes"


@dataclass(frozen=True)
class FormChoices:
    """What the selects offer: ``lines`` as (code_key, label), the user's lines first;
    ``reasons`` are the delay reasons, ``scrap_reasons`` the output form's (none: not asked)."""

    lines: list[tuple[str, str]]
    initial_line: str | None
    shifts: list[str]
    reasons: list[str]
    scrap_reasons: list[str] = field(default_factory=list)


def build_report_form(
    metadata: FormMetadata, choices: FormChoices, *, implausible: str | None = None
) -> View:
    """The modal for ``metadata.kind``; ``implausible`` (output only) asks to confirm a
    quantity beyond what the line can make, with a *Save anyway* tick box."""
    title, submit = _TITLES[metadata.kind]
    if metadata.kind == "output":
        blocks = _output_blocks(choices, implausible)
    elif metadata.kind == "delay":
        blocks = [_line_input(choices), *_delay_blocks(choices)]
    else:
        blocks = [_line_input(choices), *_issue_blocks()]
    return View(
        type="modal",
        callback_id=FORM_CALLBACKS[metadata.kind],
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=metadata.model_dump_json(),
        blocks=blocks,
    )


def read_form_values(state_values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """The submitted value of every filled-in input, by block id (empty inputs left out)."""
    values: dict[str, str] = {}
    for block_id, actions in state_values.items():
        element = actions.get(block_id) or {}
        value = (
            element.get("value")
            or (element.get("selected_option") or {}).get("value")
            or element.get("selected_date")
            or (CONFIRMED if element.get("selected_options") else None)
        )
        if value:
            values[block_id] = value
    return values


def _output_blocks(choices: FormChoices, implausible: str | None) -> list[Block]:
    warning: list[Block] = []
    if implausible:
        head, tail = "🤔 *Did you mean that?* ", " Correct the number, or tick *Save anyway*."
        question = fit_mrkdwn(implausible, SECTION_LIMIT - len(head) - len(tail))
        warning = [
            SectionBlock(text=head + question + tail),
            _input(
                BlockId.CONFIRM,
                "Save anyway",
                CheckboxesElement(
                    action_id=BlockId.CONFIRM,
                    options=[Option(value=CONFIRMED, text="The quantity is right, save it")],
                ),
                optional=True,
            ),
        ]
    return [
        *warning,
        _line_input(choices),
        _input(BlockId.GOOD, "Good units", _text_element(BlockId.GOOD, "e.g. 120")),
        _input(BlockId.SCRAP, "Scrap units", _text_element(BlockId.SCRAP, "0"), optional=True),
        *_scrap_reason_input(choices),
        _input(
            BlockId.SHIFT,
            "Shift",
            _select(BlockId.SHIFT, [(name, name) for name in choices.shifts], "the one running"),
            optional=True,
            hint=" ".join(
                filter(
                    None,
                    ["Leave empty for the shift in progress.", _unlisted(choices.shifts, "shifts")],
                )
            ),
        ),
        _input(
            BlockId.DATE,
            "Production date",
            DatePickerElement(action_id=BlockId.DATE),
            optional=True,
            hint="Only for a past shift; name the shift too.",
        ),
        _note_input(),
    ]


def _scrap_reason_input(choices: FormChoices) -> list[Block]:
    """The optional scrap reason, when the site has reasons to choose from."""
    if not choices.scrap_reasons:
        return []
    startup = "startup" in choices.scrap_reasons
    return [
        _input(
            BlockId.REASON,
            "Scrap reason",
            _select(BlockId.REASON, [(r, r) for r in choices.scrap_reasons], "why scrapped"),
            optional=True,
            hint=" ".join(
                filter(
                    None,
                    [
                        "Only with scrap units.",
                        "startup: made while the line started up." if startup else None,
                        _unlisted(choices.scrap_reasons, "reasons"),
                    ],
                )
            ),
        )
    ]


def _delay_blocks(choices: FormChoices) -> list[Block]:
    return [
        _input(
            BlockId.DURATION,
            "Duration",
            _text_element(BlockId.DURATION, "45m, 1h30m or 1:30"),
        ),
        _input(
            BlockId.REASON,
            "Reason",
            _select(BlockId.REASON, [(reason, reason) for reason in choices.reasons], "why"),
            hint=_unlisted(choices.reasons, "reasons"),
        ),
        _note_input(),
    ]


def _issue_blocks() -> list[Block]:
    return [
        _input(
            BlockId.SEVERITY,
            "Severity",
            _select(BlockId.SEVERITY, [(s.value, s.value) for s in Severity], "how bad"),
        ),
        _input(
            BlockId.CATEGORY,
            "Category",
            _select(BlockId.CATEGORY, [(c.value, c.value) for c in IssueCategory], "what kind"),
            optional=True,
            hint="Safety issues are raised as at least high.",
        ),
        _input(
            BlockId.TEXT,
            "What happened",
            _text_element(BlockId.TEXT, "e.g. conveyor jammed", multiline=True),
        ),
    ]


def _line_input(choices: FormChoices) -> InputBlock:
    return _input(
        BlockId.LINE,
        "Line",
        _select(BlockId.LINE, choices.lines, "which line", initial=choices.initial_line),
        hint=_unlisted(choices.lines, "lines"),
    )


def _note_input() -> InputBlock:
    return _input(
        BlockId.NOTE,
        "Note",
        _text_element(BlockId.NOTE, "anything the next shift should know", multiline=True),
        optional=True,
    )


def _input(
    block_id: BlockId,
    label: str,
    element: InputInteractiveElement,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, element=element, optional=optional, hint=hint)


def _text_element(
    action_id: BlockId, placeholder: str, *, multiline: bool = False
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=action_id,
        placeholder=placeholder,
        multiline=multiline,
        max_length=MAX_NOTE if multiline else None,
    )


def _select(
    action_id: BlockId,
    choices: list[tuple[str, str]],
    placeholder: str,
    *,
    initial: str | None = None,
) -> StaticSelectElement:
    options = [
        Option(value=value, text=cut_plain(label, OPTION_TEXT_LIMIT))
        for value, label in choices[:MAX_OPTIONS]
    ]
    return StaticSelectElement(
        action_id=action_id,
        placeholder=placeholder,
        options=options,
        initial_option=next((option for option in options if option.value == initial), None),
    )


def _unlisted(choices: Sequence[object], what: str) -> str | None:
    """The hint of a select that cannot list every choice."""
    if len(choices) <= MAX_OPTIONS:
        return None
    hidden = len(choices) - MAX_OPTIONS
    return (
        f"The first {MAX_OPTIONS} {what} are listed, …and {hidden} more: for those, type the "
        "slash command instead."
    )
