"""Validated payloads: what Slack hands back to prodbot from what prodbot sent it.

A button's ``value`` and a modal's ``private_metadata`` are written by prodbot, but they reach
it again through the person's Slack client, so they are input from outside like any typed
text: a stale message from an older version, a replayed or hand-made request. Each is read
into a pydantic model here; anything that is not what prodbot issues raises ``PayloadError``,
one sentence for the person who pressed or submitted, and nothing is written.
"""

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from models.schemas import USAGE, Note, OutputCommand, UsageError, describe_error

MAX_RECORD_ID = 2**31 - 1  # an INTEGER primary key
MAX_REQUEST_KEY = 100  # String(100): a Slack trigger_id, or "view:" and a view id


class PayloadError(Exception):
    """A button value or modal state that prodbot did not issue (or a typed note it cannot
    store); ``problem`` says so in one sentence."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _id_text(value: object) -> object:
    """A record id as prodbot writes it: ``str(id)`` in a button, a JSON integer in metadata;
    nothing else (``" 7"``, ``"7.0"``, ``"1_000"``, ``true``) reads as one."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(MAX_RECORD_ID))):
            raise ValueError("not an id")
        return int(value)
    return value


RecordId = Annotated[int, BeforeValidator(_id_text), Field(strict=True, ge=1, le=MAX_RECORD_ID)]
RequestKey = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_REQUEST_KEY, pattern=r"^[\x21-\x7e]+$")
]
# A channel (C), a private channel (G) or a direct message (D).
SlackChannelId = Annotated[str, StringConstraints(pattern=r"^[CDG][A-Z0-9]{1,31}$")]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordButton(_Payload):
    """A button whose value is the id of the record it acts on (an issue, a handover)."""

    value: RecordId


class FormMetadata(_Payload):
    """A report form's ``private_metadata``: which form, and the channel it was opened from
    (None from App Home), where the saved entry is confirmed."""

    kind: Literal["output", "delay", "issue"]
    channel_id: SlackChannelId | None = None


class ResolveModalMetadata(_Payload):
    """The resolve modal's ``private_metadata`` (``bot.messages.issue.ResolveModalState``)."""

    issue_id: RecordId


class ResolutionNote(_Payload):
    """The note typed into the resolve modal; refused when it holds a control character."""

    note: Note = None


class ConfirmOutputValue(_Payload):
    """The *Save anyway* button's value: the validated command as JSON and the key of the
    request that first sent it (so pressing twice saves once)."""

    command: dict[str, Any]
    key: RequestKey


def read_record_id(value: object, *, what: str) -> int:
    """The id a button carries; ``what`` names the record for the answer ("an issue")."""
    try:
        return RecordButton.model_validate({"value": value}).value
    except ValidationError:
        raise PayloadError(
            f"This button does not name {what} prodbot posted, so nothing was changed."
        ) from None


def read_form_metadata(raw: object, *, kind: str) -> FormMetadata:
    """The metadata of a ``kind`` report form as prodbot wrote it when it opened the form."""
    try:
        metadata = FormMetadata.model_validate_json(raw if isinstance(raw, str | bytes) else "")
    except ValidationError:
        metadata = None
    if metadata is None or metadata.kind != kind:
        raise PayloadError(
            "This form did not come from prodbot as it is, so nothing was saved. "
            f"Close it and open a new one with `/{kind}`."
        )
    return metadata


def read_resolve_metadata(raw: object) -> int:
    """The id of the issue a resolve modal was opened for."""
    try:
        return ResolveModalMetadata.model_validate_json(
            raw if isinstance(raw, str | bytes) else ""
        ).issue_id
    except ValidationError:
        raise PayloadError(
            "This form did not come from prodbot as it is, so nothing was changed. "
            "Close it and press *Resolve* on the issue again."
        ) from None


def read_resolution_note(note: str | None) -> str | None:
    """The resolution note as it is stored (stripped, None when blank)."""
    try:
        return ResolutionNote.model_validate({"note": note}).note
    except ValidationError as error:
        raise PayloadError(describe_error(error.errors()[0])) from None


def read_confirm_output(raw: object, *, today: date) -> tuple[OutputCommand, str]:
    """The command and request key a *Save anyway* button carries.

    A value that is not what prodbot wrote is a ``PayloadError``; a command that breaks a rule
    (it became more than 7 days old) is a ``UsageError``, as it would be typed. The command's
    numbers must be JSON numbers (strict): ``"2.000"`` is not 2 here either.
    """
    forged = PayloadError(
        "This *Save anyway* button does not carry a report prodbot made, so nothing was "
        "saved. Send the report again."
    )
    try:
        value = ConfirmOutputValue.model_validate_json(raw if isinstance(raw, str | bytes) else "")
    except ValidationError:
        raise forged from None
    try:
        command = OutputCommand.model_validate_json(
            json.dumps(value.command), strict=True, context={"today": today}
        )
    except ValidationError as error:
        details = error.errors()[0]
        if details["type"] in _RULES:
            raise UsageError(describe_error(details), USAGE["output"]) from None
        raise forged from None
    return command, value.key


# Errors of a well-formed command that breaks a rule (it got too old, the note holds a control
# character), as opposed to a value prodbot never wrote.
_RULES = frozenset({"value_error", "string_too_long"})
