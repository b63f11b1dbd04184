"""What a number of units is, typed or put in a form (handlers/parsing_tokens.py,
handlers/parsing_forms.py): plain digits 0-9 only, and every other way to write a number
refused with a sentence that says what to type instead. Also control characters in text."""

from datetime import date

import pytest

from bot.messages.ids import BlockId
from handlers.parsing import parse_delay, parse_issue, parse_output, parse_prod
from handlers.parsing_forms import (
    DELAY_FIELDS,
    ISSUE_FIELDS,
    OUTPUT_FIELDS,
    FormProblem,
    read_report_form,
)
from handlers.parsing_tokens import duration_field, quantity_field
from models.schemas import USAGE, ParseContext, UsageError, quote

TODAY = date(2024, 5, 10)
CTX = ParseContext(
    line_codes=frozenset({"l1"}), channel_line="l1", delay_reasons=("breakdown",), today=TODAY
)


def output_problem(text: str) -> str:
    with pytest.raises(UsageError) as caught:
        parse_output(text, CTX)
    return caught.value.problem


def form_problem(values: dict[str, str], fields: object = OUTPUT_FIELDS) -> FormProblem:
    with pytest.raises(FormProblem) as caught:
        read_report_form(fields, {"line": "l1", **values}, today=TODAY)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("typed", "good"), [("0 scrap 1", 0), ("7", 7), ("007", 7), ("10000000", 10_000_000)]
)
def test_plain_digits_are_units(typed: str, good: int) -> None:
    assert parse_output(typed, CTX).good == good


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2.000", "`2.000` could mean 2 or 2000: type it without separators, e.g. `2000`"),
        ("2,000", "`2,000` could mean 2 or 2000: type it without separators, e.g. `2000`"),
        ("1.500", "`1.500` could mean 1.5 or 1500: type it without separators, e.g. `1500`"),
        ("12,345", "`12,345` could mean 12.345 or 12345: type it without separators, e.g. `12345`"),
        ("1,200,000", "`1,200,000` has separators in it: type it without, e.g. `1200000`"),
        ("1'000", "`1'000` has separators in it: type it without, e.g. `1000`"),
        ("1_000", "`1_000` has separators in it: type it without, e.g. `1000`"),
        ("2.5", "'2.5' is not a whole number of units: decimals are not units"),
        ("2,", "'2,' is not a whole number of units: decimals are not units"),
        ("2e3", "'2e3' is not a whole number of units: type the digits, e.g. `2000`"),
        ("2e99", "'2e99' is not a whole number of units: type the digits"),
        ("+5", "'+5': type just the digits, e.g. `5`"),
        ("-5", "'-5' is negative — units can't be below 0"),
        ("−5", "'−5' is negative — units can't be below 0"),
        ("١٢٠", "'١٢٠' has digits other than 0-9: type it with 0-9, e.g. `120`"),
        ("৪", "'৪' has digits other than 0-9: type it with 0-9, e.g. `4`"),  # looks like 8
        ("１２０", "'１２０' has digits other than 0-9: type it with 0-9, e.g. `120`"),
        ("²", "'²' is not a whole number of units"),
        ("0x10", "'0x10' is not a whole number of units"),
        (
            "1 200",
            "'1 200' is not one number of units: type it without spaces, e.g. `1200` "
            "(a note can't start with a number)",
        ),
        ("1\u202f200", "'1 200' is not one number of units"),  # a phone's narrow no-break space
        ("120 scrap 1 200", "'1 200' is not one number of scrap units"),
        ("120 shift A 200", "unexpected '200' — a note can't start with a number"),
        ("120 date 2024-05-09 2.000", "unexpected '2.000' — a note can't start with a number"),
    ],
)
def test_other_ways_of_writing_a_number_are_refused_with_what_to_type(
    typed: str, problem: str
) -> None:
    assert problem in output_problem(typed)


def test_a_note_may_start_with_a_word_that_has_digits() -> None:
    assert parse_output("120 2nd pallet late", CTX).note == "2nd pallet late"
    assert parse_output("120 - slow start", CTX).note == "- slow start"


