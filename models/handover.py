"""The handover note an outgoing lead leaves for the next shift (``/prod handover``).

A handover belongs to the shift instance it was written in (``shift_id``, ``production_date``)
and is meant for the next shift instance the line is planned on (``next_shift_id``,
``next_production_date``), worked out when it is written. Storing the addressee makes the shift
summary's question ("was the handover this shift was given acknowledged?") one indexed look-up.
``issue_ids`` are the issues open at hand-over time: the message keeps showing those, with their
current status, when it is updated in place.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import Base


class Handover(Base):
    __tablename__ = "handovers"
    __table_args__ = (
        Index("ix_handovers_next_instance", "line_id", "next_shift_id", "next_production_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    production_date: Mapped[date] = mapped_column(Date)
    next_shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    next_production_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    issue_ids: Mapped[list[int]] = mapped_column(JSON, comment="issues open at hand-over time")
    written_by: Mapped[str] = mapped_column(String(32))
    written_at: Mapped[datetime]
    request_key: Mapped[str] = mapped_column(
        String(100), unique=True, comment="Slack trigger_id: a redelivered request writes once"
    )
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None]
