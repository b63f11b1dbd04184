"""Posts and in-place updates made right away, outside the ledger: announcements, confirmations.

Each runs after the change it reports was committed and the person was answered, so a Slack
failure costs the message only. It is logged, and the caller learns of it from the return value.
"""

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block

logger = logging.getLogger(__name__)


def post_now(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[Block] | None = None,
    what: str,
) -> str | None:
    """Post a message; its ts, or None when Slack refused (``what`` names it in the log)."""
    try:
        response = client.chat_postMessage(
            channel=channel, text=text, blocks=_dicts(blocks), unfurl_links=False
        )
    except (SlackApiError, SlackClientError):
        logger.exception("%s not posted", what)
        return None
    return str(response["ts"])


def update_now(
    client: WebClient,
    *,
    channel: str,
    ts: str,
    text: str,
    blocks: list[Block] | None = None,
    what: str,
) -> bool:
    """Redraw a posted message in place; False when Slack refused."""
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=_dicts(blocks))
    except (SlackApiError, SlackClientError):
        logger.exception("%s not updated", what)
        return False
    return True


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


def _dicts(blocks: list[Block] | None) -> list[dict[str, Any]] | None:
    return None if blocks is None else [block.to_dict() for block in blocks]
