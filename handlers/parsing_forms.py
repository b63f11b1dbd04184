"""Report-form submissions → the same validated pydantic commands as the slash commands.

Pure: no database, no Slack; ``handlers.forms`` calls ``read_report_form`` with a submission's
values (by input block id) and tests call it with plain dictionaries. Number fields are read by
the text commands' own token functions (``quantity_field``, ``duration_field``), every field by
the command's pydantic model (``validate_command``), so a form accepts exactly what the slash
command accepts. A problem is a ``FormProblem`` naming the input block it belongs under.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from bot.messages.forms import FormKind
from bot.messages.ids import BlockId
from handlers.parsing_tokens import duration_field, quantity_field
from models.schemas import (
    USAGE,
    DelayCommand,
    IssueCommand,
    OutputCommand,
    UsageError,
    validate_command,
)

Report = OutputCommand | DelayCommand | IssueCommand


class FormProblem(Exception):
    """A submitted value that cannot be saved; shown under the input ``block_id``."""

    def __init__(self, block_id: BlockId, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


@dataclass(frozen=True)
class FormFields:
    """How one form's inputs become its command."""

    kind: FormKind
    model: type[Report]
    fields: Mapping[str, BlockId]  # the command's field → the input block it is typed in
    fallback: BlockId  # where a problem of the whole command is shown


OUTPUT_FIELDS = FormFields(
    "output",
    OutputCommand,
    {
        "line": BlockId.LINE,
        "good": BlockId.GOOD,
        "scrap": BlockId.SCRAP,
        "scrap_reason": BlockId.REASON,  # the output form asks its scrap reason there
        "shift": BlockId.SHIFT,
        "production_date": BlockId.DATE,
        "note": BlockId.NOTE,
    },
    BlockId.GOOD,
)
DELAY_FIELDS = FormFields(
    "delay",
    DelayCommand,
    {
        "line": BlockId.LINE,
        "minutes": BlockId.DURATION,
        "reason": BlockId.REASON,
        "note": BlockId.NOTE,
    },
    BlockId.DURATION,
)
ISSUE_FIELDS = FormFields(
    "issue",
    IssueCommand,
    {
        "line": BlockId.LINE,
        "severity": BlockId.SEVERITY,
        "category": BlockId.CATEGORY,
        "text": BlockId.TEXT,
    },
    BlockId.TEXT,
)
FORM_FIELDS: dict[FormKind, FormFields] = {
    form.kind: form for form in (OUTPUT_FIELDS, DELAY_FIELDS, ISSUE_FIELDS)
}

# Number inputs and what the text command calls their number in its problems.
_QUANTITIES = {BlockId.GOOD: "units", BlockId.SCRAP: "scrap units"}


def read_report_form(form: FormFields, values: Mapping[str, str], *, today: date) -> Report:
    """The command a submission of ``form`` asks for; ``values`` are the filled-in inputs by
    block id (``bot.messages.forms.read_form_values``). Raises ``FormProblem``."""
    return _validate(form, read_numbers(form.kind, values), today=today)


def read_numbers(kind: FormKind, values: Mapping[str, str]) -> dict[str, object]:
    """``values`` with each number input read as the text command reads its number: a blank
    number input counts as not filled in. Raises ``FormProblem`` on the input's block."""
    usage = USAGE[kind]
    typed: dict[str, object] = dict(values)
    for block in (*_QUANTITIES, BlockId.DURATION):
        if block not in values:
            continue
        if not values[block].strip():
            del typed[block]
            continue
        try:
            if block == BlockId.DURATION:
                typed[block] = duration_field(values[block])
            else:
                typed[block] = quantity_field(values[block], what=_QUANTITIES[block], usage=usage)
        except UsageError as error:
            raise FormProblem(block, error.problem) from None
        except ValueError as error:
            raise FormProblem(block, str(error)) from None
    return typed


def _validate(form: FormFields, values: Mapping[str, object], *, today: date) -> Report:
    """``validate_command`` on the filled-in fields; a problem goes under its field's block.

    ``UsageError`` says what is wrong but not where, so the failing field is taken from
    pydantic's own error; problems of the whole model (good and scrap both 0) go to the form's
    ``fallback``.
    """
    data = {field: values[block] for field, block in form.fields.items() if block in values}
    try:
        return validate_command(form.model, data, command=form.kind, today=today)
    except UsageError as error:
        block = form.fallback
        try:
            form.model.model_validate(data, context={"today": today})
        except ValidationError as details:
            location = details.errors()[0]["loc"]
            block = form.fields.get(str(location[0]), form.fallback) if location else block
        raise FormProblem(block, error.problem) from None
