"""Reading a slash command's words: the word cursor, choosing a name by prefix, and the values
(quantities, dates, durations and ``keyword value`` options) that ``handlers.parsing`` builds
commands from.

Pure: no database, no Slack. A problem raises ``UsageError`` with one short sentence that quotes
the offending word (``parse_duration`` raises ``ValueError``).

The report forms read their number fields with ``quantity_field`` and ``duration_field``, which
run the very functions the text commands use, so a form and a command accept the same numbers.

What a number of units is: plain digits 0-9 (``1200``; leading zeros are fine), nothing else.
Refused, each with its own sentence: a sign (``-5``, ``+5``), a decimal (``2.5``), separators
(``2.000`` and ``2,000`` could mean 2 or 2000 depending on the country; ``1'000``, ``1_000``,
``1 000``), an exponent (``2e3``), and digits of other scripts (``١٢٠``: some look like other
ASCII digits). In the text command, the word after the good units may not be a number either:
``/output L1 1 200`` is refused rather than saved as 1 with the note "200" (so a note can't
start with a number). Durations take ASCII digits too.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from models.schemas import MAX_DELAY_MINUTES, MAX_QUANTITY, USAGE, ParseContext, UsageError, quote

DURATION_FORMS = "45, 45m, 1h, 1h30m or 1:30"

_DIGITS = re.compile(r"[0-9]+")
# One separator and one group of three: a thousands separator here, a decimal point there.
_ONE_GROUP = re.compile(r"([0-9]{1,3})[.,]([0-9]{3})")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,'’_])[0-9]{3})(?:\1[0-9]{3})*")
_DECIMAL = re.compile(r"[0-9]*[.,][0-9]+|[0-9]+[.,]")
_EXPONENT = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]{1,3}")
# A word that reads as (the rest of) a number: a digit of any script first, then digits,
# separators, signs or an exponent.
_NUMBER_WORD = re.compile(r"[-+−]?\d[\d.,'’_eE+\-−]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MINUTES = re.compile(r"([0-9]+)(?:m|min)?")
_HOURS = re.compile(r"([0-9]+)h(?:([0-9]+)(?:m|min)?)?")
_CLOCK = re.compile(r"([0-9]+):([0-9]{2})")


class Words:
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


def or_list(words: Sequence[str]) -> str:
    """``a, b or c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def choose(word: str, choices: Iterable[str]) -> list[str]:
    """An exact match (case-insensitive), else every choice ``word`` is a prefix of."""
    key = word.lower()
    options = list(choices)
    exact = [c for c in options if c.lower() == key]
    return exact[:1] or [c for c in options if c.lower().startswith(key)]


def pick(word: str, choices: Sequence[str], *, kind: str, usage: str) -> str:
    """The one choice ``word`` names (see ``choose``), or a UsageError listing the candidates."""
    matches = choose(word, choices)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"{quote(word)} could be {or_list(matches)} — type more letters", usage)
    known = f"use {or_list(list(choices))}" if choices else f"no {kind}s are set up"
    raise UsageError(f"unknown {kind} {quote(word)} — {known}", usage)


def _big_int(digits: str) -> int:
    """``int`` that cannot blow up on a 5,000-digit paste: anything over 12 digits is huge."""
    return int(digits) if len(digits) <= 12 else 10**12


def looks_numeric(word: str) -> bool:
    return bool(re.match(r"[-+−]?\d", word))


def parse_quantity(word: str, *, what: str, usage: str) -> int:
    """A whole number of ``what`` from 0 up to what a line can make, typed as plain digits
    (see the module docstring for what is refused, and why)."""
    if not _DIGITS.fullmatch(word):
        raise UsageError(_not_plain_digits(word, what), usage)
    value = _big_int(word)
    if value > MAX_QUANTITY:
        raise UsageError(
            f"{quote(word)} is more than a line can make (max {MAX_QUANTITY:,})", usage
        )
    return value


def _not_plain_digits(word: str, what: str) -> str:
    """Why ``word`` is not a number of ``what``, with the plain form to type where there is
    one."""
    body = word[1:] if word[:1] in ("-", "−", "+") else word
    if word[:1] in ("-", "−") and body[:1].isdigit():
        return f"{quote(word)} is negative — {what} can't be below 0"
    if word[:1] == "+" and _DIGITS.fullmatch(body):
        return f"{quote(word)}: type just the digits, e.g. `{_big_int(body)}`"
    if match := _ONE_GROUP.fullmatch(word):
        as_decimal = Decimal(f"{match[1]}.{match[2]}").normalize()
        plain = f"{match[1]}{match[2]}".lstrip("0") or "0"
        return (
            f"`{word}` could mean {as_decimal:f} or {plain}: type it without separators, "
            f"e.g. `{plain}`"
        )
    if _GROUPED.fullmatch(word):
        plain = re.sub(r"[^0-9]", "", word).lstrip("0") or "0"
        return f"`{word}` has separators in it: type it without, e.g. `{plain}`"
    if _DECIMAL.fullmatch(word):
        return f"{quote(word)} is not a whole number of {what}: decimals are not units"
    if _EXPONENT.fullmatch(word):
        return f"{quote(word)} is not a whole number of {what}: type the digits{_example(word)}"
    if word.isdecimal():  # digits, but of another script (ASCII digits matched above)
        plain = "".join(str(unicodedata.digit(char)) for char in word)
        example = f", e.g. `{plain}`" if len(plain) <= 12 else ""
        return f"{quote(word)} has digits other than 0-9: type it with 0-9{example}"
    return f"{quote(word)} is not a whole number of {what}"


