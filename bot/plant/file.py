"""The plant file (PRODUCT.md §6): read and validate it whole, then apply it to the database.

A file with mistakes is refused with every problem listed as ``file: key.path: what is wrong``;
nothing is half-loaded. Applying a valid file is idempotent: it updates rows in place, marks
lines and shifts that left the file inactive (entries still reference them), and writes one
audit record per changed row.
"""

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plant.shifts import WEEKDAYS
from models import (
    AuditRecord,
    CalendarEntry,
    Line,
    Person,
    Role,
    RoleAssignment,
    Severity,
    Shift,
    Site,
    Target,
)

ACTOR = "plant-file"
DEFAULT_DELAY_REASONS = (
    "breakdown",
    "changeover",
    "material",
    "quality",
    "staffing",
    "utilities",
    "other",
)

Loc = tuple[str | int, ...]


class PlantFileError(Exception):
    """The plant file cannot be used; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- field types -------------------------------------------------------------------------------


def _clock_time(value: object) -> object:
    """``"HH:MM"`` (or a TOML local time on the minute) as a ``time``."""
    if isinstance(value, time) and value.tzinfo is None and value.second == value.microsecond == 0:
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
        if match:
            return time(int(match[1]), int(match[2]))
    raise ValueError(f'expected a time "HH:MM" from 00:00 to 23:59, got {value!r}')


def _pattern_check(pattern: str, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')"
        ) from None
    return name


def _unique(values: list[str]) -> list[str]:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"repeated: {', '.join(repeated)}")
    return values


def _week_order(days: list[str]) -> list[str]:
    return [day for day in WEEKDAYS if day in days]


ClockTime = Annotated[time, BeforeValidator(_clock_time)]
SlackUserId = Annotated[
    str, _pattern_check(r"[UW][A-Z0-9]{1,31}", "a Slack user id (U or W, then capitals/digits)")
]
SlackChannelId = Annotated[
    str, _pattern_check(r"[CG][A-Z0-9]{1,31}", "a Slack channel id (C or G, then capitals/digits)")
]
LineCode = Annotated[
    str, _pattern_check(r"[A-Za-z0-9_-]{1,32}", "a line code (1-32 letters, digits, - or _)")
]
ReasonCode = Annotated[
    str, _pattern_check(r"[a-z][a-z0-9_-]{0,31}", "a reason code (lower-case, up to 32 chars)")
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NonNegative = Annotated[int, Field(ge=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- the file ----------------------------------------------------------------------------------


class SiteConfig(_Section):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    timezone: Annotated[str, AfterValidator(_time_zone)]
    digest_channel: SlackChannelId | None = None
    heads: list[SlackUserId] = []
    digest_time: ClockTime = time(7, 0)
    delay_reasons: Annotated[list[ReasonCode], Field(min_length=1), AfterValidator(_unique)] = list(
        DEFAULT_DELAY_REASONS
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ShiftConfig(_Section):
    name: Annotated[str, Field(min_length=1, max_length=32)]
    start: ClockTime
    end: ClockTime
    days: Annotated[list[Weekday], Field(min_length=1), AfterValidator(_week_order)]
    break_minutes: NonNegative = 0

    @model_validator(mode="after")
    def _has_length(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end are the same time")
        return self


class LineConfig(_Section):
    code: LineCode
    name: Annotated[str, Field(min_length=1, max_length=200)]
    channel: SlackChannelId
    leads: list[SlackUserId] = []
    managers: list[SlackUserId] = []
    unit: Annotated[str, Field(min_length=1, max_length=32)] = "units"
    ideal_rate: Annotated[float, Field(gt=0)] | None = None
    unit_cost: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)] | None = None
    downtime_cost_per_hour: (
        Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None
    ) = None
    targets: dict[str, NonNegative] = {}


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


class PlantFile(_Section):
    site: SiteConfig
    shifts: Annotated[list[ShiftConfig], Field(min_length=1)]
    lines: Annotated[list[LineConfig], Field(min_length=1)]
    calendar: list[CalendarConfig] = []
    alerts: AlertConfig = Field(default_factory=AlertConfig)


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
        raise PlantFileError([_format_problem(source, loc, text) for loc, text in problems])
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


def _format_problem(source: str, loc: Loc, text: str) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            path += f".{part}" if path else part
        else:
            path += f'."{part}"' if path else f'"{part}"'
    return f"{source}: {path}: {text}" if path else f"{source}: {text}"


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
            _lowered(entry.get("lines", [])),
            _lowered(entry.get("shifts", [])),
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


def _lowered(names: object) -> frozenset[str]:
    if not isinstance(names, list):
        return frozenset()
    return frozenset(name.strip().lower() for name in names if isinstance(name, str))


# --- applying ----------------------------------------------------------------------------------


@dataclass
class _Changes:
    """The human-readable change list and the audit records behind it."""

    session: Session
    at: datetime
    summaries: list[str] = field(default_factory=list)

    def record(
        self, *, action: str, entity: str, entity_id: int, details: dict[str, Any], summary: str
    ) -> None:
        self.session.add(
            AuditRecord(
                at=self.at,
                actor=ACTOR,
                action=action,
                entity=entity,
                entity_id=entity_id,
                details=_json_safe(details),
            )
        )
        self.summaries.append(summary)


def apply_plant(*, session: Session, plant: PlantFile, at: datetime) -> list[str]:
    """Create or update the site named in ``plant``; returns what changed (empty if nothing).

    The site is found by name, so renaming it in the file creates a new site.

    Flushes but does not commit: the caller owns the unit of work.
    """
    changes = _Changes(session, at)
    site = _apply_site(session, plant, changes)
    shifts = _apply_shifts(session, site, plant, changes)
    lines = _apply_lines(session, site, plant, changes)
    _apply_targets(session, plant, shifts, lines, changes)
    _apply_roles(session, site, plant, lines, changes)
    _apply_calendar(session, site, plant, shifts, lines, changes)
    if changes.summaries:
        site.plant_version = (site.plant_version or 0) + 1
    session.flush()
    return changes.summaries


def _apply_site(session: Session, plant: PlantFile, changes: _Changes) -> Site:
    config = plant.site
    values: dict[str, Any] = {
        "timezone": config.timezone,
        "digest_channel": config.digest_channel,
        "digest_time": config.digest_time,
        "delay_reasons": list(config.delay_reasons),
        "alert_settings": plant.alerts.model_dump(mode="json"),
    }
    site = session.scalar(select(Site).where(Site.name == config.name))
    if site is None:
        site = Site(name=config.name, **values)
        session.add(site)
        session.flush()
        changes.record(
            action="create",
            entity="site",
            entity_id=site.id,
            details=values,
            summary=f"site {config.name}: created",
        )
        return site
    _update(site, values, changes, entity="site", label=f"site {site.name}")
    return site


def _apply_shifts(
    session: Session, site: Site, plant: PlantFile, changes: _Changes
) -> dict[str, Shift]:
    """Every shift of the site by ``name_key``, those in the file active and up to date."""
    shifts = {s.name_key: s for s in session.scalars(select(Shift).where(Shift.site_id == site.id))}
    in_file = set()
    for config in plant.shifts:
        key = config.name.lower()
        in_file.add(key)
        values: dict[str, Any] = {
            "name": config.name,
            "start": config.start,
            "end": config.end,
            "weekdays": list(config.days),
            "break_minutes": config.break_minutes,
            "active": True,
        }
        if key in shifts:
            _update(shifts[key], values, changes, entity="shift", label=f"shift {config.name}")
            continue
        shift = Shift(site_id=site.id, name_key=key, **values)
        session.add(shift)
        session.flush()
        shifts[key] = shift
        changes.record(
            action="create",
            entity="shift",
            entity_id=shift.id,
            details=values,
            summary=f"shift {config.name}: added",
        )
    for key, shift in shifts.items():
        if key not in in_file and shift.active:
            _deactivate(shift, changes, entity="shift", label=f"shift {shift.name}")
    return shifts


def _apply_lines(
    session: Session, site: Site, plant: PlantFile, changes: _Changes
) -> dict[str, Line]:
    """Every line of the site by ``code_key``, those in the file active and up to date."""
    lines = {ln.code_key: ln for ln in session.scalars(select(Line).where(Line.site_id == site.id))}
    in_file = set()
    for config in plant.lines:
        key = config.code.lower()
        in_file.add(key)
        values: dict[str, Any] = {
            "code": config.code,
            "name": config.name,
            "channel_id": config.channel,
            "unit": config.unit,
            "ideal_rate": config.ideal_rate,
            "unit_cost": config.unit_cost,
            "downtime_cost_per_hour": config.downtime_cost_per_hour,
            "active": True,
        }
        if key in lines:
            _update(lines[key], values, changes, entity="line", label=f"line {config.code}")
            continue
        line = Line(site_id=site.id, code_key=key, **values)
        session.add(line)
        session.flush()
        lines[key] = line
        changes.record(
            action="create",
            entity="line",
            entity_id=line.id,
            details=values,
            summary=f"line {config.code}: added",
        )
    for key, line in lines.items():
        if key not in in_file and line.active:
            _deactivate(line, changes, entity="line", label=f"line {line.code}")
    return lines


def _apply_targets(
    session: Session,
    plant: PlantFile,
    shifts: dict[str, Shift],
    lines: dict[str, Line],
    changes: _Changes,
) -> None:
    """Sync default targets (no dates); dated overrides are never touched."""
    line_codes = {line.id: line.code for line in lines.values()}
    shift_names = {shift.id: shift.name for shift in shifts.values()}
    wanted: dict[tuple[int, int], int] = {}
    for config in plant.lines:
        line_id = lines[config.code.lower()].id
        for name, units in config.targets.items():
            wanted[(line_id, shifts[name.lower()].id)] = units

    defaults = session.scalars(
        select(Target)
        .where(
            Target.line_id.in_(list(line_codes)),
            Target.valid_from.is_(None),
            Target.valid_to.is_(None),
        )
        .order_by(Target.id)
    )
    current: dict[tuple[int, int], Target] = {}
    for target in defaults:
        pair = (target.line_id, target.shift_id)
        label = f"target {line_codes[pair[0]]}/{shift_names[pair[1]]}"
        details = {"line": line_codes[pair[0]], "shift": shift_names[pair[1]]}
        if pair in wanted and pair not in current:
            current[pair] = target
            _update(
                target,
                {"units": wanted[pair]},
                changes,
                entity="target",
                label=label,
                details=details,
            )
            continue
        session.delete(target)
        changes.record(
            action="delete",
            entity="target",
            entity_id=target.id,
            details={**details, "units": target.units},
            summary=f"{label}: removed (was {target.units})",
        )

    for (line_id, shift_id), units in wanted.items():
        if (line_id, shift_id) in current:
            continue
        target = Target(
            line_id=line_id, shift_id=shift_id, units=units, set_by=ACTOR, created_at=changes.at
        )
        session.add(target)
        session.flush()
        line_code, shift_name = line_codes[line_id], shift_names[shift_id]
        changes.record(
            action="create",
            entity="target",
            entity_id=target.id,
            details={"line": line_code, "shift": shift_name, "units": units},
            summary=f"target {line_code}/{shift_name}: {units}",
        )


def _apply_roles(
    session: Session, site: Site, plant: PlantFile, lines: dict[str, Line], changes: _Changes
) -> None:
    """People exist for everyone named; role assignments match the file exactly."""
    line_codes: dict[int | None, str] = {line.id: line.code for line in lines.values()}
    wanted: set[tuple[str, Role, int | None]] = {
        (user, Role.HEAD, None) for user in plant.site.heads
    }
    for config in plant.lines:
        line = lines[config.code.lower()]
        wanted.update((user, Role.LEAD, line.id) for user in config.leads)
        wanted.update((user, Role.MANAGER, line.id) for user in config.managers)

    def describe(role: Role, line_id: int | None) -> str:
        return f"{role.value} of {line_codes[line_id] if line_id else 'the site'}"

    people = {
        person.slack_user_id: person
        for person in session.scalars(select(Person).where(Person.site_id == site.id))
    }
    for user in sorted({user for user, _, _ in wanted} - people.keys()):
        person = Person(site_id=site.id, slack_user_id=user)
        session.add(person)
        session.flush()
        people[user] = person
        changes.record(
            action="create",
            entity="person",
            entity_id=person.id,
            details={"slack_user_id": user},
            summary=f"person {user}: added",
        )

    assignments = session.execute(
        select(RoleAssignment, Person.slack_user_id)
        .join(Person, RoleAssignment.person_id == Person.id)
        .where(Person.site_id == site.id)
        .order_by(RoleAssignment.id)
    )
    current: set[tuple[str, Role, int | None]] = set()
    for assignment, user in assignments:
        key = (user, assignment.role, assignment.line_id)
        if key in wanted:
            current.add(key)
            continue
        session.delete(assignment)
        changes.record(
            action="revoke",
            entity="role_assignment",
            entity_id=assignment.id,
            details=_role_details(user, assignment.role, line_codes.get(assignment.line_id)),
            summary=f"{describe(assignment.role, assignment.line_id)} revoked from {user}",
        )

    for user, role, line_id in sorted(wanted - current, key=lambda k: (k[0], k[1], k[2] or 0)):
        assignment = RoleAssignment(person_id=people[user].id, role=role, line_id=line_id)
        session.add(assignment)
        session.flush()
        changes.record(
            action="grant",
            entity="role_assignment",
            entity_id=assignment.id,
            details=_role_details(user, role, line_codes.get(line_id)),
            summary=f"{describe(role, line_id)} granted to {user}",
        )


def _role_details(user: str, role: Role, line_code: str | None) -> dict[str, Any]:
    return {"slack_user_id": user, "role": role.value, "line": line_code}


def _apply_calendar(
    session: Session,
    site: Site,
    plant: PlantFile,
    shifts: dict[str, Shift],
    lines: dict[str, Line],
    changes: _Changes,
) -> None:
    """Calendar entries match the file, keyed by (day, lines, shifts); names as the file spells
    them in its ``[[lines]]`` and ``[[shifts]]``."""
    wanted: dict[tuple[date, frozenset[str], frozenset[str]], dict[str, Any]] = {}
    for config in plant.calendar:
        line_codes = list(dict.fromkeys(lines[code.lower()].code for code in config.lines))
        shift_names = list(dict.fromkeys(shifts[name.lower()].name for name in config.shifts))
        key = (config.day, _lowered(line_codes), _lowered(shift_names))
        wanted[key] = {
            "day": config.day,
            "reason": config.reason,
            "line_codes": line_codes,
            "shift_names": shift_names,
        }

    entries = session.scalars(
        select(CalendarEntry).where(CalendarEntry.site_id == site.id).order_by(CalendarEntry.id)
    )
    current = set()
    for entry in entries:
        key = (entry.day, _lowered(entry.line_codes), _lowered(entry.shift_names))
        label = f"calendar {entry.day.isoformat()}"
        if key in wanted and key not in current:
            current.add(key)
            _update(entry, wanted[key], changes, entity="calendar_entry", label=label)
            continue
        session.delete(entry)
        changes.record(
            action="delete",
            entity="calendar_entry",
            entity_id=entry.id,
            details={
                "day": entry.day,
                "reason": entry.reason,
                "line_codes": entry.line_codes,
                "shift_names": entry.shift_names,
            },
            summary=f"{label}: removed ({entry.reason})",
        )

    for key, values in wanted.items():
        if key in current:
            continue
        entry = CalendarEntry(site_id=site.id, **values)
        session.add(entry)
        session.flush()
        changes.record(
            action="create",
            entity="calendar_entry",
            entity_id=entry.id,
            details=values,
            summary=f"calendar {entry.day.isoformat()}: added ({entry.reason})",
        )


def _update(
    row: Site | Shift | Line | Target | CalendarEntry,
    values: Mapping[str, Any],
    changes: _Changes,
    *,
    entity: str,
    label: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Set only the attributes that differ, so an unchanged file writes nothing."""
    changed: dict[str, Any] = {}
    for name, new in values.items():
        old = getattr(row, name)
        if old != new:
            setattr(row, name, new)
            changed[name] = {"from": old, "to": new}
    if not changed:
        return
    described = ", ".join(_describe_change(name, c["from"], c["to"]) for name, c in changed.items())
    changes.record(
        action="update",
        entity=entity,
        entity_id=row.id,
        details={**(details or {}), "changed": changed},
        summary=f"{label}: {described}",
    )


def _deactivate(row: Shift | Line, changes: _Changes, *, entity: str, label: str) -> None:
    row.active = False
    changes.record(
        action="deactivate",
        entity=entity,
        entity_id=row.id,
        details={"changed": {"active": {"from": True, "to": False}}},
        summary=f"{label}: deactivated (no longer in the plant file)",
    )


def _describe_change(name: str, old: Any, new: Any) -> str:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = [key for key in {**old, **new} if old.get(key) != new.get(key)]
        return ", ".join(
            _describe_change(f"{name}.{key}", old.get(key), new.get(key)) for key in keys
        )
    return f"{name} {_show(old)} → {_show(new)}"


def _show(value: Any) -> str:
    safe = _json_safe(value)
    return repr(safe) if isinstance(safe, str) else str(safe)


def _json_safe(value: Any) -> Any:
    """Audit details are JSON: times as HH:MM, dates ISO, decimals as strings, enums by value."""
    if isinstance(value, Mapping):
        return {str(_json_safe(key)): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
