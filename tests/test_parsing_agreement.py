"""A form and the slash command agree on every number: for any string typed as a quantity or a
duration, ``/output`` / ``/delay`` and the report form's field either both accept it, with the
same value, or both refuse it.

The form side is ``handlers.parsing_forms.read_report_form``, which the form submission handler
calls with the submitted values; the text side is ``handlers.parsing``'s parser of the command.
"""

from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from handlers.parsing import parse_delay, parse_output
from handlers.parsing_forms import DELAY_FIELDS, OUTPUT_FIELDS, FormProblem, read_report_form
from models.schemas import ParseContext, UsageError

TODAY = date(2024, 5, 10)
CTX = ParseContext(
    line_codes=frozenset({"l1"}), channel_line=None, delay_reasons=("breakdown",), today=TODAY
)
REFUSED = "refused"

ASCII_DIGITS = "0123456789"
# Arabic-Indic, Bengali (৪ is 4 and looks like 8), full-width and Devanagari digits.
OTHER_DIGITS = "٠١٢٣٤٥٦٧٨٩৪৭０１２３４５６７８９०१२"
SEPARATORS = [".", ",", "'", "’", "_", " ", "\u00a0", "\u202f"]
SIGNS = ["", "", "", "-", "+", "−"]
EDGES = ["", "", " ", "  ", "\t", "\u00a0", "\u202f"]  # around the value: phones add them

digits = st.one_of(
    st.text(alphabet=ASCII_DIGITS, min_size=1, max_size=4),
    st.text(alphabet=ASCII_DIGITS + OTHER_DIGITS, min_size=1, max_size=4),
)
exponents = st.builds(
    lambda e, sign, power: f"{e}{sign}{power}",
    st.sampled_from("eE"),
    st.sampled_from(["", "+", "-"]),
    st.text(alphabet=ASCII_DIGITS, min_size=1, max_size=2),
)


@st.composite
def number_strings(draw: st.DrawFn) -> str:
    """Numbers as people (and pastes) write them: a sign, digit groups with separators (a space
    among them), a decimal part, an exponent, spaces around."""
    groups = draw(st.lists(st.tuples(st.sampled_from(SEPARATORS), digits), max_size=3))
    body = draw(digits) + "".join(separator + group for separator, group in groups)
    if draw(st.booleans()):
        body += draw(exponents)
    return (
        draw(st.sampled_from(EDGES))
        + draw(st.sampled_from(SIGNS))
        + body
        + draw(st.sampled_from(EDGES))
    )


# Any word made of number-ish characters, and plain integers around the limit.
number_words = st.builds(
    lambda edge, word: edge + word,
    st.sampled_from(EDGES),
    st.text(alphabet=ASCII_DIGITS + OTHER_DIGITS + ".,'’_+-−eE²x", min_size=1, max_size=10),
)
integers = st.integers(min_value=0, max_value=10_000_010).map(str)
quantities = st.one_of(number_strings(), number_words, integers)


def text_good(typed: str) -> object:
    """``/output l1 TYPED scrap 1``: the good units, or REFUSED."""
    try:
        command = parse_output(f"l1 {typed} scrap 1", CTX)
    except UsageError:
        return REFUSED
    assert command.note is None, f"{typed!r} was read partly as a note: {command.note!r}"
    return command.good


def form_good(typed: str) -> object:
    """The output form with TYPED in *Good units* and 1 in *Scrap units*."""
    values = {"line": "l1", "good": typed, "scrap": "1"}
    try:
        command = read_report_form(OUTPUT_FIELDS, values, today=TODAY)
    except FormProblem:
        return REFUSED
    return command.good  # type: ignore[union-attr]


@settings(max_examples=1500, deadline=None)
@given(quantities)
@example("2.000")
@example("2,000")
@example("1,200")
@example("12,345")
@example("1 200")
@example("1\u202f200")
@example(" 120 ")
@example("١٢٠")
@example("2e3")
@example("+5")
@example("-0")
@example("0")
@example("10000000")
@example("10000001")
@example("")
def test_good_units_agree(typed: str) -> None:
    assert text_good(typed) == form_good(typed)


def text_scrap(typed: str) -> object:
    try:
        command = parse_output(f"l1 1 scrap {typed}", CTX)
    except UsageError:
        return REFUSED
    assert command.note is None, f"{typed!r} was read partly as a note: {command.note!r}"
    return command.scrap


def form_scrap(typed: str) -> object:
    values = {"line": "l1", "good": "1", "scrap": typed}
    try:
        command = read_report_form(OUTPUT_FIELDS, values, today=TODAY)
    except FormProblem:
        return REFUSED
    return command.scrap  # type: ignore[union-attr]


@settings(max_examples=800, deadline=None)
@given(quantities.filter(str.strip))  # a blank optional field is one left out: scrap 0
@example("2.000")
@example("3 200")
def test_scrap_units_agree(typed: str) -> None:
    assert text_scrap(typed) == form_scrap(typed)


@st.composite
def duration_strings(draw: st.DrawFn) -> str:
    """``45``, ``45m``, ``1h30``, ``1h 30m``, ``1:30`` and their misspellings."""
    first = draw(digits) + draw(st.sampled_from(["", "h", "H", "m", "min", "M", ":30", ":5", "."]))
    second = ""
    if draw(st.booleans()):
        separator = draw(st.sampled_from(["", " ", "\u00a0"]))
        second = separator + draw(digits) + draw(st.sampled_from(["", "m", "min", "h"]))
    sign = draw(st.sampled_from(SIGNS))
    return draw(st.sampled_from(EDGES)) + sign + first + second + draw(st.sampled_from(EDGES))


durations = st.one_of(
    duration_strings(),
    st.text(alphabet=ASCII_DIGITS + "٤৪hHmMin:.,+-", min_size=1, max_size=8),
    st.integers(min_value=-5, max_value=1500).map(str),
)


def text_minutes(typed: str) -> object:
    try:
        command = parse_delay(f"l1 {typed} breakdown", CTX)
    except UsageError:
        return REFUSED
    assert command.note is None, f"{typed!r} was read partly as a note: {command.note!r}"
    return command.minutes


def form_minutes(typed: str) -> object:
    values = {"line": "l1", "duration": typed, "reason": "breakdown"}
    try:
        command = read_report_form(DELAY_FIELDS, values, today=TODAY)
    except FormProblem:
        return REFUSED
    return command.minutes  # type: ignore[union-attr]


@settings(max_examples=1000, deadline=None)
@given(durations)
@example("1h 30m")
@example("1h 30")
@example("45 30")
@example("٤٥")
@example("1,5h")
@example("")
def test_durations_agree(typed: str) -> None:
    assert text_minutes(typed) == form_minutes(typed)
