"""``prodbot outbox``: what the bot still owes Slack, and what it gave up on."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from models import OutboxItem


def register(app: typer.Typer) -> None:
    app.command("outbox")(outbox)


def outbox(
    expired: Annotated[
        bool, typer.Option("--expired", help="Also list what was given up unsent.")
    ] = False,
    sent: Annotated[bool, typer.Option("--sent", help="Also list what was sent.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """Messages the bot owes Slack: pending ones with their attempts and last error (times UTC).

    The ``deliveries`` job retries them every minute; an empty list means everything was sent.
    """
    from rich.console import Console
    from rich.table import Table

    from bot.db import engine_for, make_session_factory, session_scope
    from bot.records.outbox import outbox_rows
    from bot.settings import get_settings
    from models import OutboxStatus

    statuses = [OutboxStatus.PENDING]
    if expired:
        statuses.append(OutboxStatus.EXPIRED)
    if sent:
        statuses.append(OutboxStatus.SENT)
    session_factory = make_session_factory(engine_for(get_settings()))
    with session_scope(session_factory) as session:
        rows = outbox_rows(session, statuses=statuses, limit=limit)
    console = Console()
    if not rows:
        console.print("Nothing owed: every message was sent.")
        return
    table = Table("status", "kind", "key", "to", "attempts", "next try", "expires", "last error")
    for row in rows:
        table.add_row(*_cells(row))
    console.print(table)


def _cells(row: OutboxItem) -> list[str]:
    from models import OutboxStatus

    waiting = row.status is OutboxStatus.PENDING
    return [
        "sending" if waiting and row.claimed_by else row.status.value,
        row.kind,
        row.key,
        row.channel or "",
        str(row.attempts),
        _clock(row.next_attempt_at) if waiting else "",
        _clock(row.expires_at),
        (row.last_error or "")[:80],
    ]


def _clock(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"
