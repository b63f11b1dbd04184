"""Validated input: what a slash command, a button or a form asks prodbot to record.

Checks that need no database live here, so the text parser (``handlers/parsing.py``), the
confirm buttons and the modals all apply the same rules. The report-date window reads
``today`` from the validation context. Any problem becomes a ``UsageError``: one short sentence
for a person on a phone, plus the command's usage line.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, TypeAlias, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from models.enums import IssueCategory, Severity

MAX_QUANTITY = 10_000_000
MAX_NOTE = 2000
MAX_DELAY_MINUTES = 24 * 60
MAX_DAYS_BACK = 7
MAX_NAME = 32  # String(32): line codes, shift names, reason codes

USAGE: dict[str, str] = {
    "output": "/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]",
    "delay": "/delay [LINE] DURATION REASON [note…]",
    "issue": "/issue [LINE] SEVERITY TEXT…",
    "status": "/prod status [LINE]",
    "target": "/prod target LINE QTY [shift S] [from YYYY-MM-DD] [to YYYY-MM-DD]",
    "undo": "/prod undo",
    "export": "/prod export [from YYYY-MM-DD] [to YYYY-MM-DD]",
    "handover": "/prod handover [note…]",
    "help": "/prod status|target|undo|export|handover|help …",
}


@dataclass(frozen=True)
class ParseContext:
    line_codes: frozenset[str]  # lower-cased codes of the lines the user could mean
    channel_line: str | None  # lower-cased code of the line this channel maps to, if exactly one
    delay_reasons: tuple[str, ...]  # the site's reason codes
    today: date  # the site's local date now
    # The site's scrap reasons, for ``/output``: read only when the text gives scrap.
    scrap_reasons: tuple[str, ...] = ()


_SAFETY_WORD = re.compile(r"\bsafety\b", re.IGNORECASE)


class UsageError(Exception):
    """Bad input: ``problem`` says what is wrong in one sentence, ``usage`` is the command's
    usage line."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(f"{problem}\nusage: {usage}")
        self.problem = problem
        self.usage = usage


