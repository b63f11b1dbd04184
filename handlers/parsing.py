"""Slash-command text → validated pydantic models (PRODUCT.md §3).

Pure: no database, no Slack. The handler passes a ``ParseContext`` with what it knows (the active
line codes, the channel's line, the site's delay reasons, the local date); the domain layer
resolves line codes and shift names against the database. Every problem raises ``UsageError``
with one short sentence that quotes the offending word, and the command's usage line.

Checks that need no context (ranges, lengths, "good and scrap both 0", date order, safety raising
the severity) live on the models, so a modal submission validated with ``validate_command`` gets
the same rules; the report-date window reads ``today`` from the validation context.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta

from models.schemas import (
    MAX_DELAY_MINUTES,
    MAX_QUANTITY,
    USAGE,
    DelayCommand,
    ExportCommand,
    HandoverCommand,
    HelpCommand,
    IssueCommand,
    OutputCommand,
    ParseContext,
    ProdCommand,
    StatusCommand,
    TargetCommand,
    UndoCommand,
    UsageError,
    quote,
    validate_command,
)
from models.tables import IssueCategory, Severity

PROD_SUBCOMMANDS = ("status", "target", "undo", "export", "handover", "help")
DURATION_FORMS = "45, 45m, 1h, 1h30m or 1:30"
SEVERITY_NAMES = tuple(s.value for s in Severity)
CATEGORY_NAMES = frozenset(c.value for c in IssueCategory)

_QUANTITY = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MINUTES = re.compile(r"(\d+)(?:m|min)?")
_HOURS = re.compile(r"(\d+)h(?:(\d+)(?:m|min)?)?")
_CLOCK = re.compile(r"(\d+):(\d{2})")
_FIRST_WORD_CATEGORY = re.compile(r"#?([a-z]+)[:,.]?")


# --- words ------------------------------------------------------------------------------------


class _Words:
    """The text's whitespace-separated words, taken from the front; the rest keeps its spacing."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._matches = list(re.finditer(r"\S+", text))
        self._pos = 0

    def __bool__(self) -> bool:
        return self._pos < len(self._matches)

    def peek(self, ahead: int = 0) -> str | None:
        index = self._pos + ahead
        return self._matches[index].group() if index < len(self._matches) else None

    def take(self) -> str:
        word = self._matches[self._pos].group()
        self._pos += 1
        return word

    def rest(self) -> str:
        if not self:
            return ""
        start = self._matches[self._pos].start()
        self._pos = len(self._matches)
        return self._text[start:].strip()


def _or_list(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _choose(word: str, choices: Iterable[str]) -> list[str]:
    """An exact match (case-insensitive), else every choice ``word`` is a prefix of."""
    key = word.lower()
    options = list(choices)
    exact = [c for c in options if c.lower() == key]
    return exact[:1] or [c for c in options if c.lower().startswith(key)]


def _pick(word: str, choices: Sequence[str], *, kind: str, usage: str) -> str:
    matches = _choose(word, choices)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"{quote(word)} could be {_or_list(matches)} — type more letters", usage)
    known = f"use {_or_list(list(choices))}" if choices else f"no {kind}s are set up"
    raise UsageError(f"unknown {kind} {quote(word)} — {known}", usage)


def _big_int(digits: str) -> int:
    """``int`` that cannot blow up on a 5,000-digit paste: anything over 12 digits is huge."""
    return int(digits) if len(digits) <= 12 else 10**12


def _looks_numeric(word: str) -> bool:
    return bool(re.match(r"[-+−]?\d", word))


# --- lines ------------------------------------------------------------------------------------


def _codes(ctx: ParseContext) -> list[str]:
    return sorted(code.lower() for code in ctx.line_codes)


def _lines_hint(ctx: ParseContext) -> str:
    codes = _codes(ctx)
    if not codes:
        return " (no lines are set up yet)"
    if len(codes) <= 10:
        return f" (lines: {', '.join(codes)})"
    return f" ({len(codes)} lines — `/prod status` lists them)"


def _unknown_line(word: str, ctx: ParseContext, usage: str) -> UsageError:
    return UsageError(f"unknown line {quote(word)}{_lines_hint(ctx)}", usage)


def _example_code(ctx: ParseContext) -> str:
    codes = _codes(ctx)
    return codes[0] if codes else "L1"


def _is_line(word: str, ctx: ParseContext) -> bool:
    return word.lower() in {code.lower() for code in ctx.line_codes}


