"""App Home: rebuilt from the database each time the user opens the tab (``views.publish``)."""

from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.errors import NotAllowed
from bot.messages.format import local_clock
from bot.messages.home import build_home_view, build_stranger_home_view
from bot.numbers.production import compute_site_status
from bot.plant.people import lines_for_user
from bot.plant.snapshot import PlantCache
from bot.records.scope import LATE_REPORT_WINDOW, request_scope
from bot.slack.client import WebClient
from bot.slack.views import publish_home
from handlers.command_scope import caller_team


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)


def handle_app_home_opened(
    body: dict[str, Any],
    event: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
    plant: PlantCache,
) -> None:
    """The user's lines (or every line for someone who leads none), as ``/prod status`` shows
    them. The Messages tab opens with the same event; it needs no view."""
    if event.get("tab") != "home":
        return
    at = datetime.now(UTC)
    user_id = event["user"]
    with session_scope(db) as session:
        try:
            scope = request_scope(
                session,
                channel_id=None,
                user_id=user_id,
                team_id=caller_team(body),
                at=at,
                plant=plant.get(session),
            )
        except NotAllowed as refused:
            publish_home(client, user_id=user_id, view=build_stranger_home_view(refused.message))
            return
        lines = lines_for_user(session, site=scope.site, user_id=user_id)
        statuses = compute_site_status(
            session,
            site_id=scope.site.id,
            line_ids=[ref.id for ref in lines.own or lines.others],
            at=at,
            late_window=LATE_REPORT_WINDOW,
        )
    view = build_home_view(statuses, own=bool(lines.own), updated=local_clock(at, scope.zone))
    publish_home(client, user_id=user_id, view=view)
