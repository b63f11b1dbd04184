"""Reading the plant file: what it accepts, its defaults, and every problem it reports."""

from datetime import date, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plant.apply import apply_plant
from bot.plant.file import read_plant_file
from models import (
    LossCategory,
    Severity,
    Site,
)
from tests.conftest import SAMPLE_PLANT
from tests.test_plant import AT, LATER, problems_of, row_counts, write


def test_sample_plant_file_loads(plant_toml: Path) -> None:
    plant = read_plant_file(plant_toml)

    assert plant.site.name == "Riverside"
    assert plant.site.zone.key == "Europe/Berlin"
    assert plant.site.digest_time == time(7, 0)
    assert plant.site.delay_reasons[0] == "breakdown"
    assert [s.name for s in plant.shifts] == ["A", "B", "C"]
    assert plant.shifts[2].start == time(22) and plant.shifts[2].end == time(6)
    assert plant.lines[0].unit_cost == Decimal("0.40")
    assert plant.lines[0].targets == {"A": 800, "B": 800, "C": 600}
    assert plant.lines[1].unit == "parts" and plant.lines[1].ideal_rate is None
    assert plant.calendar[0].day == date(2026, 12, 24)
    assert plant.alerts.escalation[Severity.CRITICAL] == [0, 15]


def test_alerts_and_optional_keys_have_defaults(tmp_path: Path) -> None:
    minimal = """\
[site]
name = "Small"
timezone = "America/Chicago"

[[shifts]]
name = "day"
start = "07:00"
end = "15:30"
days = ["fri", "mon"]

[[lines]]
code = "pack_1"
name = "Packing"
channel = "G0PACK1"
"""
    plant = read_plant_file(write(tmp_path, minimal))

    assert plant.site.digest_time == time(7, 0)
    assert plant.site.heads == [] and plant.site.digest_channel is None
    assert plant.site.live_from is None
    assert plant.shifts[0].days == ["mon", "fri"]
    assert plant.lines[0].unit == "units" and plant.lines[0].targets == {}
    assert plant.alerts.pace_alert == 0.90 and plant.alerts.pace_escalate == 0.75
    assert plant.alerts.report_grace_minutes == 15
    assert plant.alerts.missing_report_minutes == 30
    assert plant.alerts.model_dump(mode="json")["escalation"] == {
        "critical": [0, 15],
        "high": [15, 60],
        "medium": [240],
    }


def test_a_file_with_mistakes_is_refused_with_every_problem(
    tmp_path: Path, session: Session
) -> None:
    broken = (
        SAMPLE_PLANT.replace('"Europe/Berlin"', '"Europe/Berlinn"')
        .replace("targets = { A = 400, B = 400 }", "targets = { A = -5, X = 400 }")
        .replace('start = "14:00"\nend = "22:00"', 'start = "25:00"\nend = "22:00"')
        .replace('code = "press2"', 'code = "l1"')
        .replace('unit = "parts"', 'unit = "parts"\ncolour = "blue"')
        .replace("pace_escalate = 0.75", "pace_escalate = 0.95")
        .replace('operators = ["U0OPER0001"]', 'operators = ["oper1"]')
        .replace('heads = ["U0HEAD0001"]', 'heads = ["U0HEAD0001"]\nslack_team = "factory"')
    )
    path = write(tmp_path, broken)

    problems = problems_of(path)

    assert all(problem.startswith(f"{path}: ") for problem in problems)
    keys_and_texts = [problem.removeprefix(f"{path}: ") for problem in problems]
    assert sorted(keys_and_texts) == sorted(
        [
            "site.timezone: unknown time zone 'Europe/Berlinn' "
            "(use an IANA name like 'Europe/Berlin')",
            "shifts[1].start: expected a time \"HH:MM\" from 00:00 to 23:59, got '25:00'",
            "lines[1].colour: unknown key",
            "lines[1].targets.A: input should be greater than or equal to 0 (got -5)",
            "lines[1].targets.X: unknown shift 'X' (shifts are A, B, C)",
            "lines[1].code: duplicate line code 'l1' (also lines[0])",
            "alerts: pace_escalate (0.95) is above pace_alert (0.9)",
            "lines[0].operators[0]: 'oper1' is not a Slack user id (U or W, then capitals/digits), "
            "an e-mail address or an @display-name",
            "site.slack_team: 'factory' is not a Slack workspace id (T or E, then capitals/digits)",
        ]
    )
    assert sum(row_counts(session).values()) == 0


def test_more_mistakes_are_reported_with_their_key_paths(tmp_path: Path) -> None:
    broken = (
        SAMPLE_PLANT.replace('heads = ["U0HEAD0001"]', 'heads = ["boss"]')
        .replace('days = ["mon", "tue", "wed", "thu", "fri"]\nbreak_minutes = 30', "days = []", 1)
        .replace('name = "C"', 'name = "a"')
        .replace("lines = []\nshifts = []", 'lines = ["L9"]\nshifts = ["Z"]')
        .replace("medium = [240]", "medium = [240, 480, 960], urgent = [0]")
    )

    problems = [p.split(": ", 1)[1] for p in problems_of(write(tmp_path, broken))]

    assert (
        "site.heads[0]: 'boss' is not a Slack user id (U or W, then capitals/digits), an e-mail "
        "address or an @display-name"
    ) in problems
    assert "shifts[0].days: list should have at least 1 item after validation, not 0" in problems
    assert "shifts[2].name: duplicate shift name 'a' (also shifts[0])" in problems
    assert "calendar[0].lines[0]: unknown line 'L9' (lines are L1, press2)" in problems
    assert "calendar[0].shifts[0]: unknown shift 'Z' (shifts are A, B)" in problems
    assert "alerts.escalation.medium: list should have at most 2 items after validation, not 3" in (
        problems
    )
    assert any(p.startswith("alerts.escalation.urgent: input should be 'low'") for p in problems)