def _take_line(
    words: _Words,
    ctx: ParseContext,
    *,
    command: str,
    example: str,
    looks_like_value: Callable[[str], bool],
    looks_like_line: Callable[[str], bool],
) -> str:
    """The line named by the first word, else the channel's line; ``words`` must not be empty.

    ``looks_like_value`` tells whether a word is what follows the line (a quantity, a duration, a
    severity); ``looks_like_line`` whether it could be a mistyped line code.
    """
    usage = USAGE[command]
    first = words.peek()
    assert first is not None
    if _is_line(first, ctx):
        return words.take().lower()
    if ctx.channel_line is not None:
        after = words.peek(1)
        if looks_like_line(first) and after is not None and looks_like_value(after):
            raise _unknown_line(first, ctx, usage)
        return ctx.channel_line.lower()
    if looks_like_line(first) and not looks_like_value(first):
        raise _unknown_line(first, ctx, usage)
    raise UsageError(
        "which line? this channel is not mapped to one line — name it, e.g. "
        f"`/{command} {_example_code(ctx)} {example}`{_lines_hint(ctx)}",
        usage,
    )


# --- values -----------------------------------------------------------------------------------


def _parse_quantity(word: str, *, what: str, usage: str) -> int:
    negative = word[:1] in ("-", "−")
    body = word[1:] if negative or word.startswith("+") else word
    if not _QUANTITY.fullmatch(body):
        if re.fullmatch(r"\d*\.\d+", body):
            raise UsageError(f"{quote(word)} is not a whole number of {what}", usage)
        raise UsageError(f"{quote(word)} is not a number of {what}", usage)
    value = _big_int(body.replace(",", ""))
    if negative and value:
        raise UsageError(f"{quote(word)} is negative — {what} can't be below 0", usage)
    if value > MAX_QUANTITY:
        raise UsageError(
            f"{quote(word)} is more than a line can make (max {MAX_QUANTITY:,})", usage
        )
    return value


def _parse_date(word: str, *, ctx: ParseContext, usage: str) -> date:
    example = f"e.g. {ctx.today - timedelta(days=1)}"
    if not _DATE.fullmatch(word):
        raise UsageError(f"{quote(word)} is not a date — use YYYY-MM-DD, {example}", usage)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UsageError(f"{quote(word)} is not a real date — {example}", usage) from None


def parse_duration(token: str) -> int:
    """Minutes in ``45``, ``45m``, ``45min``, ``1h``, ``1h30m``, ``1h30`` or ``1:30``; 1 to 1440."""
    word = token.strip().lower()
    if word.startswith(("-", "−")):
        raise ValueError(f"{quote(token)} is negative — a delay is at least 1 minute")
    if match := _MINUTES.fullmatch(word):
        minutes = _big_int(match[1])
    elif (match := _HOURS.fullmatch(word)) or (match := _CLOCK.fullmatch(word)):
        extra = _big_int(match[2] or "0")
        if extra >= 60:
            raise ValueError(
                f"{quote(token)} has {extra} minutes after the hours — use under 60, e.g. 1h30m"
            )
        minutes = _big_int(match[1]) * 60 + extra
    else:
        raise ValueError(f"{quote(token)} is not a duration — use {DURATION_FORMS}")
    if minutes <= 0:
        raise ValueError(f"{quote(token)} is no time at all — a delay is at least 1 minute")
    if minutes > MAX_DELAY_MINUTES:
        raise ValueError(f"{quote(token)} is more than 24h, the longest one delay can be")
    return minutes


def _take_options(words: _Words, missing: Mapping[str, str], *, usage: str) -> dict[str, str]:
    """``keyword value`` pairs from the front of ``words`` (any order, each once); stops at the
    first other word. ``missing`` maps each keyword to the problem when its value is absent."""
    found: dict[str, str] = {}
    while (word := words.peek()) is not None and word.lower() in missing:
        keyword = words.take().lower()
        if keyword in found:
            raise UsageError(f"'{keyword}' is given twice — give it once", usage)
        value = words.peek()
        if value is None or value.lower() in missing:
            raise UsageError(missing[keyword], usage)
        found[keyword] = words.take()
    return found


def _no_more(words: _Words, *, command: str, hint: str) -> None:
    word = words.peek()
    if word is None:
        return
    if _DATE.fullmatch(word):
        hint = f"put `from` or `to` before the date {word}"
    raise UsageError(f"unexpected {quote(word)} — {hint}", USAGE[command])


# --- commands ---------------------------------------------------------------------------------