def blank_to_none(value: object) -> object:
    """A blank string as None, for optional fields a form or a CSV cell may leave empty."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


# Tab, line feed and carriage return are how people type; every other control character (NUL,
# which PostgreSQL refuses in text, escape, backspace…) and lone surrogates are refused.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1B: "ESC", 0x7F: "DEL"}


def control_character(text: str) -> str | None:
    """The first character of ``text`` nobody types on purpose, shown as ``U+0000 (NUL)``."""
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") and char not in _ALLOWED_CONTROLS:
            name = _CONTROL_NAMES.get(ord(char), "control" if category == "Cc" else "surrogate")
            return f"U+{ord(char):04X} ({name})"
    return None


def _typed_text(value: str, info: ValidationInfo) -> str:
    """Typed text to store: refused when it holds a control character (see above)."""
    found = control_character(value)
    if found is not None:
        label = _FIELD_LABELS.get(info.field_name or "", "the text")
        raise ValueError(f"{label} contains the control character {found} — remove it")
    return value


LineCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=MAX_NAME)
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
# A reason code as the plant file lists it (lower-case); typed or chosen in any case.
ReasonKey = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=MAX_NAME)
]
OptionalReason = Annotated[ReasonKey | None, BeforeValidator(blank_to_none)]
OptionalName = Annotated[Name | None, BeforeValidator(blank_to_none)]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
NoteText = Annotated[str, StringConstraints(max_length=MAX_NOTE), AfterValidator(_typed_text)]
Note = Annotated[NoteText | None, BeforeValidator(blank_to_none)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"the end date {end} is before the start date {start}")


def _context_today(info: ValidationInfo) -> date | None:
    context = info.context
    if isinstance(context, Mapping):
        today = context.get("today")
        if isinstance(today, date):
            return today
    return None


class OutputCommand(_Command):
    """Output of a shift; ``scrap_reason`` is checked against the site's list when recorded
    (``bot.records.reporting.record_output``): the list is the plant file's, not known here."""

    line: LineCode
    good: Quantity
    scrap: Quantity = 0
    scrap_reason: OptionalReason = None
    shift: OptionalName = None
    production_date: date | None = None
    note: Note = None

    @field_validator("production_date")
    @classmethod
    def _within_report_window(cls, value: date | None, info: ValidationInfo) -> date | None:
        today = _context_today(info)
        if value is None or today is None:
            return value
        if value > today:
            raise ValueError(f"{value} is in the future (today is {today})")
        earliest = today - timedelta(days=MAX_DAYS_BACK)
        if value < earliest:
            raise ValueError(
                f"{value} is more than {MAX_DAYS_BACK} days back — the earliest date is {earliest}"
            )
        return value

    @field_validator("scrap_reason")
    @classmethod
    def _reason_needs_scrap(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("scrap") == 0:
            raise ValueError(
                f"scrap reason {quote(value)} given without scrap: give the scrap units, "
                "or leave the reason out"
            )
        return value

    @model_validator(mode="after")
    def _something_to_record(self) -> "OutputCommand":
        if self.good == 0 and self.scrap == 0:
            raise ValueError("nothing to record: good and scrap are both 0")
        return self


class DelayCommand(_Command):
    line: LineCode
    minutes: int = Field(gt=0, le=MAX_DELAY_MINUTES)
    reason: Name
    note: Note = None


class IssueCommand(_Command):
    line: LineCode
    severity: Severity
    category: IssueCategory | None = None
    text: Annotated[str, AfterValidator(_typed_text)] = Field(min_length=1, max_length=MAX_NOTE)

    @model_validator(mode="after")
    def _safety_is_at_least_high(self) -> "IssueCommand":
        # "safety" in the text makes it a safety issue, unless it is named a near miss: a
        # safety event that hurt nobody, which keeps the severity it was given.
        if self.category is not IssueCategory.NEAR_MISS and _SAFETY_WORD.search(self.text):
            self.category = IssueCategory.SAFETY
        if self.category is IssueCategory.SAFETY and self.severity.rank < Severity.HIGH.rank:
            self.severity = Severity.HIGH
        return self


class StatusCommand(_Command):
    line: LineCode | None = None


class TargetCommand(_Command):
    line: LineCode
    units: Quantity
    shift: OptionalName = None
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "TargetCommand":
        _check_order(self.valid_from, self.valid_to)
        return self


class UndoCommand(_Command):
    pass


class ExportCommand(_Command):
    date_from: date | None = None
    date_to: date | None = None

    @field_validator("date_from", "date_to")
    @classmethod
    def _not_in_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        today = _context_today(info)
        if value is not None and today is not None and value > today:
            raise ValueError(f"{value} is in the future (today is {today})")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> "ExportCommand":
        _check_order(self.date_from, self.date_to)
        return self


class HandoverCommand(_Command):
    note: Note = None


class HelpCommand(_Command):
    pass


ProdCommand: TypeAlias = (
    StatusCommand | TargetCommand | UndoCommand | ExportCommand | HandoverCommand | HelpCommand
)

M = TypeVar("M", bound=BaseModel)

_FIELD_LABELS = {
    "line": "the line",
    "good": "good units",
    "scrap": "scrap",
    "scrap_reason": "the scrap reason",
    "units": "the target",
    "minutes": "the delay",
    "reason": "the reason",
    "shift": "the shift",
    "note": "the note",
    "text": "the issue text",
    "severity": "the severity",
    "category": "the category",
    "production_date": "the date",
    "valid_from": "the start date",
    "valid_to": "the end date",
    "date_from": "the start date",
    "date_to": "the end date",
}
_QUANTITY_FIELDS = {"good", "scrap", "units"}


def describe_error(error: ErrorDetails) -> str:
    """One pydantic error as a sentence for a person on a phone."""
    field = str(error["loc"][0]) if error["loc"] else ""
    label = _FIELD_LABELS.get(field, field.replace("_", " ") or "the input")
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    shown = quote(str(value))
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return f"{label} is missing"
    if kind == "extra_forbidden":
        return f"'{field}' is not a field of this command"
    if kind == "string_too_short":
        return f"{label} is empty"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else 0
        return f"{label} is too long: {length:,} characters (max {ctx.get('max_length', 0):,})"
    if kind == "less_than_equal":
        if field in _QUANTITY_FIELDS:
            return f"{shown} is more than a line can make (max {MAX_QUANTITY:,})"
        return f"{label} can't be more than {ctx.get('le')} ({shown})"
    if kind == "greater_than_equal":
        return f"{label} can't be below {ctx.get('ge')} ({shown})"
    if kind == "greater_than":
        return f"{label} must be more than {ctx.get('gt')} ({shown})"
    if kind.startswith("int"):
        return f"{shown} is not a whole number for {label}"
    if kind.startswith("date"):
        return f"{shown} is not a date for {label} — use YYYY-MM-DD"
    if kind == "enum":
        return f"{shown} is not a valid value for {label} — use {ctx.get('expected', '')}"
    return f"{shown} is not a valid value for {label}"


def validate_command(
    model: type[M], data: Mapping[str, object], *, command: str, today: date | None = None
) -> M:
    """Validate ``data`` into ``model``; any problem becomes a ``UsageError`` for ``command``.

    ``today`` enables the date-window checks (output date at most 7 days back and not in the
    future, export dates not in the future). Use it for modal submissions too.
    """
    context = {"today": today} if today is not None else None
    try:
        return model.model_validate(dict(data), context=context)
    except ValidationError as exc:
        raise UsageError(describe_error(exc.errors()[0]), USAGE[command]) from None


def quote(word: str) -> str:
    """A user's word in a message, cut short when it is long; control characters are shown as
    ``\\x00`` so the answer never carries one (the renderer escapes it for mrkdwn)."""
    shown = word if len(word) <= 40 else f"{word[:40]}…"
    if control_character(shown) is not None:
        shown = "".join(
            char.encode("unicode_escape").decode() if control_character(char) else char
            for char in shown
        )
    return f"'{shown}'"
