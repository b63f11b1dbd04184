"""The data model as SQLAlchemy 2 typed tables: the plant, what people report, issues, posts.

Every instant is a timezone-aware ``datetime`` stored in UTC. A shift instance is identified by
(line or site, shift, production date), where the production date is the local date on which the
shift started. Nothing is deleted: entries are voided, issues change status, and the audit trail
records every change.
"""

import enum
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.enums import IssueCategory, IssueStatus, Role, Severity

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids of tables that grow with every report (entries, delays, issue events, the audit trail, the
# outbox) are 64-bit: a plant group writes millions of rows a day. SQLite gives a rowid-backed
# key only to a column declared INTEGER PRIMARY KEY, which is 64-bit there anyway.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored in UTC.

    PostgreSQL keeps the zone; SQLite does not, so values read back are marked UTC here and
    naive values are refused on the way in rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums stored as values in a VARCHAR with a CHECK: the same on SQLite and PostgreSQL."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    slack_team: Mapped[str | None] = mapped_column(
        String(32), comment="the Slack workspace (team id) whose people may act on this site"
    )
    digest_channel: Mapped[str | None] = mapped_column(String(32))
    digest_time: Mapped[time] = mapped_column(Time, default=time(7, 0))
    delay_reasons: Mapped[list[str]]
    alert_settings: Mapped[dict[str, Any]]
    plant_version: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default="0",
        comment="bumped by every plant change, so caches know to reload",
    )
    live_since: Mapped[datetime | None] = mapped_column(
        comment="the plant load that created the site; NULL: live since before it was recorded"
    )
    live_from: Mapped[date | None] = mapped_column(
        Date, comment="the plant file's live_from: live from local midnight of this date"
    )
    currency: Mapped[str | None] = mapped_column(
        String(3), comment="ISO 4217 code money is shown in; NULL: a bare amount"
    )
    scrap_reasons: Mapped[list[str]] = mapped_column(
        comment="the reasons /output may give scrap; 'startup' is startup scrap"
    )
    loss_categories: Mapped[dict[str, Any]] = mapped_column(
        comment="delay reason -> loss category, every reason of the site present"
    )
    monthly_loss_budget: Mapped[Decimal | None] = mapped_column(
        Numeric(14, 2), comment="cost of losses the site may spend a month; NULL: no budget"
    )

    lines: Mapped[list["Line"]] = relationship(back_populates="site", order_by="Line.code")
    shifts: Mapped[list["Shift"]] = relationship(back_populates="site", order_by="Shift.start")