def parse_output(text: str, ctx: ParseContext) -> OutputCommand:
    """``/output [LINE] GOOD [scrap N] [shift S] [date YYYY-MM-DD] [note…]``."""
    usage = USAGE["output"]
    words = _Words(text)
    if not words:
        raise UsageError("nothing to record — give the good units, e.g. `/output L1 120`", usage)
    keywords = {"scrap", "shift", "date"}
    line = _take_line(
        words,
        ctx,
        command="output",
        example="120",
        looks_like_value=_looks_numeric,
        looks_like_line=lambda w: not _looks_numeric(w) and w.lower() not in keywords,
    )
    if not words:
        raise UsageError(f"how many good units? e.g. `/output {line} 120`", usage)
    good = _parse_quantity(words.take(), what="units", usage=usage)
    options = _take_options(
        words,
        {
            "scrap": "`scrap` needs a number, e.g. `scrap 3`",
            "shift": "`shift` needs a shift name, e.g. `shift night`",
            "date": f"`date` needs a date, e.g. `date {ctx.today - timedelta(days=1)}`",
        },
        usage=usage,
    )
    scrap = (
        _parse_quantity(options["scrap"], what="scrap units", usage=usage)
        if "scrap" in options
        else 0
    )
    day = _parse_date(options["date"], ctx=ctx, usage=usage) if "date" in options else None
    return validate_command(
        OutputCommand,
        {
            "line": line,
            "good": good,
            "scrap": scrap,
            "shift": options.get("shift"),
            "production_date": day,
            "note": words.rest() or None,
        },
        command="output",
        today=ctx.today,
    )


def parse_delay(text: str, ctx: ParseContext) -> DelayCommand:
    """``/delay [LINE] DURATION REASON [note…]``."""
    usage = USAGE["delay"]
    reasons = ctx.delay_reasons
    example = f"45m {reasons[0] if reasons else 'breakdown'}"
    words = _Words(text)
    if not words:
        raise UsageError(f"how long and why? e.g. `/delay L1 {example}`", usage)
    line = _take_line(
        words,
        ctx,
        command="delay",
        example=example,
        looks_like_value=_looks_numeric,
        looks_like_line=lambda w: not _looks_numeric(w) and not _choose(w, reasons),
    )
    if not words:
        raise UsageError(f"how long was the stop? e.g. `/delay {line} {example}`", usage)
    duration = words.take()
    # "1h 30m" typed with a space (phones like to insert one) is still one duration.
    after = words.peek()
    if re.fullmatch(r"\d+h", duration, re.IGNORECASE) and after and _MINUTES.fullmatch(after):
        duration += words.take()
    try:
        minutes = parse_duration(duration)
    except ValueError as exc:
        raise UsageError(str(exc), usage) from None
    if not words:
        known = f" ({', '.join(reasons)})" if reasons else ""
        raise UsageError(f"why? add a reason after {quote(duration)}{known}", usage)
    reason = _pick(words.take(), reasons, kind="reason", usage=usage)
    return validate_command(
        DelayCommand,
        {"line": line, "minutes": minutes, "reason": reason, "note": words.rest() or None},
        command="delay",
    )


def parse_issue(text: str, ctx: ParseContext) -> IssueCommand:
    """``/issue [LINE] SEVERITY TEXT…``; ``safety`` in the text makes it safety, at least high."""
    usage = USAGE["issue"]
    words = _Words(text)
    if not words:
        raise UsageError("what happened? e.g. `/issue L1 high conveyor jammed`", usage)

    def is_severity(word: str) -> bool:
        return bool(_choose(word, SEVERITY_NAMES))

    line = _take_line(
        words,
        ctx,
        command="issue",
        example="high conveyor jammed",
        looks_like_value=is_severity,
        looks_like_line=lambda w: not is_severity(w) and w.lower() not in CATEGORY_NAMES,
    )
    if not words:
        raise UsageError(
            f"how bad is it? e.g. `/issue {line} high conveyor jammed` "
            f"(severity: {_or_list(SEVERITY_NAMES)})",
            usage,
        )
    severity = Severity(_pick(words.take(), SEVERITY_NAMES, kind="severity", usage=usage))
    first = words.peek()
    has_more = words.peek(1) is not None
    issue_text = words.rest()
    if not issue_text:
        raise UsageError(
            "describe the issue after the severity, "
            f"e.g. `/issue {line} {severity} conveyor jammed`",
            usage,
        )
    category = None
    if first is not None and has_more:
        match = _FIRST_WORD_CATEGORY.fullmatch(first.lower())
        if match and match[1] in CATEGORY_NAMES:
            category = IssueCategory(match[1])
    return validate_command(
        IssueCommand,
        {"line": line, "severity": severity, "category": category, "text": issue_text},
        command="issue",
    )


