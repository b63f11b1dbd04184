"""Requests into the app exactly as Slack sends them: form-encoded, signed, timestamped."""

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import TEAM_ID

_triggers = itertools.count(1)


@dataclass
class SlackReply:
    status: int
    body: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return str(self.json.get("text", ""))


class SlackSender:
    def __init__(self, *, url: str, signing_secret: str, response_base: str) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.response_base = response_base

    def command(
        self,
        name: str,
        text: str = "",
        *,
        user: str = "U0LEAD0001",
        channel: str = "C0LINE0001",
        trigger_id: str | None = None,
    ) -> SlackReply:
        trigger = trigger_id or f"{next(_triggers)}.{time.time_ns()}.trigger"
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "factory",
            "channel_id": channel,
            "channel_name": "line",
            "user_id": user,
            "user_name": user.lower(),
            "command": name,
            "text": text,
            "api_app_id": "A0PRODBOT1",
            "is_enterprise_install": "false",
            "response_url": f"{self.response_base}response/{trigger}",
            "trigger_id": trigger,
        }
        return self.post(urlencode(form))

    def action(
        self, action_id: str, value: str, *, user: str = "U0LEAD0001", channel: str = "C0LINE0001"
    ) -> SlackReply:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "factory"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0PRODBOT1",
            "token": "legacy-verification-token",
            "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": f"{next(_triggers)}.{time.time_ns()}.trigger",
            "channel": {"id": channel, "name": "line"},
            "response_url": f"{self.response_base}response/action",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def post(
        self, body: str, *, timestamp: int | None = None, signature: str | None = None
    ) -> SlackReply:
        timestamp = timestamp if timestamp is not None else int(time.time())
        signature = signature or SignatureVerifier(self.signing_secret).generate_signature(
            timestamp=str(timestamp), body=body
        )
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": signature,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return SlackReply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return SlackReply(error.code, error.read().decode())
