"""One workspace per deployment: requests from any other Slack workspace are refused.

The bot token belongs to one workspace (or, on Enterprise Grid, one organisation). Bolt reads
which with ``auth.test`` on the first request and caches it (``context.authorize_result``); this
middleware compares it with the workspace of the person acting. A Slack Connect guest in a line
channel acts from their own workspace, so they are refused like any stranger. A site may narrow
this further to one workspace of the organisation (``slack_team``, checked in
``bot.records.scope``).
"""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.slack.responses import respond_ephemeral
from handlers.command_scope import caller_team

logger = logging.getLogger(__name__)

FOREIGN_WORKSPACE = (
    "This prodbot serves one Slack workspace, and this request came from another one. "
    "Nothing was done."
)


def register(app: App) -> None:
    app.use(refuse_other_workspaces)


def refuse_other_workspaces(
    context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]
) -> BoltResponse | None:
    ours = context.authorize_result
    if ours is None or body.get("type") in ("url_verification", "ssl_check"):
        return next()
    if ours.enterprise_id:
        same = context.enterprise_id == ours.enterprise_id
    else:
        team = caller_team(body)
        same = (
            not context.enterprise_id
            and context.team_id == ours.team_id
            and (team is None or team == ours.team_id)
        )
    if same:
        return next()
    logger.warning(
        "refused a request from workspace %s / organisation %s (user %s): this deployment "
        "serves %s / %s",
        caller_team(body) or context.team_id,
        context.enterprise_id,
        context.user_id,
        ours.team_id,
        ours.enterprise_id,
    )
    match body.get("type"):
        case "view_submission" | "event_callback":
            return BoltResponse(status=200, body="")  # nobody of ours to answer
        case "block_actions" if context.respond is not None:
            # Slack ignores what a button press's HTTP answer says: answer on its response_url.
            respond_ephemeral(context.respond, text=FOREIGN_WORKSPACE)
            return BoltResponse(status=200, body="")
    return BoltResponse(
        status=200,
        body={"response_type": "ephemeral", "text": FOREIGN_WORKSPACE},
    )
