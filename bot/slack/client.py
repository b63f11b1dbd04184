"""The one place Slack Web API clients are made.

Handlers and jobs name the client's type through this module: only ``bot.slack`` imports
slack_sdk's Web API.
"""

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings

__all__ = ["WebClient", "make_web_client"]


def make_web_client(settings: Settings, *, token: str | None = None) -> WebClient:
    """A client for ``SLACK_API_URL`` that rides out rate limits (honouring ``Retry-After``),
    5xx answers and dropped connections instead of losing the post."""
    if token is None:
        token = settings.require("slack_bot_token")["slack_bot_token"]
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        logger=logging.getLogger("prodbot.slack"),
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
