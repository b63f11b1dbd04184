"""Who may report and raise issues: checks over the cached plant snapshot, no queries.

The plant file is the one source of roles. A refusal is a ``NotAllowed`` whose message says who
can do it instead, so the person knows whom to ask. Checks run inside the record functions,
before anything is written, so every way in (slash command, form, "Save anyway") is covered.
"""

from bot.errors import NotAllowed
from bot.plant.snapshot import Grant, LineRef
from bot.records.scope import RequestScope
from models import Role

# Output and delays: the people of the line, and the site's heads.
LINE_REPORTERS = frozenset({Role.LEAD, Role.OPERATOR, Role.MANAGER})
# Named in a refusal as the people to ask.
LINE_CONTACTS = frozenset({Role.LEAD, Role.MANAGER})


def require_line_reporter(scope: RequestScope, line: LineRef, *, user_id: str, what: str) -> None:
    """Refuse unless ``user_id`` leads, operates or manages ``line``, or heads its site."""
    if any(_reports_on(grant, line) for grant in scope.plant.grants_of(user_id)):
        return
    contacts = scope.plant.holders(line.site_id, LINE_CONTACTS, line.id)
    ask = f" Ask {_names(contacts)} to have you added." if contacts else ""
    raise NotAllowed(
        f"Only {line.code}'s leads, operators and managers, and the heads of production of "
        f"{scope.site.name}, can report {what} on {line.code}.{ask}"
    )


def require_issue_raiser(scope: RequestScope, *, user_id: str) -> None:
    """Refuse unless ``user_id`` belongs to the site or typed it in one of its line channels.

    Andon: anyone on the floor may pull the cord, so a line channel is enough; the issue records
    who raised it. A Slack Connect guest never gets this far (see ``bot.slack.workspace``).
    """
    in_line_channel = scope.channel_id is not None and any(
        line.channel_id == scope.channel_id for line in scope.site.lines
    )
    member = any(grant.site_id == scope.site.id for grant in scope.plant.grants_of(user_id))
    if not (in_line_channel or member):
        raise NotAllowed(
            f"Only people of {scope.site.name} can raise an issue from here. Anyone can raise "
            "one by typing `/issue` in the line's channel."
        )


def _reports_on(grant: Grant, line: LineRef) -> bool:
    if grant.site_id != line.site_id:
        return False
    if grant.role is Role.HEAD:
        return grant.line_id is None
    return grant.role in LINE_REPORTERS and grant.line_id == line.id


def _names(user_ids: list[str]) -> str:
    mentions = [f"<@{user_id}>" for user_id in user_ids]  # plant-file ids: nothing to escape
    return mentions[0] if len(mentions) == 1 else ", ".join(mentions[:-1]) + " or " + mentions[-1]
