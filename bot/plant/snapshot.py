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
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Line, Person, Shift, Site

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
    delay_reasons: tuple[str, ...]
    lines: tuple[LineRef, ...]
    shifts: tuple[ShiftRef, ...]


@dataclass(frozen=True)
class PlantSnapshot:
    version: int
    sites: tuple[SiteRef, ...]
    user_sites: dict[str, int]

    def site(self, site_id: int) -> SiteRef:
        return next(site for site in self.sites if site.id == site_id)

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
    return PlantSnapshot(version, sites, user_sites)


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
