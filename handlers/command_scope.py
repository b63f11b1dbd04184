"""Where a slash command lands: the site of its channel's line, or of the person who typed it."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.plant.snapshot import PlantCache
from bot.records.scope import RequestScope, request_scope


def command_scope(
    session: Session, plant: PlantCache, command: dict[str, Any], at: datetime
) -> RequestScope:
    """The site and parse context of ``command``, from the process's cached plant."""
    return request_scope(
        session,
        channel_id=command.get("channel_id"),
        user_id=command["user_id"],
        at=at,
        plant=plant.get(session),
    )
