"""Slash-command text → validated pydantic models.

Pure: no database, no Slack. The handler passes a ``ParseContext`` with what it knows (the active
line codes, the channel's line, the site's delay reasons, the local date); the domain layer
resolves line codes and shift names against the database. Every problem raises ``UsageError``
with one short sentence that quotes the offending word, and the command's usage line. The words
themselves are read by ``handlers.parsing_tokens``.

Checks that need no context (ranges, lengths, "good and scrap both 0", date order, safety raising
the severity) live on the models, so a modal submission validated with ``validate_command`` gets
the same rules; the report-date window reads ``today`` from the validation context.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from handlers.parsing_tokens import (
    Words,
    choose,
    looks_numeric,
    no_more,
    optional_date,
    or_list,
    parse_duration,
    parse_quantity,
    pick,
    reads_as_number,
    refuse_number_after,
    take_duration,
    take_options,
)
from models.enums import IssueCategory, Severity
from models.schemas import (
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

PROD_SUBCOMMANDS = ("status", "target", "undo", "export", "handover", "help")
SEVERITY_NAMES = tuple(s.value for s in Severity)
CATEGORY_NAMES = frozenset(c.value for c in IssueCategory)
_OUTPUT_OPTIONS = frozenset({"scrap", "shift", "date"})

_FIRST_WORD_CATEGORY = re.compile(r"#?([a-z]+(?:-[a-z]+)?)[:,.]?")
# Other ways to write a category as the issue text's first word.
_CATEGORY_ALIASES = {"nearmiss": IssueCategory.NEAR_MISS.value}
_SHIFT_OPTION = ("a shift name", "night")


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


@dataclass(frozen=True)
class _LineFirst:
    """How a line command starts: ``/COMMAND [LINE] VALUE …``."""

    command: str
    example: str  # what follows the line in an example, e.g. "120"
    ask: str  # the problem when nothing is typed, said before "e.g. `/COMMAND L1 EXAMPLE`"
    looks_like_value: Callable[[str], bool]  # the word after the line: a quantity, a severity
    other_word: Callable[[str], bool]  # a word that is no line code either: an option, a reason


def _is_severity(word: str) -> bool:
    return bool(choose(word, SEVERITY_NAMES))


def _is_output_option(word: str) -> bool:
    return word.lower() in _OUTPUT_OPTIONS


def _is_category(word: str) -> bool:
    return word.lower() in CATEGORY_NAMES


_OUTPUT = _LineFirst(
    "output", "120", "nothing to record — give the good units,", looks_numeric, _is_output_option
)
_ISSUE = _LineFirst("issue", "high conveyor jammed", "what happened?", _is_severity, _is_category)


def _take_line(text: str, ctx: ParseContext, form: _LineFirst) -> tuple[str, Words]:
    """The line the first word names, else the channel's line; and the words after it.

    A first word that is neither a value nor another known word is taken for a mistyped line
    code.
    """
    usage = USAGE[form.command]
    words = Words(text)
    first = words.peek()
    if first is None:
        raise UsageError(f"{form.ask} e.g. `/{form.command} L1 {form.example}`", usage)
    if _is_line(first, ctx):
        return words.take().lower(), words
    looks_like_line = not form.looks_like_value(first) and not form.other_word(first)
    if ctx.channel_line is not None:
        after = words.peek(1)
        if looks_like_line and after is not None and form.looks_like_value(after):
            raise _unknown_line(first, ctx, usage)
        return ctx.channel_line.lower(), words
    if looks_like_line:
        raise _unknown_line(first, ctx, usage)
    raise UsageError(
        "which line? this channel is not mapped to one line — name it, e.g. "
        f"`/{form.command} {_example_code(ctx)} {form.example}`{_lines_hint(ctx)}",
        usage,
    )


# --- commands ---------------------------------------------------------------------------------


def parse_output(text: str, ctx: ParseContext) -> OutputCommand:
    """``/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]``.

    The word right after the scrap units is the scrap reason when it is one of the site's
    (``ctx.scrap_reasons``, any case); any other word there starts the note, as it always did,
    so a note is never cut by a word that merely looks like a reason.
    """
    usage = USAGE["output"]
    line, words = _take_line(text, ctx, _OUTPUT)
    if not words:
        raise UsageError(f"how many good units? e.g. `/output {line} 120`", usage)
    good_word = words.take()
    good = parse_quantity(good_word, what="units", usage=usage)
    refuse_number_after(words, good_word, what="units", usage=usage)
    yesterday = ctx.today - timedelta(days=1)
    known = {"scrap": ("a number", 3), "shift": _SHIFT_OPTION, "date": ("a date", yesterday)}
    options = take_options(words, known, usage=usage)
    scrap = (
        parse_quantity(options["scrap"], what="scrap units", usage=usage)
        if "scrap" in options
        else 0
    )
    scrap_reason = None
    if options and list(options)[-1] == "scrap":
        # ``scrap 1 200`` is refused like ``1 200``.
        refuse_number_after(words, options["scrap"], what="scrap units", usage=usage)
        scrap_reason = _take_scrap_reason(words, ctx)
        if scrap_reason is not None:
            take_options(words, known, usage=usage, found=options)
    _no_number_starts_the_note(words, usage=usage)
    return validate_command(
        OutputCommand,
        {
            "line": line,
            "good": good,
            "scrap": scrap,
            "scrap_reason": scrap_reason,
            "shift": options.get("shift"),
            "production_date": optional_date(options, "date", ctx=ctx, usage=usage),
            "note": words.rest() or None,
        },
        command="output",
        today=ctx.today,
    )


def _take_scrap_reason(words: Words, ctx: ParseContext) -> str | None:
    """The next word, lower-cased, if it is one of the site's scrap reasons (taken)."""
    word = words.peek()
    if word is None or word.lower() not in {reason.lower() for reason in ctx.scrap_reasons}:
        return None
    return words.take().lower()