def _example(word: str) -> str:
    """``, e.g. `2000``` for ``2e3``, when the exponent makes a whole number a line can make."""
    try:
        value = Decimal(word.replace(",", "."))
    except InvalidOperation:
        return ""
    if value != value.to_integral_value() or not 0 <= value <= MAX_QUANTITY:
        return ""
    return f", e.g. `{int(value)}`"


def reads_as_number(word: str) -> bool:
    """``200``, ``2.000``, ``٢٠٠``, ``2e3``: a word that is a number, typed well or not."""
    return bool(_NUMBER_WORD.fullmatch(word))


def refuse_number_after(words: Words, number: str, *, what: str, usage: str) -> None:
    """Refuse when the next word reads as a number too: ``1 200`` (a space, or a phone's
    narrow no-break space, between thousands) is two words, and saving 1 with a note "200" is
    the kind of slip a report must not make."""
    following = words.peek()
    if following is None or not reads_as_number(following):
        return
    typed = f"{number} {following}"
    joined = number + following
    example = f", e.g. `{int(joined)}`" if _DIGITS.fullmatch(joined) and len(joined) <= 12 else ""
    raise UsageError(
        f"{quote(typed)} is not one number of {what}: type it without spaces{example} "
        "(a note can't start with a number)",
        usage,
    )


def quantity_field(text: str, *, what: str, usage: str) -> int:
    """A form's number field, read as the text command reads its number: one word for
    ``parse_quantity``, refused when another number follows (``refuse_number_after``) or
    anything else does."""
    words = Words(text)
    if not words:
        raise UsageError(f"{what} is missing", usage)
    word = words.take()
    value = parse_quantity(word, what=what, usage=usage)
    refuse_number_after(words, word, what=what, usage=usage)
    if words:
        raise UsageError(f"{quote(text.strip())} is not a whole number of {what}", usage)
    return value


def optional_date(
    options: Mapping[str, str], keyword: str, *, ctx: ParseContext, usage: str
) -> date | None:
    """The date given after ``keyword`` (``YYYY-MM-DD``), or None when the keyword is absent."""
    if keyword not in options:
        return None
    word = options[keyword]
    example = f"e.g. {ctx.today - timedelta(days=1)}"
    if not _DATE.fullmatch(word):
        raise UsageError(f"{quote(word)} is not a date — use YYYY-MM-DD, {example}", usage)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UsageError(f"{quote(word)} is not a real date — {example}", usage) from None


def take_duration(words: Words) -> str:
    """The next word, joined with the one after when a duration was typed with a space inside
    (``1h 30m``: phones like to insert one); ``words`` must not be empty."""
    duration = words.take()
    after = words.peek()
    if re.fullmatch(r"[0-9]+h", duration, re.IGNORECASE) and after and _MINUTES.fullmatch(after):
        duration += words.take()
    return duration


def duration_field(text: str) -> int:
    """A form's duration field, read as ``/delay`` reads its duration (``take_duration`` and
    ``parse_duration``); nothing may follow. Raises ``ValueError``."""
    words = Words(text)
    if not words:
        raise ValueError("the delay is missing")
    duration = take_duration(words)
    minutes = parse_duration(duration)
    if words:
        raise ValueError(f"{quote(text.strip())} is not a duration — use {DURATION_FORMS}")
    return minutes


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


def take_options(
    words: Words,
    options: Mapping[str, tuple[str, object]],
    *,
    usage: str,
    found: dict[str, str] | None = None,
) -> dict[str, str]:
    """``keyword value`` pairs from the front of ``words`` (any order, each once); stops at the
    first other word. ``options`` maps each keyword to what its value is and an example value,
    for the problem when the value is missing. ``found`` continues after a word the caller
    took between options (``/output``'s scrap reason): it is added to, and returned."""
    found = {} if found is None else found
    while (word := words.peek()) is not None and word.lower() in options:
        keyword = words.take().lower()
        if keyword in found:
            raise UsageError(f"'{keyword}' is given twice — give it once", usage)
        value = words.peek()
        if value is None or value.lower() in options:
            what, example = options[keyword]
            raise UsageError(f"`{keyword}` needs {what}, e.g. `{keyword} {example}`", usage)
        found[keyword] = words.take()
    return found


def no_more(words: Words, *, command: str, hint: str) -> None:
    """Nothing may follow: a word left over is a UsageError, with ``hint`` saying what may."""
    word = words.peek()
    if word is None:
        return
    if _DATE.fullmatch(word):
        hint = f"put `from` or `to` before the date {word}"
    raise UsageError(f"unexpected {quote(word)} — {hint}", USAGE[command])
