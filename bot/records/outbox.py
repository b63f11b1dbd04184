"""Owing Slack a message: outbox rows written in the caller's unit of work (``models.outbox``).

The row is part of the change that makes the message owed, so the two commit or roll back
together: an issue saved always has its message owed, and a rolled-back report owes nothing.
Sending is ``bot.slack.outbox``'s job. Owing a key that is already owed (sent or not) writes
nothing: jobs that see the same period again, or two schedulers, add no rows, burn no sequence
values and leave no dead rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import OutboxItem, OutboxStatus

# Owed keys are looked up in batches of this many (bound parameters per statement).
KEY_BATCH = 500


@dataclass(frozen=True)
class Owed:
    """A message to owe: its key, what it is, where it goes, and how long it is worth sending."""

    key: str
    kind: str
    keep_for: timedelta
    channel: str | None = None
    ref: str | None = None
    payload: dict[str, Any] | None = None


def owe(session: Session, owed: Owed, *, at: datetime) -> int | None:
    """Owe one message; its row id, or None when ``owed.key`` was owed before."""
    return owe_all(session, [owed], at=at).get(owed.key)


def owe_all(session: Session, owed: Sequence[Owed], *, at: datetime) -> dict[str, int]:
    """Owe every message whose key is new; the row ids of those, by key.

    A key owed concurrently by another transaction (two schedulers seeing the same period) is
    caught by the unique constraint inside a savepoint, so the caller's unit of work goes on.
    """
    known = owed_keys(session, [item.key for item in owed])
    ids: dict[str, int] = {}
    for item in owed:
        if item.key in known or item.key in ids:
            continue
        row = OutboxItem(
            key=item.key,
            kind=item.kind,
            channel=item.channel,
            ref=item.ref,
            payload=item.payload,
            status=OutboxStatus.PENDING,
            attempts=0,
            created_at=at,
            next_attempt_at=at,
            expires_at=at + item.keep_for,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # owed a moment ago by another transaction: it is that one's to send
        ids[item.key] = row.id
    return ids


def owed_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are owed already, whatever their status."""
    found: set[str] = set()
    for start in range(0, len(keys), KEY_BATCH):
        batch = keys[start : start + KEY_BATCH]
        found.update(session.scalars(select(OutboxItem.key).where(OutboxItem.key.in_(batch))))
    return found


def sent_reference(session: Session, key: str) -> str | None:
    """The Slack ts (or file id) of ``key`` once it was sent; None while it is not."""
    return session.scalar(
        select(OutboxItem.message_ts).where(
            OutboxItem.key == key, OutboxItem.status == OutboxStatus.SENT
        )
    )


def outbox_rows(
    session: Session, *, statuses: Sequence[OutboxStatus], limit: int
) -> list[OutboxItem]:
    """Rows in ``statuses``, the next to be tried (or the latest given up) first."""
    return list(
        session.scalars(
            select(OutboxItem)
            .where(OutboxItem.status.in_(statuses))
            .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
            .limit(limit)
        )
    )