class Line(Base):
    __tablename__ = "lines"
    __table_args__ = (UniqueConstraint("site_id", "code_key", name="uq_lines_site_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    code_key: Mapped[str] = mapped_column(String(32), comment="lower-cased code, for lookups")
    name: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    unit: Mapped[str] = mapped_column(String(32), default="units")
    ideal_rate: Mapped[float | None]
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    downtime_cost_per_hour: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    live_since: Mapped[datetime | None] = mapped_column(
        comment="the plant load that added the line (a re-activated line keeps it)"
    )
    counting: Mapped[str] = mapped_column(
        String(10),
        default="operator",
        server_default="operator",
        comment="who counts output: operator, machine (over MQTT) or both",
    )
    count_topic: Mapped[str | None] = mapped_column(String(200))
    state_topic: Mapped[str | None] = mapped_column(String(200))
    stop_prompt_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")

    site: Mapped[Site] = relationship(back_populates="lines")


class Shift(Base):
    """A shift pattern; ``end`` before ``start`` means it crosses midnight."""

    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("site_id", "name_key", name="uq_shifts_site_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    name_key: Mapped[str] = mapped_column(String(32))
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    weekdays: Mapped[list[str]] = mapped_column(comment="mon..sun the shift starts on")
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(back_populates="shifts")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("site_id", "slack_user_id", name="uq_people_site_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)


class RoleAssignment(Base):
    """A person's role: lead, operator or manager of one line, or head of the whole site (no
    line)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "line_id", name="uq_role_assignments_person_role"),
        # NULLs are distinct in a unique constraint, so site-wide roles need their own index.
        Index(
            "uq_role_assignments_site_wide",
            "person_id",
            "role",
            unique=True,
            sqlite_where=text("line_id IS NULL"),
            postgresql_where=text("line_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), index=True)

    person: Mapped[Person] = relationship()


class Target(Base):
    """Units planned for (line, shift). Without dates it is the plant file's default; with a
    date range it is an override set with ``/prod target`` and wins over the default."""

    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_line_shift", "line_id", "shift_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    units: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    set_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


class CalendarEntry(Base):
    """No production planned: a holiday or planned stop for the site or some lines/shifts."""

    __tablename__ = "calendar_entries"
    __table_args__ = (Index("ix_calendar_entries_site_day", "site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    line_codes: Mapped[list[str]] = mapped_column(comment="empty = the whole site")
    shift_names: Mapped[list[str]] = mapped_column(comment="empty = all shifts")


class ReportedEntry:
    """Columns every shift-floor report has: where, when, by whom, and its void marks."""

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    production_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(32))
    reported_at: Mapped[datetime]
    request_key: Mapped[str | None] = mapped_column(
        String(100), unique=True, comment="Slack trigger_id: a redelivered request writes once"
    )
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[str | None] = mapped_column(String(32))
    void_reason: Mapped[str | None] = mapped_column(String(200))
    void_request_key: Mapped[str | None] = mapped_column(
        String(100), unique=True, comment="Slack trigger_id of the undo: a redelivery voids once"
    )


class OutputEntry(ReportedEntry, Base):
    __tablename__ = "output_entries"
    __table_args__ = (
        Index("ix_output_entries_line_date", "line_id", "production_date"),
        Index("ix_output_entries_date", "production_date"),  # exports of every site
        Index("ix_output_entries_reporter", "reported_by", "reported_at"),
        CheckConstraint("good >= 0 AND scrap >= 0", name="non_negative"),
    )

    good: Mapped[int] = mapped_column(Integer)
    scrap: Mapped[int] = mapped_column(Integer, default=0)
    scrap_reason: Mapped[str | None] = mapped_column(
        String(32), comment="one of the site's scrap reasons; NULL counts as other"
    )
    source: Mapped[str] = mapped_column(
        String(10),
        default="operator",
        server_default="operator",
        comment="operator (a report) or machine (one row per line and minute, over MQTT)",
    )
    counted: Mapped[bool] = mapped_column(
        Boolean,
        default=True,
        server_default=text("true"),
        comment="false: an operator's count kept beside the machine's (counting = both)",
    )


class DelayEntry(ReportedEntry, Base):
    __tablename__ = "delay_entries"
    __table_args__ = (
        Index("ix_delay_entries_line_date", "line_id", "production_date"),
        Index("ix_delay_entries_date", "production_date"),  # exports of every site
        Index("ix_delay_entries_reporter", "reported_by", "reported_at"),
        CheckConstraint("minutes > 0", name="positive_minutes"),
    )

    minutes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (
        Index("ix_issues_line_date", "line_id", "production_date"),
        Index("ix_issues_date", "production_date"),  # exports of every site
        Index("ix_issues_status", "status"),
        # The few issues not resolved among every one ever raised: what escalations and the
        # reviews read. Its statuses are those of ``bot.numbers.issues.unresolved``.
        Index(
            "ix_issues_unresolved",
            "line_id",
            sqlite_where=text("status IN ('open', 'acknowledged')"),
            postgresql_where=text("status IN ('open', 'acknowledged')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    production_date: Mapped[date] = mapped_column(Date)
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "severity"))
    category: Mapped[IssueCategory | None] = mapped_column(_enum(IssueCategory, "issue_category"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[IssueStatus] = mapped_column(
        _enum(IssueStatus, "issue_status"), default=IssueStatus.OPEN
    )
    raised_by: Mapped[str] = mapped_column(String(32))
    raised_at: Mapped[datetime]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))

    events: Mapped[list["IssueEvent"]] = relationship(order_by="IssueEvent.at")


class IssueEvent(Base):
    """One status change of an issue: who moved it where, and when."""

    __tablename__ = "issue_events"
    # The morning review reads what happened to issues since the last one.
    __table_args__ = (Index("ix_issue_events_at", "at"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    status: Mapped[IssueStatus] = mapped_column(_enum(IssueStatus, "issue_status"))
    by: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class AuditRecord(Base):
    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64), comment="Slack user id, or 'plant-file'")
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BIG_ID)
    details: Mapped[dict[str, Any]]


class ShiftBoard(Base):
    """The live board message of one line's shift instance in the line channel.

    The row is claimed (inserted without ``message_ts``) before the board is posted, so two
    entries arriving at once post one board between them.
    """

    __tablename__ = "shift_boards"
    __table_args__ = (
        UniqueConstraint("line_id", "shift_id", "production_date", name="uq_shift_boards_instance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    production_date: Mapped[date] = mapped_column(Date)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime]
