"""The delivery outbox: everything the bot owes Slack, one row per message, sent once.

A row is written in the same transaction as the change that makes the message owed (an issue
raised, a shift that ended), under a ``key`` that names the message, so it is owed once however
often the change is seen. A sender claims a row for a short lease, sends it, and marks it sent;
what fails waits for ``next_attempt_at``; what is still unsent at ``expires_at`` is given up.

``payload`` is the rendered message for rows whose content is fixed when they are owed (job
posts). Rows without one are rendered from the database when sent (an issue's message shows the
issue as it is then; a ping that no longer applies is dropped).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.enums import OutboxStatus
from models.tables import BIG_ID, Base, _enum


class OutboxItem(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # What the deliveries job scans: only the rows still owed.
        Index(
            "ix_outbox_owed",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), comment="what it is: a job's name, ping, issue…")
    channel: Mapped[str | None] = mapped_column(String(32), comment="channel or user id")
    ref: Mapped[str | None] = mapped_column(String(100), comment="what it is about, e.g. issue:42")
    payload: Mapped[dict[str, Any] | None]
    status: Mapped[OutboxStatus] = mapped_column(
        _enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_ts: Mapped[str | None] = mapped_column(String(32), comment="Slack ts, or a file id")
    last_error: Mapped[str | None] = mapped_column(Text)
