"""Upsert by natural key: the one sequence every kind of row the plant file decides goes through.

``KeyedRows.upsert`` makes the stored rows of one kind match what the file wants: a row whose
key is still wanted is updated in place (only the attributes that differ, so an unchanged file
writes nothing), a new key gets a new row, and a row whose key is gone is retired as its kind
says. Each change adds one line to the change list and one audit record. ``bot.plant.apply``
defines the kinds.
"""

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from models import AuditRecord, CalendarEntry, Line, Person, RoleAssignment, Shift, Site, Target

ACTOR = "plant-file"  # the audit records' actor

Values = dict[str, Any]  # column -> value, as the file wants a row
K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Site | Shift | Line | Target | CalendarEntry | Person | RoleAssignment)


@dataclass
class Changes:
    """The human-readable change list and the audit records behind it."""

    session: Session
    at: datetime
    summaries: list[str] = field(default_factory=list)

    def record(
        self, *, action: str, entity: str, entity_id: int, details: Values, summary: str
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


class KeyedRows(ABC, Generic[K, R]):
    """One kind of row the plant file decides, found by its natural key.

    ``upsert`` is the sequence every kind follows; a subclass says how a row is keyed, made and
    named in the change list, and what becomes of a row whose key left the file.
    """

    entity: str  # what audit records call this kind of row
    add_action = "create"
    remove_action = "delete"

    def __init__(self, changes: Changes) -> None:
        self.changes = changes

    @abstractmethod
    def key(self, row: R) -> K:
        """The row's natural key."""

    @abstractmethod
    def new(self, key: K, values: Values) -> R:
        """A row for a key the file adds."""

    @abstractmethod
    def label(self, row: R) -> str:
        """The row in the change list, e.g. ``shift A``."""

    def added(self, row: R) -> str:
        """The change-list line for a row the file adds."""
        return f"{self.label(row)}: added"

    def context(self, row: R) -> Values:
        """What each audit record of the row names besides the change (e.g. a target's line)."""
        return {}

    def retire(self, row: R) -> None:
        """What becomes of a row whose key left the file: by default nothing, it stays."""

    def upsert(self, stored: Iterable[R], wanted: Mapping[K, Values]) -> dict[K, R]:
        """Make the ``stored`` rows match ``wanted``, key by key in the file's order: the first
        stored row of a key is updated, a key without one gets a new row, then every other
        stored row is retired. Returns the first row of every key, retired ones included."""
        keyed = [(self.key(row), row) for row in stored]
        rows: dict[K, R] = {}
        for key, row in keyed:
            rows.setdefault(key, row)
        for key, values in wanted.items():
            if key in rows:
                self._update(rows[key], values)
            else:
                rows[key] = self._add(self.new(key, values), values)
        for key, row in keyed:
            if key not in wanted or rows[key] is not row:
                self.retire(row)
        return rows

    def _add(self, row: R, values: Values) -> R:
        self.changes.session.add(row)
        self.changes.session.flush()
        self._record(self.add_action, row, {**self.context(row), **values}, self.added(row))
        return row

    def _update(self, row: R, values: Values) -> None:
        """Set only the attributes that differ, so an unchanged file writes nothing."""
        changed: Values = {}
        for name, new in values.items():
            old = getattr(row, name)
            if old != new:
                setattr(row, name, new)
                changed[name] = {"from": old, "to": new}
        if not changed:
            return
        described = ", ".join(
            _describe_change(name, c["from"], c["to"]) for name, c in changed.items()
        )
        details = {**self.context(row), "changed": changed}
        self._record("update", row, details, f"{self.label(row)}: {described}")

    def _delete(self, row: R, details: Values, summary: str) -> None:
        """Delete the row: how kinds whose rows leave with the file retire one."""
        self.changes.session.delete(row)
        self._record(self.remove_action, row, {**self.context(row), **details}, summary)

    def _record(self, action: str, row: R, details: Values, summary: str) -> None:
        """One line in the change list and one audit record about ``row``."""
        self.changes.record(
            action=action, entity=self.entity, entity_id=row.id, details=details, summary=summary
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
