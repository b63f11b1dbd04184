"""Is Slack reachable? Asked lazily, never at start-up, so prodbot boots while Slack is down.

``/readyz`` asks ``SlackReadiness``: one ``auth.test`` answered within 2 seconds, reused for 30.
The CLI turns a Slack that cannot be reached or refuses the token into one line
(``describe_slack_error``).
"""

import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.settings import Settings

logger = logging.getLogger(__name__)

ANSWER_WITHIN_SECONDS = 2
CHECK_EVERY_SECONDS = 30.0
REFUSED_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked"}
# What a network that does not reach Slack raises, through urllib or a Socket Mode connection.
NETWORK_ERRORS = (
    URLError,
    TimeoutError,
    ConnectionError,
    socket.gaierror,
    http.client.HTTPException,
)


@dataclass(frozen=True)
class SlackStatus:
    ok: bool
    detail: str  # "ok", or what went wrong


class SlackReadiness:
    """The outcome of the last ``auth.test``, asked again once it is ``check_every`` old.
    One request asks at a time; the others wait for its answer (at most ``answer_within``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        answer_within: int = ANSWER_WITHIN_SECONDS,
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        token = settings.require("slack_bot_token")["slack_bot_token"]
        # No retries: a readiness answer must come quickly, and the next check is soon.
        self._client = WebClient(
            token=token, base_url=settings.slack_api_url, timeout=answer_within
        )
        self._check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, SlackStatus] | None = None

    def status(self) -> SlackStatus:
        with self._lock:
            if self._last is None or self._clock() - self._last[0] >= self._check_every:
                self._last = (self._clock(), self._ask())
            return self._last[1]

    def _ask(self) -> SlackStatus:
        try:
            self._client.auth_test()
        except SlackApiError as error:
            code, status = error.response.get("error"), error.response.status_code
            return SlackStatus(
                False, f"HTTP {status}" if status >= 500 or not code else f"refused: {code}"
            )
        except (SlackClientError, *NETWORK_ERRORS) as error:
            logger.warning("readiness: Slack is not reachable: %s", error)
            return SlackStatus(False, "unreachable")
        return SlackStatus(True, "ok")


def connect_when_reachable(
    connect: Callable[[], None],
    stop: threading.Event,
    *,
    first_wait: float = 2.0,
    longest_wait: float = 60.0,
) -> bool:
    """Call ``connect`` (Socket Mode's) until it works (True) or ``stop`` is set (False). While
    Slack cannot be reached, log it and try again, waiting twice as long each time up to
    ``longest_wait``; Slack refusing the token is raised."""
    wait = first_wait
    while not stop.is_set():
        try:
            connect()
        except Exception as error:
            if not is_slack_unreachable(error):
                raise
            logger.warning("cannot reach Slack (%s); trying again in %g s", error, wait)
        else:
            return True
        stop.wait(wait)
        wait = min(wait * 2, longest_wait)
    return False


def is_slack_unreachable(error: BaseException) -> bool:
    """True for an error that says Slack could not be reached (not that it said no)."""
    return isinstance(error, NETWORK_ERRORS) or (
        isinstance(error, SlackClientError) and not isinstance(error, SlackApiError)
    )


def describe_slack_error(error: BaseException, api_url: str) -> str | None:
    """What an operator should do about ``error``, in one line; None when it is not Slack's."""
    if isinstance(error, SlackApiError):
        code, status = error.response.get("error"), error.response.status_code
        if code in REFUSED_TOKEN:
            return (
                f"Slack refused the token ({code}): copy it again from the app's settings at "
                "api.slack.com/apps (see docs/slack-setup.md)"
            )
        if status >= 500 or not code:
            return f"Slack answered HTTP {status}: try again in a few minutes"
        return f"Slack refused the request ({code}): see docs/slack-setup.md"
    if is_slack_unreachable(error):
        reason = getattr(error, "reason", None) or error
        return (
            f"cannot reach Slack at {api_url} ({reason}): check the network, a proxy or "
            "firewall, and SLACK_API_URL"
        )
    return None