def _no_number_starts_the_note(words: Words, *, usage: str) -> None:
    """A number starting the note is refused: it is more likely a mistyped quantity."""
    word = words.peek()
    if word is not None and reads_as_number(word):
        raise UsageError(
            f"unexpected {quote(word)} — a note can't start with a number: put a word first",
            usage,
        )


def parse_delay(text: str, ctx: ParseContext) -> DelayCommand:
    """``/delay [LINE] DURATION REASON [note…]``."""
    usage = USAGE["delay"]
    reasons = ctx.delay_reasons
    example = f"45m {reasons[0] if reasons else 'breakdown'}"
    form = _LineFirst(
        "delay", example, "how long and why?", looks_numeric, lambda w: bool(choose(w, reasons))
    )
    line, words = _take_line(text, ctx, form)
    if not words:
        raise UsageError(f"how long was the stop? e.g. `/delay {line} {example}`", usage)
    duration = take_duration(words)
    try:
        minutes = parse_duration(duration)
    except ValueError as exc:
        raise UsageError(str(exc), usage) from None
    if not words:
        known = f" ({', '.join(reasons)})" if reasons else ""
        raise UsageError(f"why? add a reason after {quote(duration)}{known}", usage)
    reason = pick(words.take(), reasons, kind="reason", usage=usage)
    return validate_command(
        DelayCommand,
        {"line": line, "minutes": minutes, "reason": reason, "note": words.rest() or None},
        command="delay",
    )


def parse_issue(text: str, ctx: ParseContext) -> IssueCommand:
    """``/issue [LINE] SEVERITY TEXT…``; ``safety`` in the text makes it safety, at least high.

    A category as the text's first word (``#quality``, ``equipment:``, ``near-miss`` or
    ``nearmiss``) sets it, when more text follows.
    """
    usage = USAGE["issue"]
    line, words = _take_line(text, ctx, _ISSUE)
    if not words:
        raise UsageError(
            f"how bad is it? e.g. `/issue {line} high conveyor jammed` "
            f"(severity: {or_list(SEVERITY_NAMES)})",
            usage,
        )
    severity = Severity(pick(words.take(), SEVERITY_NAMES, kind="severity", usage=usage))
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
        name = _CATEGORY_ALIASES.get(match[1], match[1]) if match else ""
        if name in CATEGORY_NAMES:
            category = IssueCategory(name)
    return validate_command(
        IssueCommand,
        {"line": line, "severity": severity, "category": category, "text": issue_text},
        command="issue",
    )


def parse_prod(text: str, ctx: ParseContext) -> ProdCommand:
    """``/prod SUBCOMMAND …``; any unambiguous prefix of the subcommand works; empty is help."""
    words = Words(text)
    if not words:
        return HelpCommand()
    word = words.take()
    matches = choose(word, PROD_SUBCOMMANDS)
    if len(matches) > 1:
        raise UsageError(
            f"{quote(word)} could be {or_list(matches)} — type more letters", USAGE["help"]
        )
    if not matches:
        hint = (
            f"; for that line's numbers: `/prod status {word.lower()}`"
            if _is_line(word, ctx)
            else ""
        )
        raise UsageError(
            f"unknown command {quote(word)} — use {or_list(PROD_SUBCOMMANDS)}{hint}",
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
        no_more(words, command="undo", hint="`/prod undo` voids your latest entry, nothing more")
        return UndoCommand()
    return HelpCommand()


def _parse_status(words: Words, ctx: ParseContext) -> StatusCommand:
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
    no_more(words, command="status", hint="`/prod status` takes one line at most")
    return validate_command(StatusCommand, {"line": line}, command="status")


def _parse_target(words: Words, ctx: ParseContext) -> TargetCommand:
    usage = USAGE["target"]
    example = f"`/prod target {_example_code(ctx)} 800`"
    if not words:
        raise UsageError(f"which line and how many units? e.g. {example}", usage)
    word = words.take()
    if not _is_line(word, ctx):
        if looks_numeric(word):
            raise UsageError(f"which line? name it first, e.g. {example}{_lines_hint(ctx)}", usage)
        raise _unknown_line(word, ctx, usage)
    line = word.lower()
    if not words:
        raise UsageError(f"how many units? e.g. `/prod target {line} 800`", usage)
    units = parse_quantity(words.take(), what="units", usage=usage)
    tomorrow = ctx.today + timedelta(days=1)
    options = take_options(
        words,
        {"shift": _SHIFT_OPTION, "from": ("a date", tomorrow), "to": ("a date", tomorrow)},
        usage=usage,
    )
    no_more(words, command="target", hint="after the units only shift, from and to may follow")
    return validate_command(
        TargetCommand,
        {
            "line": line,
            "units": units,
            "shift": options.get("shift"),
            "valid_from": optional_date(options, "from", ctx=ctx, usage=usage),
            "valid_to": optional_date(options, "to", ctx=ctx, usage=usage),
        },
        command="target",
    )


def _parse_export(words: Words, ctx: ParseContext) -> ExportCommand:
    usage = USAGE["export"]
    week_ago = ctx.today - timedelta(days=7)
    options = take_options(
        words, {"from": ("a date", week_ago), "to": ("a date", ctx.today)}, usage=usage
    )
    no_more(words, command="export", hint="only `from DATE` and `to DATE` may follow")
    return validate_command(
        ExportCommand,
        {
            "date_from": optional_date(options, "from", ctx=ctx, usage=usage),
            "date_to": optional_date(options, "to", ctx=ctx, usage=usage),
        },
        command="export",
        today=ctx.today,
    )
