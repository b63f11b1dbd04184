"""What a request does in Slack once its change is committed: owed messages sent, confirmations.

The change and the messages it owes (``bot.records.outbox``) are committed together before the
person is answered; what follows is best effort. A failure there (Slack, the network, or the
database dropping right after the commit) is logged, never raised into the listener: the error
handler would tell the person "nothing was saved" about something that was. What stays owed is
sent by the ``deliveries`` job.
"""

import logging
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.outbox import Outbox

logger = logging.getLogger(__name__)


def after_commit(what: str, *steps: Callable[[], object]) -> None:
    """Run each step of the Slack work that follows a committed change; a step that fails is
    logged (``what`` names the change) and the next one still runs."""
    for step in steps:
        try:
            step()
        except Exception:
            logger.exception("%s is saved, but the Slack work after it failed", what)


def deliver_after_commit(outbox: Outbox, ids: Sequence[int], *, what: str) -> None:
    """Send the outbox rows a committed change owes now (the fast path); whatever fails stays
    owed for the ``deliveries`` job."""
    if ids:
        after_commit(what, lambda: outbox.deliver(ids))


def tell_user(client: WebClient, *, channel_id: str | None, user_id: str, text: str) -> None:
    """Only ``user_id`` sees ``text``: ephemeral in the channel, or a DM where that is refused
    (the bot is not in the channel, or there is no channel)."""
    try:
        if channel_id:
            try:
                client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
                return
            except SlackApiError:
                logger.info("ephemeral refused in %s, telling %s by DM", channel_id, user_id)
        client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, SlackClientError):
        logger.exception("message for %s not delivered", user_id)
