"""The plant file (see docs/plant-file.md): its models, and reading and validating it whole.

A file with mistakes is refused with every problem listed as ``file: key.path: what is wrong``;
nothing is half-loaded. Channels and people may be given by name; ``bot.plant.names`` finds
them and swaps in the ids Slack resolved them to. ``bot.plant.apply`` writes a valid file (of ids)
to the database.
"""

import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from bot.plant.fields import (
    ClockTime,
    CurrencyCode,
    LineCode,
    LocalDate,
    MqttTopic,
    NonNegative,
    ReasonCode,
    SlackChannel,
    SlackPerson,
    SlackTeamId,
    Weekday,
    time_zone_name,
    unique,
    week_order,
)
from models import LossCategory, Severity, Site

DEFAULT_DELAY_REASONS = (
    "breakdown",
    "changeover",
    "material",
    "quality",
    "staffing",
    "utilities",
    "other",
)
# A scrap reason ``startup`` is the startup-rejects loss; every other reason a production reject.
DEFAULT_SCRAP_REASONS = ("startup", "defect", "damage", "other")
# Where a delay reason's minutes go unless ``[loss_categories]`` says otherwise; a reason not
# named here (or there) is one of the other stops.
DEFAULT_LOSS_CATEGORIES = {
    "breakdown": LossCategory.BREAKDOWNS,
    "changeover": LossCategory.SETUP,
    "minor-stop": LossCategory.SMALL_STOPS,
}

Loc = tuple[str | int, ...]


class PlantFileError(Exception):
    """The plant file cannot be used; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- the file ----------------------------------------------------------------------------------


class SiteConfig(_Section):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    timezone: Annotated[str, AfterValidator(time_zone_name)]
    digest_channel: SlackChannel | None = None
    slack_team: SlackTeamId | None = None
    heads: list[SlackPerson] = []
    digest_time: ClockTime = time(7, 0)
    delay_reasons: Annotated[list[ReasonCode], Field(min_length=1), AfterValidator(unique)] = list(
        DEFAULT_DELAY_REASONS
    )
    # The site is live from local midnight of this date; without it, from its first load.
    live_from: LocalDate | None = None
    # Money (the cost of losses) is shown in this currency; without it, as a bare amount.
    currency: CurrencyCode | None = None
    scrap_reasons: Annotated[list[ReasonCode], Field(min_length=1), AfterValidator(unique)] = list(
        DEFAULT_SCRAP_REASONS
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ShiftConfig(_Section):
    name: Annotated[str, Field(min_length=1, max_length=32)]
    start: ClockTime
    end: ClockTime
    days: Annotated[list[Weekday], Field(min_length=1), AfterValidator(week_order)]
    break_minutes: NonNegative = 0

    @model_validator(mode="after")
    def _has_length(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end are the same time")
        return self


class LineConfig(_Section):
    code: LineCode
    name: Annotated[str, Field(min_length=1, max_length=200)]
    channel: SlackChannel
    leads: list[SlackPerson] = []
    operators: list[SlackPerson] = []
    managers: list[SlackPerson] = []
    unit: Annotated[str, Field(min_length=1, max_length=32)] = "units"
    ideal_rate: Annotated[float, Field(gt=0)] | None = None
    unit_cost: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)] | None = None
    downtime_cost_per_hour: (
        Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None
    ) = None
    targets: dict[str, NonNegative] = {}
    # Machines (docs/machines.md): who counts the line's output, and the MQTT topics its machine
    # publishes counts and running/stopped states on.
    counting: Literal["operator", "machine", "both"] = "operator"
    count_topic: MqttTopic | None = None
    state_topic: MqttTopic | None = None
    stop_prompt_minutes: Annotated[int, Field(ge=1, le=240)] = 5

    @model_validator(mode="after")
    def _machine_counts_need_a_topic(self) -> Self:
        if self.counting != "operator" and self.count_topic is None:
            raise ValueError(f'counting = "{self.counting}" needs a count_topic')
        if self.count_topic is not None and self.count_topic == self.state_topic:
            raise ValueError("count_topic and state_topic are the same topic")
        return self


class CalendarConfig(_Section):
    day: date = Field(alias="date")
    reason: Annotated[str, Field(min_length=1, max_length=200)]
    lines: list[str] = []
    shifts: list[str] = []


def _default_escalation() -> dict[Severity, list[int]]:
    return {Severity.CRITICAL: [0, 15], Severity.HIGH: [15, 60], Severity.MEDIUM: [240]}


class AlertConfig(_Section):
    pace_alert: Annotated[float, Field(gt=0, le=1)] = 0.90
    pace_escalate: Annotated[float, Field(gt=0, le=1)] = 0.75
    report_grace_minutes: NonNegative = 15
    missing_report_minutes: NonNegative = 30
    escalation: dict[Severity, Annotated[list[NonNegative], Field(min_length=1, max_length=2)]] = (
        Field(default_factory=_default_escalation)
    )

    @model_validator(mode="after")
    def _escalate_below_alert(self) -> Self:
        if self.pace_escalate > self.pace_alert:
            raise ValueError(
                f"pace_escalate ({self.pace_escalate}) is above pace_alert ({self.pace_alert})"
            )
        return self


def alerts_of(site: Site) -> AlertConfig:
    """The site's ``[alerts]`` settings as loaded from its plant file, defaults filled in."""
    return AlertConfig.model_validate(site.alert_settings)


