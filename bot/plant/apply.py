"""Applying a valid plant file to the database (``bot.plant.file`` reads and validates it).

Applying is idempotent. Each kind of row the file decides is found by its natural key (the
site's name, a shift's name, a line's code, a default target's line and shift, …) and goes
through one upsert (``bot.plant.upsert``): a row whose key is still in the file is updated in
place, a new key gets a new row, and a row whose key left the file is retired: lines and shifts
are marked inactive (entries still reference them), targets, calendar entries and role
assignments are deleted, the site and people are kept. One audit record is written per changed
row, so an unchanged file writes nothing.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plant.file import LineConfig, PlantFile, ShiftConfig, lowered_names
from bot.plant.names import names_in
from bot.plant.upsert import ACTOR, Changes, KeyedRows, Values
from models import CalendarEntry, Line, Person, Role, RoleAssignment, Shift, Site, Target

RoleKey = tuple[str, Role, int | None]  # (Slack user id, role, line id; None: the whole site)
CalendarKey = tuple[date, frozenset[str], frozenset[str]]  # (day, line codes, shift names)
S = TypeVar("S", Shift, Line)


def apply_plant(*, session: Session, plant: PlantFile, at: datetime) -> list[str]:
    """Create or update the site named in ``plant``; returns what changed (empty if nothing).

    The site is found by name, so renaming it in the file creates a new site.

    Flushes but does not commit: the caller owns the unit of work. Names (``#line-1``, e-mail
    addresses) must have been resolved to Slack ids first (``bot.slack.directory``).
    """
    if unresolved := names_in(plant):
        raise ValueError(f"plant file names not resolved to Slack ids: {unresolved}")
    changes = Changes(session, at)
    site = _apply_site(plant, changes)
    shifts = _NamedSiteRows(changes, site, Shift, entity="shift", name="name").sync(
        {config.name.lower(): _shift_values(config) for config in plant.shifts}
    )
    lines = _Lines(changes, site, Line, entity="line", name="code").sync(
        {config.code.lower(): _line_values(config) for config in plant.lines}
    )
    _apply_targets(plant, shifts, lines, changes)
    _apply_roles(site, plant, lines, changes)
    _apply_calendar(site, plant, shifts, lines, changes)
    if changes.summaries:
        site.plant_version = (site.plant_version or 0) + 1
    session.flush()
    return changes.summaries


# --- the kinds of row --------------------------------------------------------------------------


class _Sites(KeyedRows[str, Site]):
    """The site, by name: renaming it in the file creates a new site."""

    entity = "site"

    def key(self, row: Site) -> str:
        return row.name

    def new(self, key: str, values: Values) -> Site:
        return Site(name=key, live_since=self.changes.at, **values)

    def label(self, row: Site) -> str:
        return f"site {row.name}"

    def added(self, row: Site) -> str:
        return f"{self.label(row)}: created"


class _NamedSiteRows(KeyedRows[str, S]):
    """Shifts or lines, by name or code, lower-cased. One that left the file is kept, marked
    inactive, because entries still reference it."""

    def __init__(
        self, changes: Changes, site: Site, model: type[S], *, entity: str, name: str
    ) -> None:
        super().__init__(changes)
        self.site_id = site.id
        self.model: type[S] = model
        self.entity = entity
        self.name = name  # the column with the name; the key is its lower-cased copy, "{name}_key"

    def sync(self, wanted: Mapping[str, Values]) -> dict[str, S]:
        """Every row of the site by key, those in ``wanted`` active and up to date."""
        stored = self.changes.session.scalars(
            select(self.model).where(self.model.site_id == self.site_id)
        )
        return self.upsert(stored, wanted)

    def key(self, row: S) -> str:
        return str(getattr(row, f"{self.name}_key"))

    def new(self, key: str, values: Values) -> S:
        return self.model(site_id=self.site_id, **{f"{self.name}_key": key}, **values)

    def label(self, row: S) -> str:
        return f"{self.entity} {getattr(row, self.name)}"

    def retire(self, row: S) -> None:
        if row.active:
            row.active = False
            self._record(
                "deactivate",
                row,
                {"changed": {"active": {"from": True, "to": False}}},
                f"{self.label(row)}: deactivated (no longer in the plant file)",
            )


class _Lines(_NamedSiteRows[Line]):
    """Lines, by code. A new line goes live at the load that adds it; one that left the file
    and comes back keeps the instant it first went live."""

    def new(self, key: str, values: Values) -> Line:
        line = super().new(key, values)
        line.live_since = self.changes.at
        return line


class _DefaultTargets(KeyedRows[tuple[int, int], Target]):
    """Targets without dates, by (line id, shift id); dated overrides are never among them."""

    entity = "target"

    def __init__(
        self, changes: Changes, lines: Mapping[str, Line], shifts: Mapping[str, Shift]
    ) -> None:
        super().__init__(changes)
        self.line_codes = {line.id: line.code for line in lines.values()}
        self.shift_names = {shift.id: shift.name for shift in shifts.values()}

    def key(self, row: Target) -> tuple[int, int]:
        return (row.line_id, row.shift_id)

    def new(self, key: tuple[int, int], values: Values) -> Target:
        line_id, shift_id = key
        return Target(
            line_id=line_id, shift_id=shift_id, set_by=ACTOR, created_at=self.changes.at, **values
        )

    def label(self, row: Target) -> str:
        return f"target {self.line_codes[row.line_id]}/{self.shift_names[row.shift_id]}"

    def context(self, row: Target) -> Values:
        return {"line": self.line_codes[row.line_id], "shift": self.shift_names[row.shift_id]}

    def added(self, row: Target) -> str:
        return f"{self.label(row)}: {row.units}"

    def retire(self, row: Target) -> None:
        self._delete(row, {"units": row.units}, f"{self.label(row)}: removed (was {row.units})")


class _People(KeyedRows[str, Person]):
    """People, by Slack user id: the file only adds them."""

    entity = "person"

    def __init__(self, changes: Changes, site: Site) -> None:
        super().__init__(changes)
        self.site_id = site.id

    def key(self, row: Person) -> str:
        return row.slack_user_id

    def new(self, key: str, values: Values) -> Person:
        return Person(site_id=self.site_id, **values)

    def label(self, row: Person) -> str:
        return f"person {row.slack_user_id}"


class _RoleAssignments(KeyedRows[RoleKey, RoleAssignment]):
    """Role assignments, by (person, role, line): granted and revoked to match the file."""

    entity = "role_assignment"
    add_action = "grant"
    remove_action = "revoke"

    def __init__(
        self, changes: Changes, people: Mapping[str, Person], lines: Mapping[str, Line]
    ) -> None:
        super().__init__(changes)
        self.people = people
        self.users = {person.id: user for user, person in people.items()}
        self.line_codes: dict[int | None, str] = {line.id: line.code for line in lines.values()}

    def key(self, row: RoleAssignment) -> RoleKey:
        return (self.users[row.person_id], row.role, row.line_id)

    def new(self, key: RoleKey, values: Values) -> RoleAssignment:
        user, role, line_id = key
        return RoleAssignment(person_id=self.people[user].id, role=role, line_id=line_id)

    def label(self, row: RoleAssignment) -> str:
        return f"{row.role.value} of {self.line_codes[row.line_id] if row.line_id else 'the site'}"

    def context(self, row: RoleAssignment) -> Values:
        line_code = self.line_codes.get(row.line_id)
        return {
            "slack_user_id": self.users[row.person_id],
            "role": row.role.value,
            "line": line_code,
        }

    def added(self, row: RoleAssignment) -> str:
        return f"{self.label(row)} granted to {self.users[row.person_id]}"

    def retire(self, row: RoleAssignment) -> None:
        self._delete(row, {}, f"{self.label(row)} revoked from {self.users[row.person_id]}")


class _CalendarEntries(KeyedRows[CalendarKey, CalendarEntry]):
    """Calendar entries (holidays and planned stops), by (day, lines, shifts); one that left the
    file is deleted."""

    entity = "calendar_entry"

    def __init__(self, changes: Changes, site: Site) -> None:
        super().__init__(changes)
        self.site_id = site.id

    def key(self, row: CalendarEntry) -> CalendarKey:
        return _calendar_key(row.day, row.line_codes, row.shift_names)

    def new(self, key: CalendarKey, values: Values) -> CalendarEntry:
        return CalendarEntry(site_id=self.site_id, **values)

    def label(self, row: CalendarEntry) -> str:
        return f"calendar {row.day.isoformat()}"

    def added(self, row: CalendarEntry) -> str:
        return f"{self.label(row)}: added ({row.reason})"

    def retire(self, row: CalendarEntry) -> None:
        self._delete(
            row,
            {
                "day": row.day,
                "reason": row.reason,
                "line_codes": row.line_codes,
                "shift_names": row.shift_names,
            },
            f"{self.label(row)}: removed ({row.reason})",
        )


def _calendar_key(day: date, line_codes: Sequence[str], shift_names: Sequence[str]) -> CalendarKey:
    return (day, lowered_names(line_codes), lowered_names(shift_names))


# --- what the file wants -----------------------------------------------------------------------


def _apply_site(plant: PlantFile, changes: Changes) -> Site:
    config = plant.site
    values: Values = {
        "timezone": config.timezone,
        "slack_team": config.slack_team,
        "digest_channel": config.digest_channel,
        "digest_time": config.digest_time,
        "delay_reasons": list(config.delay_reasons),
        "live_from": config.live_from,
        "currency": config.currency,
        "scrap_reasons": list(config.scrap_reasons),
        "loss_categories": {
            reason: str(category) for reason, category in plant.loss_category_of().items()
        },
        "monthly_loss_budget": plant.budget.monthly_loss_budget,
        "alert_settings": plant.alerts.model_dump(mode="json"),
    }
    stored = changes.session.scalars(select(Site).where(Site.name == config.name))
    return _Sites(changes).upsert(stored, {config.name: values})[config.name]


def _shift_values(config: ShiftConfig) -> Values:
    return {
        "name": config.name,
        "start": config.start,
        "end": config.end,
        "weekdays": list(config.days),
        "break_minutes": config.break_minutes,
        "active": True,
    }


def _line_values(config: LineConfig) -> Values:
    return {
        "code": config.code,
        "name": config.name,
        "channel_id": config.channel,
        "unit": config.unit,
        "ideal_rate": config.ideal_rate,
        "unit_cost": config.unit_cost,
        "downtime_cost_per_hour": config.downtime_cost_per_hour,
        "counting": config.counting,
        "count_topic": config.count_topic,
        "state_topic": config.state_topic,
        "stop_prompt_minutes": config.stop_prompt_minutes,
        "active": True,
    }


def _apply_targets(
    plant: PlantFile, shifts: dict[str, Shift], lines: dict[str, Line], changes: Changes
) -> None:
    """Sync default targets (no dates); dated overrides are never touched."""
    wanted: dict[tuple[int, int], Values] = {}
    for config in plant.lines:
        line_id = lines[config.code.lower()].id
        for name, units in config.targets.items():
            wanted[(line_id, shifts[name.lower()].id)] = {"units": units}
    stored = changes.session.scalars(
        select(Target)
        .where(
            Target.line_id.in_([line.id for line in lines.values()]),
            Target.valid_from.is_(None),
            Target.valid_to.is_(None),
        )
        .order_by(Target.id)
    )
    _DefaultTargets(changes, lines, shifts).upsert(stored, wanted)


def _apply_roles(site: Site, plant: PlantFile, lines: dict[str, Line], changes: Changes) -> None:
    """People exist for everyone named; role assignments match the file exactly."""
    wanted: set[RoleKey] = {(user, Role.HEAD, None) for user in plant.site.heads}
    for config in plant.lines:
        line = lines[config.code.lower()]
        wanted.update((user, Role.LEAD, line.id) for user in config.leads)
        wanted.update((user, Role.OPERATOR, line.id) for user in config.operators)
        wanted.update((user, Role.MANAGER, line.id) for user in config.managers)

    users = sorted({user for user, _, _ in wanted})
    people = _People(changes, site).upsert(
        changes.session.scalars(select(Person).where(Person.site_id == site.id)),
        {user: {"slack_user_id": user} for user in users},
    )
    assignments = changes.session.scalars(
        select(RoleAssignment)
        .join(Person, RoleAssignment.person_id == Person.id)
        .where(Person.site_id == site.id)
        .order_by(RoleAssignment.id)
    )
    granted = sorted(wanted, key=lambda k: (k[0], k[1], k[2] or 0))
    _RoleAssignments(changes, people, lines).upsert(assignments, {key: {} for key in granted})


def _apply_calendar(
    site: Site, plant: PlantFile, shifts: dict[str, Shift], lines: dict[str, Line], changes: Changes
) -> None:
    """Calendar entries match the file, keyed by (day, lines, shifts); names as the file spells
    them in its ``[[lines]]`` and ``[[shifts]]``."""
    wanted: dict[CalendarKey, Values] = {}
    for config in plant.calendar:
        line_codes = list(dict.fromkeys(lines[code.lower()].code for code in config.lines))
        shift_names = list(dict.fromkeys(shifts[name.lower()].name for name in config.shifts))
        wanted[_calendar_key(config.day, line_codes, shift_names)] = {
            "day": config.day,
            "reason": config.reason,
            "line_codes": line_codes,
            "shift_names": shift_names,
        }
    stored = changes.session.scalars(
        select(CalendarEntry).where(CalendarEntry.site_id == site.id).order_by(CalendarEntry.id)
    )
    _CalendarEntries(changes, site).upsert(stored, wanted)
