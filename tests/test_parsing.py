"""Line commands' text → pydantic models: /output, /delay and /issue, the line they name, their
durations, and the sentences pydantic errors become (handlers/parsing.py, parsing_tokens.py)."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from pydantic import BaseModel

from handlers.parsing import parse_delay, parse_issue, parse_output
from handlers.parsing_tokens import parse_duration
from models.enums import IssueCategory, Severity
from models.schemas import (
    MAX_NOTE,
    DelayCommand,
    ExportCommand,
    IssueCommand,
    OutputCommand,
    ParseContext,
    UsageError,
    validate_command,
)

TODAY = date(2024, 5, 10)
REASONS = ("breakdown", "changeover", "material", "quality", "no-operator", "other")
LINES = frozenset({"l1", "press2"})

UNMAPPED = ParseContext(line_codes=LINES, channel_line=None, delay_reasons=REASONS, today=TODAY)
MAPPED = ParseContext(line_codes=LINES, channel_line="l1", delay_reasons=REASONS, today=TODAY)

Parser = Callable[[str, ParseContext], BaseModel]
LineParser = Callable[[str, ParseContext], OutputCommand | DelayCommand | IssueCommand]


def usage_error(func: Parser, text: str, ctx: ParseContext = MAPPED) -> UsageError:
    with pytest.raises(UsageError) as caught:
        func(text, ctx)
    return caught.value


# --- DURATION -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "minutes"),
    [
        ("45", 45),
        ("45m", 45),
        ("45min", 45),
        ("45M", 45),
        ("1h", 60),
        ("1H", 60),
        ("1h30m", 90),
        ("1h30min", 90),
        ("1h30", 90),
        ("1:30", 90),
        ("0:05", 5),
        ("24h", 1440),
        ("1440", 1440),
    ],
)
def test_parse_duration_accepts_every_form(token: str, minutes: int) -> None:
    assert parse_duration(token) == minutes


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("0", "at least 1 minute"),
        ("0m", "at least 1 minute"),
        ("-5", "negative"),
        ("1441", "24h"),
        ("25h", "24h"),
        ("24h1m", "24h"),
        ("9" * 5000, "24h"),
        ("1h90m", "under 60"),
        ("1:75", "under 60"),
        ("1.5h", "not a duration"),
        ("abc", "not a duration"),
        ("45s", "not a duration"),
    ],
)
def test_parse_duration_refuses(token: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment) as caught:
        parse_duration(token)
    assert f"'{token[:40]}" in str(caught.value)


# --- lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "text", "model"),
    [
        (parse_output, "120", OutputCommand),
        (parse_delay, "45m breakdown", DelayCommand),
        (parse_issue, "high conveyor jammed", IssueCommand),
    ],
)
def test_line_defaults_to_the_channel_line(func: LineParser, text: str, model: type) -> None:
    command = func(text, MAPPED)
    assert isinstance(command, model)
    assert command.line == "l1"


@pytest.mark.parametrize(
    ("func", "text"),
    [
        (parse_output, "PRESS2 120"),
        (parse_delay, "Press2 45m breakdown"),
        (parse_issue, "press2 high conveyor jammed"),
    ],
)
def test_line_given_explicitly_in_a_mapped_channel_wins(func: LineParser, text: str) -> None:
    assert func(text, MAPPED).line == "press2"


@pytest.mark.parametrize(
    ("func", "text"),
    [
        (parse_output, "120"),
        (parse_delay, "45m breakdown"),
        (parse_delay, "breakdown 45m"),
        (parse_issue, "high conveyor jammed"),
    ],
)
def test_unmapped_channel_asks_which_line(func: Parser, text: str) -> None:
    error = usage_error(func, text, UNMAPPED)
    assert error.problem.startswith("which line? this channel is not mapped to one line")
    assert "(lines: l1, press2)" in error.problem


@pytest.mark.parametrize(
    ("func", "text", "ctx"),
    [
        (parse_output, "L3 120", UNMAPPED),
        (parse_output, "L3 120", MAPPED),
        (parse_delay, "L3 45m breakdown", UNMAPPED),
        (parse_delay, "L3 45m breakdown", MAPPED),
        (parse_issue, "L3 high jammed", UNMAPPED),
        (parse_issue, "L3 high jammed", MAPPED),
    ],
)
def test_unknown_line_is_named(func: Parser, text: str, ctx: ParseContext) -> None:
    error = usage_error(func, text, ctx)
    assert error.problem == "unknown line 'L3' (lines: l1, press2)"


def test_many_lines_are_not_listed() -> None:
    ctx = ParseContext(
        line_codes=frozenset(f"l{n}" for n in range(12)),
        channel_line=None,
        delay_reasons=REASONS,
        today=TODAY,
    )
    error = usage_error(parse_output, "L99 120", ctx)
    assert "12 lines" in error.problem
    assert "l11" not in error.problem


# --- /output --------------------------------------------------------------------------------


def test_output_with_every_option_in_any_order() -> None:
    command = parse_output(
        "L1 1200 DATE 2024-05-09 shift Night Scrap 3 slow start,\n  then fine", UNMAPPED
    )
    assert command == OutputCommand(
        line="l1",
        good=1200,
        scrap=3,
        shift="Night",
        production_date=date(2024, 5, 9),
        note="slow start,\n  then fine",
    )


def test_output_minimal() -> None:
    assert parse_output("120", MAPPED) == OutputCommand(line="l1", good=120)


def test_output_scrap_only_is_fine() -> None:
    assert parse_output("0 scrap 4", MAPPED).scrap == 4


def test_output_keywords_after_the_note_are_note_text() -> None:
    command = parse_output("120 waiting on shift change", MAPPED)
    assert command.shift is None
    assert command.note == "waiting on shift change"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("12a", "'12a' is not a whole number of units"),
        ("12.5", "'12.5' is not a whole number of units: decimals are not units"),
        ("1,20", "'1,20' is not a whole number of units: decimals are not units"),
        ("-5", "'-5' is negative — units can't be below 0"),
        ("10000001", "'10000001' is more than a line can make (max 10,000,000)"),
        ("10,000,001", "`10,000,001` has separators in it: type it without, e.g. `10000001`"),
        ("9" * 5000, "is more than a line can make (max 10,000,000)"),
        ("120 scrap x", "'x' is not a whole number of scrap units"),
        ("120 scrap -1", "'-1' is negative — scrap units can't be below 0"),
        ("0", "nothing to record: good and scrap are both 0"),
        ("0 scrap 0", "nothing to record: good and scrap are both 0"),
        ("120 shift", "`shift` needs a shift name"),
        ("120 shift date 2024-05-09", "`shift` needs a shift name"),
        ("120 scrap", "`scrap` needs a number"),
        ("120 date", "`date` needs a date"),
        ("120 scrap 1 scrap 2", "'scrap' is given twice"),
        ("120 date 2024-5-9", "'2024-5-9' is not a date — use YYYY-MM-DD"),
        ("120 date 2024-02-30", "'2024-02-30' is not a real date"),
        ("120 date 2024-05-11", "2024-05-11 is in the future (today is 2024-05-10)"),
        ("120 date 2024-05-02", "2024-05-02 is more than 7 days back"),
        ("l1", "how many good units?"),
        ("", "nothing to record"),
        ("   ", "nothing to record"),
    ],
)
def test_output_refuses(text: str, problem: str) -> None:
    assert problem in usage_error(parse_output, text).problem


def test_output_date_window_edges() -> None:
    assert parse_output("1 date 2024-05-10", MAPPED).production_date == TODAY
    assert parse_output("1 date 2024-05-03", MAPPED).production_date == TODAY - timedelta(days=7)


def test_output_max_quantity_is_allowed() -> None:
    assert parse_output("10000000", MAPPED).good == 10_000_000


@pytest.mark.parametrize("length", [MAX_NOTE, MAX_NOTE + 1])
def test_output_note_length(length: int) -> None:
    text = "120 " + "x" * length
    if length <= MAX_NOTE:
        assert parse_output(text, MAPPED).note == "x" * length
    else:
        problem = usage_error(parse_output, text).problem
        assert problem == "the note is too long: 2,001 characters (max 2,000)"


# --- /delay ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "reason"),
    [
        ("mat", "material"),
        ("MATERIAL", "material"),
        ("b", "breakdown"),
        ("ch", "changeover"),
        ("no", "no-operator"),
        ("o", "other"),
    ],
)
def test_delay_reason_prefixes(word: str, reason: str) -> None:
    assert parse_delay(f"45 {word}", MAPPED).reason == reason


def test_delay_exact_code_wins_over_a_longer_one() -> None:
    ctx = ParseContext(LINES, "l1", ("setup", "setup-long"), TODAY)
    assert parse_delay("10 setup", ctx).reason == "setup"


def test_delay_ambiguous_prefix_lists_the_candidates() -> None:
    ctx = ParseContext(LINES, "l1", ("breakdown", "changeover", "cleaning"), TODAY)
    problem = usage_error(parse_delay, "45m c", ctx).problem
    assert problem == "'c' could be changeover or cleaning — type more letters"


def test_delay_full() -> None:
    command = parse_delay("press2 1h 30m Breakdown motor tripped twice", MAPPED)
    assert command == DelayCommand(
        line="press2", minutes=90, reason="breakdown", note="motor tripped twice"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "how long and why?"),
        ("l1", "how long was the stop?"),
        ("45m", "why? add a reason after '45m' (breakdown, changeover"),
        ("45m zzz", "unknown reason 'zzz' — use breakdown, changeover, material"),
        ("25h breakdown", "'25h' is more than 24h"),
        ("0 breakdown", "'0' is no time at all"),
        ("breakdown 45m", "'breakdown' is not a duration — use 45, 45m, 1h, 1h30m or 1:30"),
        ("45m breakdown " + "x" * (MAX_NOTE + 1), "the note is too long"),
    ],
)
def test_delay_refuses(text: str, problem: str) -> None:
    assert problem in usage_error(parse_delay, text).problem


# --- /issue ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "severity"),
    [("l", Severity.LOW), ("Med", Severity.MEDIUM), ("h", Severity.HIGH), ("c", Severity.CRITICAL)],
)
def test_issue_severity_prefixes(word: str, severity: Severity) -> None:
    assert parse_issue(f"{word} belt worn", MAPPED).severity is severity


@pytest.mark.parametrize(
    ("text", "severity", "category"),
    [
        ("low guard missing, safety risk", Severity.HIGH, IssueCategory.SAFETY),
        ("medium #Safety glasses out", Severity.HIGH, IssueCategory.SAFETY),
        ("low SAFETY: guard missing", Severity.HIGH, IssueCategory.SAFETY),
        ("low safety-critical valve", Severity.HIGH, IssueCategory.SAFETY),
        ("critical safety guard missing", Severity.CRITICAL, IssueCategory.SAFETY),
        ("low quality safety labels smeared", Severity.HIGH, IssueCategory.SAFETY),
        ("low quality labels smeared", Severity.LOW, IssueCategory.QUALITY),
        ("low Equipment: belt worn", Severity.LOW, IssueCategory.EQUIPMENT),
        ("low unsafetyish wording", Severity.LOW, None),
        ("low quality", Severity.LOW, None),
        ("low belt has quality problems", Severity.LOW, None),
    ],
)
def test_issue_category_and_safety(
    text: str, severity: Severity, category: IssueCategory | None
) -> None:
    command = parse_issue(text, MAPPED)
    assert (command.severity, command.category) == (severity, category)
    assert command.text == text.split(" ", 1)[1]  # the text stays intact


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "what happened?"),
        ("l1", "how bad is it?"),
        ("high", "describe the issue after the severity"),
        ("press2 high   ", "describe the issue after the severity"),
        ("high " + "x" * (MAX_NOTE + 1), "the issue text is too long: 2,001 characters"),
        ("urgent belt", "unknown severity 'urgent' — use low, medium, high or critical"),
    ],
)
def test_issue_refuses(text: str, problem: str) -> None:
    assert problem in usage_error(parse_issue, text).problem


def test_issue_modal_data_gets_the_same_safety_rule() -> None:
    data = {"line": "L1", "severity": "low", "category": "safety", "text": "guard missing"}
    command = validate_command(IssueCommand, data, command="issue")
    assert command.severity is Severity.HIGH
    assert command.line == "l1"


# --- pydantic errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "data", "command"),
    [
        (OutputCommand, {"line": "l1", "good": "lots"}, "output"),
        (OutputCommand, {"line": "l1", "good": -1}, "output"),
        (OutputCommand, {"line": "", "good": 1}, "output"),
        (DelayCommand, {"line": "l1", "minutes": 0, "reason": "breakdown"}, "delay"),
        (IssueCommand, {"line": "l1", "severity": "urgent", "text": "x"}, "issue"),
        (ExportCommand, {"date_from": "yesterday"}, "export"),
    ],
)
def test_pydantic_errors_become_sentences(
    model: type, data: dict[str, object], command: str
) -> None:
    with pytest.raises(UsageError) as caught:
        validate_command(model, data, command=command)
    problem = caught.value.problem
    assert "validation error" not in problem
    assert "type=" not in problem
    assert "\n" not in problem