class BudgetConfig(_Section):
    # The cost of losses (scrap and downtime at the lines' costs) the site plans to lose a month.
    monthly_loss_budget: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = (
        None
    )


class PlantFile(_Section):
    site: SiteConfig
    shifts: Annotated[list[ShiftConfig], Field(min_length=1)]
    lines: Annotated[list[LineConfig], Field(min_length=1)]
    calendar: list[CalendarConfig] = []
    alerts: AlertConfig = Field(default_factory=AlertConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    # Delay reason -> loss category, over DEFAULT_LOSS_CATEGORIES.
    loss_categories: dict[ReasonCode, LossCategory] = {}

    def loss_category_of(self) -> dict[str, LossCategory]:
        """Every delay reason of the site with its loss category."""
        return {
            reason: self.loss_categories.get(
                reason, DEFAULT_LOSS_CATEGORIES.get(reason, LossCategory.OTHER_STOPS)
            )
            for reason in self.site.delay_reasons
        }


# --- reading and validating --------------------------------------------------------------------


def read_plant_file(path: Path) -> PlantFile:
    """The validated plant file at ``path``, or a PlantFileError listing every problem."""
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise PlantFileError([f"{source}: no such file"]) from exc
    except OSError as exc:
        raise PlantFileError([f"{source}: cannot be read ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise PlantFileError([f"{source}: not UTF-8 text (byte {exc.start})"]) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlantFileError([f"{source}: {_toml_problem(exc)}"]) from exc
    return validate_plant(raw, source=source)


def validate_plant(raw: Mapping[str, Any], *, source: str = "plant.toml") -> PlantFile:
    """Check parsed TOML: field errors and cross-references are all collected, then raised."""
    problems: list[tuple[Loc, str]] = []
    plant: PlantFile | None = None
    try:
        plant = PlantFile.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_field_problem(error) for error in exc.errors())
    # Cross-references are checked on the raw data so they are reported even when fields fail.
    problems.extend(_cross_reference_problems(raw))
    if problems or plant is None:
        raise PlantFileError([format_problem(source, loc, text) for loc, text in problems])
    return plant


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(exc))
    if match is None:
        return f"not valid TOML: {exc}"
    return f"line {match[2]}, column {match[3]}: not valid TOML: {match[1]}"


def _field_problem(error: ErrorDetails) -> tuple[Loc, str]:
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return loc, "unknown key"
    if kind == "missing":
        return loc, "missing"
    if kind == "value_error":
        return loc, message.removeprefix("Value error, ")
    text = message[:1].lower() + message[1:]
    value = error.get("input")
    if isinstance(value, str | int | float | date | time):
        text += f" (got {value!r})"
    return loc, text


def format_problem(source: str, loc: Loc, text: str) -> str:
    """One problem as ``file: key.path: what is wrong``."""
    path = key_path(loc)
    return f"{source}: {path}: {text}" if path else f"{source}: {text}"


def key_path(loc: Loc) -> str:
    """``("lines", 1, "leads", 0)`` as ``lines[1].leads[0]``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            path += f".{part}" if path else part
        else:
            path += f'."{part}"' if path else f'"{part}"'
    return path


def _tables(value: object) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The (index, table) pairs of an array of tables, skipping anything malformed."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                yield index, item


def _cross_reference_problems(raw: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    shift_names = _distinct_names(raw.get("shifts"), "shifts", "name", "shift name", problems)
    line_codes = _distinct_names(raw.get("lines"), "lines", "code", "line code", problems)
    shifts_known = f"(shifts are {', '.join(shift_names.values()) or 'none'})"
    lines_known = f"(lines are {', '.join(line_codes.values()) or 'none'})"

    for index, line in _tables(raw.get("lines")):
        targets = line.get("targets")
        if not isinstance(targets, Mapping):
            continue
        seen: dict[str, str] = {}
        for name in targets:
            loc: Loc = ("lines", index, "targets", name)
            if name.lower() not in shift_names:
                problems.append((loc, f"unknown shift {name!r} {shifts_known}"))
            elif name.lower() in seen:
                problems.append(
                    (loc, f"shift {name!r} is given twice (also {seen[name.lower()]!r})")
                )
            seen.setdefault(name.lower(), name)

    problems.extend(_uncategorisable_reasons(raw))
    scopes: dict[tuple[str, frozenset[str], frozenset[str]], int] = {}
    for index, entry in _tables(raw.get("calendar")):
        for key, known, what, listing in (
            ("lines", line_codes, "line", lines_known),
            ("shifts", shift_names, "shift", shifts_known),
        ):
            names = entry.get(key, [])
            for position, name in enumerate(names if isinstance(names, list) else []):
                if isinstance(name, str) and name.lower() not in known:
                    problems.append(
                        (("calendar", index, key, position), f"unknown {what} {name!r} {listing}")
                    )
        scope = (
            str(entry.get("date")),
            lowered_names(entry.get("lines", [])),
            lowered_names(entry.get("shifts", [])),
        )
        if scope in scopes:
            problems.append(
                (
                    ("calendar", index),
                    f"same date, lines and shifts as calendar[{scopes[scope]}]",
                )
            )
        scopes.setdefault(scope, index)
    return problems


def _uncategorisable_reasons(raw: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """``[loss_categories]`` may only name the site's delay reasons."""
    categories, site = raw.get("loss_categories"), raw.get("site")
    if not isinstance(categories, Mapping):
        return []
    reasons = site.get("delay_reasons") if isinstance(site, Mapping) else None
    known = reasons if isinstance(reasons, list) else list(DEFAULT_DELAY_REASONS)
    return [
        (
            ("loss_categories", reason),
            f"not one of the site's delay_reasons ({', '.join(map(str, known))})",
        )
        for reason in categories
        if reason not in known
    ]


def _distinct_names(
    tables: object, section: str, key: str, what: str, problems: list[tuple[Loc, str]]
) -> dict[str, str]:
    """{lower-cased name: name} of a section, reporting case-insensitive repeats."""
    names: dict[str, str] = {}
    first_index: dict[str, int] = {}
    for index, table in _tables(tables):
        name = table.get(key)
        if not isinstance(name, str):
            continue
        name = name.strip()
        if name.lower() in names:
            problems.append(
                (
                    (section, index, key),
                    f"duplicate {what} {name!r} (also {section}[{first_index[name.lower()]}])",
                )
            )
            continue
        names[name.lower()] = name
        first_index[name.lower()] = index
    return names


def lowered_names(names: object) -> frozenset[str]:
    """A list of line codes or shift names as a set that ignores case and order: how a calendar
    entry's scope is compared."""
    if not isinstance(names, list):
        return frozenset()
    return frozenset(name.strip().lower() for name in names if isinstance(name, str))
