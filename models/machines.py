"""What machines tell prodbot over MQTT (docs/machines.md), beyond the output rows they add.

Machine counts are ``output_entries`` rows (``source = 'machine'``), one per line and minute,
so every number reads them like a report. ``machine_topics`` keeps, per count topic, what
duplicates and counter resets are judged by. ``machine_stops`` are the stops a state topic
reported: how long, why (from the machine or from the person who answered the prompt), and the
delay entry that records it.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import BIG_ID, Base


class MachineTopic(Base):
    """The last message of a count topic that was counted."""

    __tablename__ = "machine_topics"

    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    last_seq: Mapped[int | None] = mapped_column(
        BigInteger, comment="the highest increment seq counted: a lower or equal one is a repeat"
    )
    last_total: Mapped[int | None] = mapped_column(
        BigInteger, comment="the last absolute good+scrap counter; a lower one is a reset"
    )
    last_scrap_total: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class MachineStop(Base):
    """A stop a line's machine reported; open while ``ended_at`` is NULL."""

    __tablename__ = "machine_stops"
    __table_args__ = (Index("ix_machine_stops_line_started", "line_id", "started_at"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    production_date: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    machine_reason: Mapped[str | None] = mapped_column(
        String(32), comment="the reason code the machine sent, if any"
    )
    reason: Mapped[str | None] = mapped_column(
        String(32), comment="the delay reason: the machine's, or the answer to the prompt"
    )
    answered_by: Mapped[str | None] = mapped_column(String(32))
    delay_entry_id: Mapped[int | None] = mapped_column(
        BIG_ID, ForeignKey("delay_entries.id"), comment="the delay recording the stop's minutes"
    )
    prompted_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
