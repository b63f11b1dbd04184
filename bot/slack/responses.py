"""Answers through a request's ``response_url`` (Bolt's ``respond``), after the 3-second ack.

A response URL expires (30 minutes, 5 uses); an answer that cannot be delivered is logged, never
raised into the listener whose work is already done.
"""

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import Block

logger = logging.getLogger(__name__)


def respond_ephemeral(
    respond: Respond,
    *,
    text: str,
    blocks: list[Block] | list[dict[str, Any]] | None = None,
    replace_original: bool = False,
) -> None:
    """Only the person who acted sees ``text``; ``replace_original`` swaps the message they
    pressed a button on."""
    try:
        respond(
            text=text,
            blocks=blocks,
            response_type="ephemeral",
            replace_original=replace_original,
        )
    except (SlackClientError, OSError):
        logger.exception("answer through response_url not delivered")


def delete_original(respond: Respond) -> None:
    """Remove the ephemeral message whose button was pressed."""
    try:
        respond(delete_original=True)
    except (SlackClientError, OSError):
        logger.exception("ephemeral message not deleted through response_url")
