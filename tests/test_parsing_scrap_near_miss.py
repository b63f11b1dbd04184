"""Parsing ``/output``'s scrap reason and ``/issue``'s near-miss category."""

from datetime import date

import pytest

from handlers.parsing import parse_issue, parse_output
from handlers.parsing_forms import OUTPUT_FIELDS, FormProblem, read_report_form
from models.enums import IssueCategory, Severity
from models.schemas import IssueCommand, ParseContext, UsageError, validate_command

TODAY = date(2026, 11, 18)
CTX = ParseContext(
    line_codes=frozenset({"l1"}),
    channel_line=None,
    delay_reasons=("breakdown",),
    today=TODAY,
    scrap_reasons=("startup", "defect", "seal"),
)


# --- /output … scrap N [REASON] ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scrap", "reason", "note"),
    [
        ("l1 120 scrap 3 seal broke", 3, "seal", "broke"),
        ("l1 120 scrap 3 SEAL", 3, "seal", None),
        ("l1 120 scrap 3 glass broke", 3, None, "glass broke"),  # not a site reason
        ("l1 120 scrap 3 sea broke", 3, None, "sea broke"),  # no prefixes: a note stays whole
        ("l1 120 scrap 3 broke seal", 3, None, "broke seal"),  # only right after the units
        ("l1 120 seal scrap 3", 0, None, "seal scrap 3"),  # no scrap: the note as before
        ("l1 120 shift A scrap 2 startup", 2, "startup", None),
    ],
)
def test_the_word_after_the_scrap_units_is_a_reason_only_when_the_site_lists_it(
    text: str, scrap: int, reason: str | None, note: str | None
) -> None:
    command = parse_output(text, CTX)

    assert (command.scrap, command.scrap_reason, command.note) == (scrap, reason, note)


def test_options_may_follow_the_reason() -> None:
    command = parse_output("l1 120 scrap 3 defect date 2026-11-17 shift A cap cracked", CTX)

    assert (command.scrap_reason, command.shift, command.production_date, command.note) == (
        "defect",
        "A",
        date(2026, 11, 17),
        "cap cracked",
    )


def test_without_the_sites_list_every_word_starts_the_note() -> None:
    ctx = ParseContext(frozenset({"l1"}), None, ("breakdown",), TODAY)

    command = parse_output("l1 120 scrap 3 seal broke", ctx)

    assert (command.scrap_reason, command.note) == (None, "seal broke")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "l1 120 scrap 0 seal",
            "scrap reason 'seal' given without scrap: give the scrap units, or leave the "
            "reason out",
        ),
        ("l1 120 scrap 3 seal 5", "unexpected '5' — a note can't start with a number"),
        ("l1 120 scrap 3 seal scrap 4", "'scrap' is given twice — give it once"),
        ("l1 120 scrap 3 seal shift", "`shift` needs a shift name, e.g. `shift night`"),
        ("l1 120 scrap 1 200 seal", "'1 200' is not one number of scrap units"),
    ],
)
def test_output_with_a_reason_refuses(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_output(text, CTX)

    assert raised.value.problem.startswith(problem)


def test_the_usage_line_names_the_reason() -> None:
    with pytest.raises(UsageError) as raised:
        parse_output("l1", CTX)

    assert "[scrap N [REASON]]" in raised.value.usage


def test_the_form_reads_its_reason_like_the_command() -> None:
    values = {"line": "l1", "good": "120", "scrap": "3", "reason": "Seal"}

    command = read_report_form(OUTPUT_FIELDS, values, today=TODAY)

    assert command == parse_output("l1 120 scrap 3 seal", CTX)


@pytest.mark.parametrize("scrap", [None, "0", " "])
def test_a_form_reason_without_scrap_is_refused_under_the_reason(scrap: str | None) -> None:
    values = {"line": "l1", "good": "120", "reason": "seal"}
    if scrap is not None:
        values["scrap"] = scrap

    with pytest.raises(FormProblem) as raised:
        read_report_form(OUTPUT_FIELDS, values, today=TODAY)

    assert raised.value.block_id == "reason"
    assert raised.value.message.startswith("scrap reason 'seal' given without scrap")


# --- /issue … near-miss -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    ["near-miss", "Near-Miss", "nearmiss", "#near-miss", "near-miss:", "#nearmiss,", "NEARMISS."],
)
def test_near_miss_as_the_first_word_sets_the_category(first: str) -> None:
    command = parse_issue(f"l1 low {first} forklift nearly hit a pallet", CTX)

    assert (command.severity, command.category) == (Severity.LOW, IssueCategory.NEAR_MISS)
    assert command.text == f"{first} forklift nearly hit a pallet"


@pytest.mark.parametrize(
    "text",
    [
        "l1 low near-miss",  # nothing follows: it is the whole text, no category
        "l1 low forklift near-miss",  # not the first word
        "l1 low near miss forklift",  # two words
        "l1 low near-missed forklift",
    ],
)
def test_near_miss_elsewhere_is_just_text(text: str) -> None:
    assert parse_issue(text, CTX).category is None


def test_a_near_miss_keeps_its_severity_even_when_it_mentions_safety() -> None:
    command = parse_issue("l1 low near-miss safety rail loose, nobody hurt", CTX)

    assert (command.severity, command.category) == (Severity.LOW, IssueCategory.NEAR_MISS)


def test_safety_still_raises_to_high() -> None:
    command = parse_issue("l1 low safety guard missing", CTX)

    assert (command.severity, command.category) == (Severity.HIGH, IssueCategory.SAFETY)


def test_the_issue_form_takes_near_miss_as_its_category() -> None:
    data = {"line": "L1", "severity": "medium", "category": "near-miss", "text": "guard off"}

    command = validate_command(IssueCommand, data, command="issue")

    assert (command.severity, command.category) == (Severity.MEDIUM, IssueCategory.NEAR_MISS)
