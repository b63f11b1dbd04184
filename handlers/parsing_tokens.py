"""Reading a slash command's words: the word cursor, choosing a name by prefix, and the values
(quantities, dates, durations and ``keyword value`` options) that ``handlers.parsing`` builds
commands from.

Pure: no database, no Slack. A problem raises ``UsageError`` with one short sentence that quotes
the offending word (``parse_duration``, which modals use too, raises ``ValueError``).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from models.schemas import MAX_DELAY_MINUTES, MAX_QUANTITY, USAGE, ParseContext, UsageError, quote

DURATION_FORMS = "45, 45m, 1h, 1h30m or 1:30"

_QUANTITY = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MINUTES = re.compile(r"(\d+)(?:m|min)?")
_HOURS = re.compile(r"(\d+)h(?:(\d+)(?:m|min)?)?")
_CLOCK = re.compile(r"(\d+):(\d{2})")


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
    """A whole number of ``what`` from 0 up to what a line can make; ``1,200`` is fine."""
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
    if re.fullmatch(r"\d+h", duration, re.IGNORECASE) and after and _MINUTES.fullmatch(after):
        duration += words.take()
    return duration


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
    words: Words, options: Mapping[str, tuple[str, object]], *, usage: str
) -> dict[str, str]:
    """``keyword value`` pairs from the front of ``words`` (any order, each once); stops at the
    first other word. ``options`` maps each keyword to what its value is and an example value,
    for the problem when the value is missing."""
    found: dict[str, str] = {}
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