def test_two_calendar_entries_for_the_same_day_and_scope_are_refused(tmp_path: Path) -> None:
    repeated = SAMPLE_PLANT.replace(
        "[alerts]", '[[calendar]]\ndate = 2026-12-24\nreason = "Again"\n\n[alerts]'
    )

    problems = problems_of(write(tmp_path, repeated))

    assert [p.split(": ", 1)[1] for p in problems] == [
        "calendar[1]: same date, lines and shifts as calendar[0]"
    ]


def test_a_shift_that_starts_when_it_ends_is_refused(tmp_path: Path) -> None:
    broken = SAMPLE_PLANT.replace(
        'start = "22:00"\nend = "06:00"', 'start = "22:00"\nend = "22:00"'
    )

    problems = problems_of(write(tmp_path, broken))

    assert [p.split(": ", 1)[1] for p in problems] == ["shifts[2]: start and end are the same time"]


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nname = "Riverside\ntimezone = "UTC"\n')

    assert problems_of(path) == [
        f"{path}: line 2, column 18: not valid TOML: Illegal character '\\n'"
    ]


def test_missing_file_is_a_plant_file_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    assert problems_of(path) == [f"{path}: no such file"]


def test_the_site_currency_is_an_iso_4217_code_and_is_stored(
    tmp_path: Path, session: Session
) -> None:
    def with_currency(code: str) -> Path:
        heads = 'heads = ["U0HEAD0001"]'
        return write(tmp_path, SAMPLE_PLANT.replace(heads, f'{heads}\ncurrency = "{code}"'))

    for code in ("eur", "EURO", "€", "XYZ", "XAU"):
        problems = problems_of(with_currency(code))
        assert [p.split(": ", 1)[1] for p in problems] == [
            f"site.currency: {code!r} is not an ISO 4217 currency code (like EUR, USD or DKK)"
        ]
    assert read_plant_file(write(tmp_path, SAMPLE_PLANT)).site.currency is None

    apply_plant(session=session, plant=read_plant_file(with_currency("DKK")), at=AT)
    assert session.scalars(select(Site)).one().currency == "DKK"
    apply_plant(session=session, plant=read_plant_file(write(tmp_path, SAMPLE_PLANT)), at=LATER)
    assert session.scalars(select(Site)).one().currency is None


def test_loss_keys_have_defaults_and_are_stored(tmp_path: Path, session: Session) -> None:
    plant = read_plant_file(write(tmp_path, SAMPLE_PLANT))
    assert plant.site.scrap_reasons == ["startup", "defect", "damage", "other"]
    assert plant.budget.monthly_loss_budget is None
    assert plant.loss_category_of()["breakdown"] is LossCategory.BREAKDOWNS
    assert plant.loss_category_of()["changeover"] is LossCategory.SETUP
    assert plant.loss_category_of()["material"] is LossCategory.OTHER_STOPS

    own = SAMPLE_PLANT.replace(
        'heads = ["U0HEAD0001"]',
        'heads = ["U0HEAD0001"]\nscrap_reasons = ["startup", "seal", "label"]',
    ) + ('\n[budget]\nmonthly_loss_budget = 12500\n\n[loss_categories]\nmaterial = "small-stops"\n')
    apply_plant(session=session, plant=read_plant_file(write(tmp_path, own)), at=AT)
    site = session.scalars(select(Site)).one()
    assert site.scrap_reasons == ["startup", "seal", "label"]
    assert site.monthly_loss_budget == Decimal("12500")
    assert site.loss_categories["material"] == "small-stops"
    assert site.loss_categories["breakdown"] == "breakdowns"
    assert set(site.loss_categories) == set(site.delay_reasons)


def test_loss_keys_are_validated(tmp_path: Path) -> None:
    bad = SAMPLE_PLANT.replace(
        'heads = ["U0HEAD0001"]', 'heads = ["U0HEAD0001"]\nscrap_reasons = ["Seal", "seal"]'
    ) + (
        "\n[budget]\nmonthly_loss_budget = -1\n"
        '\n[loss_categories]\njam = "small-stops"\nmaterial = "speed"\n'
    )
    problems = [p.split(": ", 1)[1] for p in problems_of(write(tmp_path, bad))]
    assert any(p.startswith("site.scrap_reasons[0]: 'Seal' is not a reason code") for p in problems)
    assert any(
        p.startswith("budget.monthly_loss_budget: input should be greater") for p in problems
    )
    assert any(
        p.startswith("loss_categories.material: input should be 'breakdowns'") for p in problems
    )
    assert any(
        p.startswith("loss_categories.jam: not one of the site's delay_reasons") for p in problems
    )
