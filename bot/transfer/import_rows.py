"""One row of a ``prodbot import`` CSV file, checked: the row models and what they check against.

Every cell is checked on its own (types, lengths, instants with a UTC offset) and against the
database: the site by name, its line and shift by code and name, case-insensitively (retired
ones too), its delay and scrap reasons, and dates and instants not in the future. A row is
validated with the ``ImportPlant`` as pydantic's context; ``bot.transfer.importer`` reads the
file and writes the rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plant.shifts import local_date
from models import Line, Shift, Site
from models.schemas import (
    MAX_DELAY_MINUTES,
    MAX_NOTE,
    Name,
    OptionalName,
    OptionalReason,
    Quantity,
    blank_to_none,
)

MAX_VOID_REASON = 200  # String(200)


@dataclass(frozen=True)
class SiteNames:
    """A site's lines or shifts as rows name them."""

    ids: Mapping[str, int]  # lower-cased code or name -> id
    listing: str  # every code or name, for messages


@dataclass(frozen=True)
class SiteRefs:
    id: int
    name: str
    today: date  # the site's local date at the import's clock
    lines: SiteNames
    shifts: SiteNames
    delay_reasons: tuple[str, ...]
    scrap_reasons: tuple[str, ...]


@dataclass(frozen=True)
class ImportPlant:
    """Every site by name, and the import's clock."""

    sites: Mapping[str, SiteRefs]
    at: datetime


def load_plant(session: Session, at: datetime) -> ImportPlant:
    sites: dict[str, SiteRefs] = {}
    for site in session.scalars(select(Site).order_by(Site.name)):
        lines = list(session.scalars(select(Line).where(Line.site_id == site.id)))
        shifts = list(session.scalars(select(Shift).where(Shift.site_id == site.id)))
        sites[site.name] = SiteRefs(
            id=site.id,
            name=site.name,
            today=local_date(at, ZoneInfo(site.timezone)),
            lines=SiteNames(
                {line.code_key: line.id for line in lines},
                ", ".join(sorted(line.code for line in lines)),
            ),
            shifts=SiteNames(
                {shift.name_key: shift.id for shift in shifts},
                ", ".join(sorted(shift.name for shift in shifts)),
            ),
            delay_reasons=tuple(site.delay_reasons),
            scrap_reasons=tuple(site.scrap_reasons),
        )
    return ImportPlant(sites=sites, at=at)


def _plant(info: ValidationInfo) -> ImportPlant:
    if not isinstance(info.context, ImportPlant):
        raise TypeError("rows are validated with the plant as context")
    return info.context


def _site(info: ValidationInfo) -> SiteRefs | None:
    """The row's site, if its ``site`` cell was valid (else that cell already has a problem)."""
    name = info.data.get("site")
    return _plant(info).sites.get(name) if isinstance(name, str) else None


def _instant(value: object) -> object:
    """ISO-8601 with a UTC offset, as export writes it; a naive time would be a guess."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 date and time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (e.g. 2026-03-02T06:15:00+00:00)")
    return parsed.astimezone(UTC)


NonBlank = Annotated[str, StringConstraints(min_length=1)]
Instant = Annotated[datetime, BeforeValidator(_instant)]
OptionalInstant = Annotated[Instant | None, BeforeValidator(blank_to_none)]
# Free text is taken as written, not stripped like names and codes: export wrote it exactly,
# and a leading tab (see bot.transfer.cells) or a trailing space is part of what was reported.
ImportNote = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=False, max_length=MAX_NOTE)] | None,
    BeforeValidator(blank_to_none),
]
VoidReason = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=False, max_length=MAX_VOID_REASON)] | None,
    BeforeValidator(blank_to_none),
]


class ImportRow(BaseModel):
    """The columns entries and delays share. Field order matters: later validators read the
    site and ``voided_at`` from ``info.data``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[int, Field(gt=0)]
    site: NonBlank
    line: NonBlank
    shift: NonBlank
    production_date: date
    note: ImportNote = None
    reported_by: Name
    reported_at: Instant
    voided_at: OptionalInstant = None
    voided_by: OptionalName = None
    void_reason: VoidReason = None

    @field_validator("site")
    @classmethod
    def _known_site(cls, value: str, info: ValidationInfo) -> str:
        sites = _plant(info).sites
        if value not in sites:
            raise ValueError(f"no site {value!r} (sites: {', '.join(sites) or 'none loaded'})")
        return value

    @field_validator("line", "shift")
    @classmethod
    def _known_at_the_site(cls, value: str, info: ValidationInfo) -> str:
        site = _site(info)
        if site is None:
            return value
        kind = info.field_name
        names = site.lines if kind == "line" else site.shifts
        if value.lower() not in names.ids:
            raise ValueError(f"no {kind} {value!r} at {site.name} ({kind}s: {names.listing})")
        return value

    @field_validator("production_date")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        site = _site(info)
        if site is not None and value > site.today:
            raise ValueError(f"{value} is in the future (today at {site.name} is {site.today})")
        return value

    @field_validator("reported_at", "voided_at")
    @classmethod
    def _not_later_than_now(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        at = _plant(info).at
        if value is not None and value > at:
            raise ValueError(f"{value.isoformat()} is in the future (now is {at.isoformat()})")
        return value

    @field_validator("voided_by", "void_reason")
    @classmethod
    def _only_on_voided_rows(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "voided_at" not in info.data:  # voided_at itself is wrong and reported
            return value
        voided = info.data["voided_at"] is not None
        if value is not None and not voided:
            raise ValueError("given, but voided_at is blank: the row is not voided")
        if value is None and voided and info.field_name == "voided_by":
            raise ValueError("blank, but voided_at is set: say who voided the row")
        return value


class EntryRow(ImportRow):
    good: Quantity
    scrap: Quantity
    # Optional: files from before scrap reasons (or other systems) have no such column, and a
    # blank cell is no reason, which the loss model counts as "other".
    scrap_reason: OptionalReason = None

    @field_validator("scrap_reason")
    @classmethod
    def _site_scrap_reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        site = _site(info)
        if value is None:
            return value
        if info.data.get("scrap") == 0:
            raise ValueError("given, but scrap is 0: a reason is for scrapped units")
        if site is not None and value not in site.scrap_reasons:
            raise ValueError(
                f"{value!r} is not a scrap reason at {site.name} "
                f"(scrap reasons: {', '.join(site.scrap_reasons)})"
            )
        return value


class DelayRow(ImportRow):
    minutes: Annotated[int, Field(gt=0, le=MAX_DELAY_MINUTES)]
    reason: Annotated[str, StringConstraints(to_lower=True, min_length=1)]

    @field_validator("reason")
    @classmethod
    def _site_reason(cls, value: str, info: ValidationInfo) -> str:
        site = _site(info)
        if site is not None and value not in site.delay_reasons:
            raise ValueError(
                f"{value!r} is not a delay reason at {site.name} "
                f"(reasons: {', '.join(site.delay_reasons)})"
            )
        return value
