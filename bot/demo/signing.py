"""Requests into the app exactly as Slack sends them: form-encoded, timestamped and signed.

The demo goes through the real request path, signature check included, so it signs with the
app's signing secret and the (simulated) clock, as Slack would.
"""

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.demo.fake_slack import TEAM_ID

APP_ID = "A0PRODBOT1"


@dataclass(frozen=True)
class SlackReply:
    """The app's HTTP answer: for a command, the acknowledgement the typist sees."""

    status: int
    body: str

    @property
    def message(self) -> dict[str, Any]:
        """The acknowledgement's message; empty for a bare ``ack()``."""
        if not self.body.strip():
            return {}
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return {"text": self.body}
        return parsed if isinstance(parsed, dict) else {}


class SignedSlackRequests:
    """Slash commands, button presses and modal submissions signed with the app's signing
    secret."""

    def __init__(self, *, url: str, signing_secret: str, response_base: str) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.response_base = response_base
        self._triggers = itertools.count(1)

    def command(self, name: str, text: str, *, user: str, channel: str) -> SlackReply:
        trigger = self._trigger()
        return self._post(
            {
                "token": "demo-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "riverside",
                "channel_id": channel,
                "channel_name": "demo",
                "user_id": user,
                "user_name": user.lower(),
                "command": name,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": f"{self.response_base}response/{trigger}",
                "trigger_id": trigger,
            }
        )

    def press(
        self, button: dict[str, Any], *, user: str, channel: str, message_ts: str | None = None
    ) -> SlackReply:
        """A click on ``button`` (a Block Kit button element) in an ephemeral message, or in the
        channel message ``message_ts`` when given."""
        trigger = self._trigger()
        container: dict[str, Any] = {"type": "message", "is_ephemeral": True}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "riverside"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "demo-verification-token",
            "container": container,
            "trigger_id": trigger,
            "channel": {"id": channel, "name": "demo"},
            "response_url": f"{self.response_base}response/{trigger}",
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": button.get("block_id", "demo"),
                    "text": button["text"],
                    "value": button.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message_ts is not None:
            container.update(message_ts=message_ts, channel_id=channel, is_ephemeral=False)
            payload["message"] = {"type": "message", "ts": message_ts}
        return self._post({"payload": json.dumps(payload)})

    def submit(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str
    ) -> SlackReply:
        """The modal ``view`` (as opened, with the ``id`` Slack gave it) submitted with
        ``values`` as its state: block id → action id → the element's value."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "riverside"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "demo-verification-token",
            "trigger_id": self._trigger(),
            "view": {**view, "team_id": TEAM_ID, "state": {"values": values}},
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return self._post({"payload": json.dumps(payload)})

    def _trigger(self) -> str:
        return f"{next(self._triggers)}.{time.time_ns()}.demo"

    def _post(self, form: dict[str, str]) -> SlackReply:
        body = urlencode(form)
        timestamp = str(int(time.time()))
        signature = self.verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None  # None only without a timestamp or a body
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return SlackReply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return SlackReply(error.code, error.read().decode())
