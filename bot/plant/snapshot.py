"""The plant's structure (sites, lines, shifts, who belongs where) held in memory per process.

Every slash command needs it before it can write anything; reading it from the database on each
request costs more than recording the entry itself. The snapshot is reloaded when the sum of
the sites' ``plant_version`` changes (``prodbot plant load`` bumps it). The version is read at
most every ``VERSION_CHECK_INTERVAL``, so a plant load reaches every web process within that.
"""

import threading
import time as clock
from dataclasses import dataclass
from datetime import time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Line, Person, Role, RoleAssignment, Shift, Site

VERSION_CHECK_INTERVAL = 2.0  # seconds


@dataclass(frozen=True)
class LineRef:
    id: int
    site_id: int
    code: str
    code_key: str
    name: str
    channel_id: str | None
    unit: str
    ideal_rate: float | None
    counting: str = "operator"  # who counts its good units: "operator", "machine" or "both"


@dataclass(frozen=True)
class ShiftRef:
    """A shift pattern (satisfies ``bot.plant.shifts.ShiftPattern``)."""

    id: int
    name: str
    name_key: str
    start: time
    end: time
    weekdays: tuple[str, ...]
    break_minutes: int


@dataclass(frozen=True)
class SiteRef:
    id: int
    name: str
    zone: ZoneInfo
    slack_team: str | None
    delay_reasons: tuple[str, ...]
    lines: tuple[LineRef, ...]
    shifts: tuple[ShiftRef, ...]


class Grant(NamedTuple):
    """One role a person holds: on a line of a site, or (``line_id`` None) on the whole site."""

    site_id: int
    role: Role
    line_id: int | None


NO_GRANTS: frozenset[Grant] = frozenset()


@dataclass(frozen=True)
class PlantSnapshot:
    version: int
    sites: tuple[SiteRef, ...]
    user_sites: dict[str, int]
    grants: dict[str, frozenset[Grant]]

    def site(self, site_id: int) -> SiteRef:
        return next(site for site in self.sites if site.id == site_id)

    def grants_of(self, user_id: str) -> frozenset[Grant]:
        return self.grants.get(user_id, NO_GRANTS)

    def holders(self, site_id: int, roles: frozenset[Role], line_id: int | None) -> list[str]:
        """Slack user ids holding one of ``roles`` on the line (or site-wide), sorted."""
        return sorted(
            user_id
            for user_id, grants in self.grants.items()
            if any(
                grant.site_id == site_id and grant.role in roles and grant.line_id == line_id
                for grant in grants
            )
        )

    def lines_in_channel(self, channel_id: str) -> list[LineRef]:
        return [line for site in self.sites for line in site.lines if line.channel_id == channel_id]


def _version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Site.plant_version), 0))) or 0)


def load_snapshot(session: Session) -> PlantSnapshot:
    """Active lines and shifts of every site, read in one go."""
    version = _version(session)
    lines: dict[int, list[LineRef]] = {}
    for line in session.scalars(select(Line).where(Line.active).order_by(Line.code)):
        lines.setdefault(line.site_id, []).append(
            LineRef(
                line.id,
                line.site_id,
                line.code,
                line.code_key,
                line.name,
                line.channel_id,
                line.unit,
                line.ideal_rate,
                line.counting,
            )
        )
    shifts: dict[int, list[ShiftRef]] = {}
    for shift in session.scalars(select(Shift).where(Shift.active).order_by(Shift.start)):
        shifts.setdefault(shift.site_id, []).append(
            ShiftRef(
                shift.id,
                shift.name,
                shift.name_key,
                shift.start,
                shift.end,
                tuple(shift.weekdays),
                shift.break_minutes,
            )
        )
    sites = tuple(
        SiteRef(
            site.id,
            site.name,
            ZoneInfo(site.timezone),
            site.slack_team,
            tuple(site.delay_reasons),
            tuple(lines.get(site.id, ())),
            tuple(shifts.get(site.id, ())),
        )
        for site in session.scalars(select(Site).order_by(Site.id))
    )
    user_sites: dict[str, int] = {}
    for user_id, site_id in session.execute(
        select(Person.slack_user_id, Person.site_id).order_by(Person.site_id.desc())
    ):
        user_sites[user_id] = site_id  # the lowest site id wins for people of several sites
    return PlantSnapshot(version, sites, user_sites, _grants(session))


def _grants(session: Session) -> dict[str, frozenset[Grant]]:
    grants: dict[str, set[Grant]] = {}
    rows = session.execute(
        select(
            Person.slack_user_id, Person.site_id, RoleAssignment.role, RoleAssignment.line_id
        ).join(RoleAssignment, RoleAssignment.person_id == Person.id)
    )
    for user_id, site_id, role, line_id in rows:
        grants.setdefault(user_id, set()).add(Grant(site_id, role, line_id))
    return {user_id: frozenset(held) for user_id, held in grants.items()}


class PlantCache:
    """The current snapshot for this process; thread-safe."""

    def __init__(self) -> None:
        self._snapshot: PlantSnapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def get(self, session: Session) -> PlantSnapshot:
        snapshot = self._snapshot
        if snapshot is not None and clock.monotonic() - self._checked_at < VERSION_CHECK_INTERVAL:
            return snapshot
        version = _version(session)
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = load_snapshot(session)
            self._checked_at = clock.monotonic()
            return self._snapshot
