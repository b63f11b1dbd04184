"""Where a request lands: the site of its channel's line, or of the person who sent it."""

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
        team_id=caller_team(command),
        at=at,
        plant=plant.get(session),
    )


def caller_team(body: dict[str, Any]) -> str | None:
    """The Slack workspace of the person who sent ``body``.

    Buttons and forms carry it as ``user.team_id`` (in a Slack Connect channel that is the
    guest's own workspace); slash commands and events carry ``team_id``.
    """
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return body.get("team_id")