def test_a_target_refuses_separators_too() -> None:
    with pytest.raises(UsageError) as caught:
        parse_prod("target l1 1.500", CTX)
    assert "could mean 1.5 or 1500" in caught.value.problem


# --- form fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "units"), [("120", 120), ("  120 ", 120), ("0", 0)])
def test_a_quantity_field_reads_one_number(value: str, units: int) -> None:
    assert quantity_field(value, what="units", usage=USAGE["output"]) == units


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2.000", "`2.000` could mean 2 or 2000"),
        ("1 200", "'1 200' is not one number of units"),
        ("120 bottles", "'120 bottles' is not a whole number of units"),
        ("", "units is missing"),
    ],
)
def test_a_quantity_field_refuses_what_the_command_refuses(value: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        quantity_field(value, what="units", usage=USAGE["output"])
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("value", "minutes"), [("45", 45), ("1h 30m", 90), (" 1:30 ", 90), ("1H30", 90)]
)
def test_a_duration_field_reads_the_commands_durations(value: str, minutes: int) -> None:
    assert duration_field(value) == minutes
    assert parse_delay(f"{value} breakdown", CTX).minutes == minutes


@pytest.mark.parametrize("value", ["٤٥", "45 30", "1.5h", "", "1h 30m 5"])
def test_a_duration_field_refuses_what_the_command_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        duration_field(value)


def test_an_output_form_puts_each_number_problem_under_its_field() -> None:
    good = form_problem({"good": "2.000"})
    assert (good.block_id, good.message) == (
        BlockId.GOOD,
        "`2.000` could mean 2 or 2000: type it without separators, e.g. `2000`",
    )
    scrap = form_problem({"good": "120", "scrap": "1 200"})
    assert scrap.block_id == BlockId.SCRAP
    assert scrap.message.startswith("'1 200' is not one number of scrap units")


def test_an_output_form_reads_numbers_like_the_command() -> None:
    command = read_report_form(
        OUTPUT_FIELDS, {"line": "l1", "good": " 120 ", "scrap": " "}, today=TODAY
    )
    assert command == parse_output("l1 120", CTX)


def test_a_delay_form_reads_a_duration_with_a_space() -> None:
    values = {"line": "l1", "duration": "1h 30m", "reason": "breakdown"}
    assert read_report_form(DELAY_FIELDS, values, today=TODAY).minutes == 90  # type: ignore[union-attr]
    problem = form_problem({"duration": "1,5h", "reason": "breakdown"}, DELAY_FIELDS)
    assert problem.block_id == BlockId.DURATION


# --- control characters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("120 jam\x00med", "the note contains the control character U+0000 (NUL) — remove it"),
        ("120 \x1b[31mred", "the note contains the control character U+001B (ESC) — remove it"),
    ],
)
def test_a_note_with_a_control_character_is_refused(typed: str, problem: str) -> None:
    assert output_problem(typed) == problem


def test_tabs_and_line_breaks_are_typing_not_control_characters() -> None:
    assert parse_output("120 one\tthing\r\nand another", CTX).note == "one\tthing\r\nand another"


def test_issue_text_with_a_nul_is_refused_in_the_command_and_the_form() -> None:
    with pytest.raises(UsageError, match="the issue text contains the control character U"):
        parse_issue("high jam\x00", CTX)
    problem = form_problem({"severity": "high", "text": "jam\x00"}, ISSUE_FIELDS)
    assert problem.block_id == BlockId.TEXT
    assert "U+0000 (NUL)" in problem.message


def test_a_form_note_with_a_nul_is_refused_under_the_note() -> None:
    problem = form_problem({"good": "120", "note": "ok\x00"})
    assert problem.block_id == BlockId.NOTE


def test_a_quoted_word_shows_its_control_characters() -> None:
    assert quote("L1\x00") == "'L1\\x00'"
    assert quote("a\ud800") == "'a\\ud800'"