def parse_prod(text: str, ctx: ParseContext) -> ProdCommand:
    """``/prod SUBCOMMAND …``; any unambiguous prefix of the subcommand works; empty is help."""
    words = _Words(text)
    if not words:
        return HelpCommand()
    word = words.take()
    matches = _choose(word, PROD_SUBCOMMANDS)
    if len(matches) > 1:
        raise UsageError(
            f"{quote(word)} could be {_or_list(matches)} — type more letters", USAGE["help"]
        )
    if not matches:
        hint = (
            f"; for that line's numbers: `/prod status {word.lower()}`"
            if _is_line(word, ctx)
            else ""
        )
        raise UsageError(
            f"unknown command {quote(word)} — use {_or_list(PROD_SUBCOMMANDS)}{hint}",
            USAGE["help"],
        )
    subcommand = matches[0]
    if subcommand == "status":
        return _parse_status(words, ctx)
    if subcommand == "target":
        return _parse_target(words, ctx)
    if subcommand == "export":
        return _parse_export(words, ctx)
    if subcommand == "handover":
        return validate_command(HandoverCommand, {"note": words.rest() or None}, command="handover")
    if subcommand == "undo":
        _no_more(words, command="undo", hint="`/prod undo` voids your latest entry, nothing more")
        return UndoCommand()
    return HelpCommand()


def _parse_status(words: _Words, ctx: ParseContext) -> StatusCommand:
    """No line: the channel's line, or all lines in an unmapped channel; ``all`` forces all."""
    line: str | None = ctx.channel_line.lower() if ctx.channel_line else None
    if words:
        word = words.take()
        if word.lower() in ("all", "*"):
            line = None
        elif _is_line(word, ctx):
            line = word.lower()
        else:
            raise _unknown_line(word, ctx, USAGE["status"])
    _no_more(words, command="status", hint="`/prod status` takes one line at most")
    return validate_command(StatusCommand, {"line": line}, command="status")


def _parse_target(words: _Words, ctx: ParseContext) -> TargetCommand:
    usage = USAGE["target"]
    example = f"`/prod target {_example_code(ctx)} 800`"
    if not words:
        raise UsageError(f"which line and how many units? e.g. {example}", usage)
    word = words.take()
    if not _is_line(word, ctx):
        if _looks_numeric(word):
            raise UsageError(f"which line? name it first, e.g. {example}{_lines_hint(ctx)}", usage)
        raise _unknown_line(word, ctx, usage)
    line = word.lower()
    if not words:
        raise UsageError(f"how many units? e.g. `/prod target {line} 800`", usage)
    units = _parse_quantity(words.take(), what="units", usage=usage)
    example_day = ctx.today + timedelta(days=1)
    options = _take_options(
        words,
        {
            "shift": "`shift` needs a shift name, e.g. `shift night`",
            "from": f"`from` needs a date, e.g. `from {example_day}`",
            "to": f"`to` needs a date, e.g. `to {example_day}`",
        },
        usage=usage,
    )
    _no_more(words, command="target", hint="after the units only shift, from and to may follow")
    return validate_command(
        TargetCommand,
        {
            "line": line,
            "units": units,
            "shift": options.get("shift"),
            "valid_from": _parse_date(options["from"], ctx=ctx, usage=usage)
            if "from" in options
            else None,
            "valid_to": _parse_date(options["to"], ctx=ctx, usage=usage)
            if "to" in options
            else None,
        },
        command="target",
    )


def _parse_export(words: _Words, ctx: ParseContext) -> ExportCommand:
    usage = USAGE["export"]
    example_day = ctx.today - timedelta(days=7)
    options = _take_options(
        words,
        {
            "from": f"`from` needs a date, e.g. `from {example_day}`",
            "to": f"`to` needs a date, e.g. `to {ctx.today}`",
        },
        usage=usage,
    )
    _no_more(words, command="export", hint="only `from DATE` and `to DATE` may follow")
    return validate_command(
        ExportCommand,
        {
            "date_from": _parse_date(options["from"], ctx=ctx, usage=usage)
            if "from" in options
            else None,
            "date_to": _parse_date(options["to"], ctx=ctx, usage=usage)
            if "to" in options
            else None,
        },
        command="export",
        today=ctx.today,
    )
