"""/prod text → pydantic models, and the usage error every parser raises (handlers/parsing.py)."""

from datetime import date

import pytest

from handlers.parsing import parse_delay, parse_issue, parse_output, parse_prod
from models.schemas import (
    MAX_NOTE,
    USAGE,
    ExportCommand,
    HandoverCommand,
    HelpCommand,
    ProdCommand,
    StatusCommand,
    TargetCommand,
    UndoCommand,
)
from tests.test_parsing import MAPPED, UNMAPPED, Parser, usage_error

# --- /prod ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", HelpCommand()),
        ("help", HelpCommand()),
        ("he", HelpCommand()),
        ("HELP output", HelpCommand()),
        ("status", StatusCommand(line="l1")),
        ("s press2", StatusCommand(line="press2")),
        ("status all", StatusCommand(line=None)),
        ("target l1 800", TargetCommand(line="l1", units=800)),
        (
            "t PRESS2 1500 shift night from 2024-05-13 to 2024-05-17",
            TargetCommand(
                line="press2",
                units=1500,
                shift="night",
                valid_from=date(2024, 5, 13),
                valid_to=date(2024, 5, 17),
            ),
        ),
        (
            "target l1 0 to 2024-05-12",
            TargetCommand(line="l1", units=0, valid_to=date(2024, 5, 12)),
        ),
        ("undo", UndoCommand()),
        ("u", UndoCommand()),
        ("export", ExportCommand()),
        (
            "ex from 2024-05-01 to 2024-05-10",
            ExportCommand(date_from=date(2024, 5, 1), date_to=date(2024, 5, 10)),
        ),
        ("handover", HandoverCommand()),
        ("handover   ", HandoverCommand()),
        ("ha press2 waiting on\nmaterial", HandoverCommand(note="press2 waiting on\nmaterial")),
    ],
)
def test_prod_subcommands(text: str, expected: ProdCommand) -> None:
    assert parse_prod(text, MAPPED) == expected


def test_prod_status_in_an_unmapped_channel_is_all_lines() -> None:
    assert parse_prod("status", UNMAPPED) == StatusCommand(line=None)


@pytest.mark.parametrize(
    ("text", "problem", "usage"),
    [
        ("h", "'h' could be handover or help — type more letters", "help"),
        (
            "report",
            "unknown command 'report' — use status, target, undo, export, handover or help",
            "help",
        ),
        ("l1", "for that line's numbers: `/prod status l1`", "help"),
        ("status L3", "unknown line 'L3' (lines: l1, press2)", "status"),
        ("status l1 press2", "unexpected 'press2'", "status"),
        ("undo everything", "unexpected 'everything'", "undo"),
        ("export from 2024-05-11", "2024-05-11 is in the future (today is 2024-05-10)", "export"),
        ("export to 2024-06-01", "2024-06-01 is in the future", "export"),
        ("export from 2024-05-09 to 2024-05-01", "the end date 2024-05-01 is before", "export"),
        ("export 2024-05-01", "put `from` or `to` before the date 2024-05-01", "export"),
        ("export from", "`from` needs a date", "export"),
        ("handover " + "x" * (MAX_NOTE + 1), "the note is too long", "handover"),
    ],
)
def test_prod_refuses(text: str, problem: str, usage: str) -> None:
    error = usage_error(parse_prod, text)
    assert problem in error.problem
    assert error.usage == USAGE[usage]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("target", "which line and how many units?"),
        ("target 800", "which line? name it first"),
        ("target L3 800", "unknown line 'L3'"),
        ("target l1", "how many units?"),
        ("target l1 -1", "'-1' is negative"),
        ("target l1 lots", "'lots' is not a whole number of units"),
        ("target l1 20000000", "is more than a line can make (max 10,000,000)"),
        ("target l1 800 shift", "`shift` needs a shift name"),
        ("target l1 800 from 2024-05-13 to 2024-05-12", "the end date 2024-05-12 is before"),
        ("target l1 800 from 13.5.2024", "'13.5.2024' is not a date"),
        ("target l1 800 soon", "unexpected 'soon'"),
    ],
)
def test_prod_target_refuses(text: str, problem: str) -> None:
    error = usage_error(parse_prod, text)
    assert problem in error.problem
    assert error.usage == USAGE["target"]


# --- the error itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "text", "command"),
    [
        (parse_output, "12a", "output"),
        (parse_output, "", "output"),
        (parse_delay, "45m zzz", "delay"),
        (parse_issue, "high", "issue"),
        (parse_prod, "target l1 x", "target"),
        (parse_prod, "export from 2099-01-01", "export"),
    ],
)
def test_usage_error_carries_the_usage_line(func: Parser, text: str, command: str) -> None:
    error = usage_error(func, text)
    assert error.usage == USAGE[command]
    assert USAGE[command] in str(error)
    assert error.problem in str(error)


def test_usage_keys() -> None:
    assert set(USAGE) == {
        "output",
        "delay",
        "issue",
        "status",
        "target",
        "undo",
        "export",
        "handover",
        "help",
    }
    assert (
        USAGE["output"]
        == "/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]"
    )
