"""Requests into the app exactly as Slack sends them: form-encoded, timestamped and signed.

This is the one Slack request signer of the project. The demo goes through the real request
path, signature check included, so it signs with the app's signing secret and the (simulated)
clock, as Slack would; the tests (``tests/slack_requests.py``) and the ack benchmark
(``benchmarks/ack_throughput.py``) build and sign their requests here too.

- :class:`SlackSigner` signs a body: Slack's ``v0`` HMAC-SHA256 of the timestamp and the body.
- :class:`SlackRequestBuilder` builds the bodies Slack sends (slash commands, button presses,
  modal submissions, events) and signs them, without sending anything.
- :class:`SignedSlackRequests` sends them to the app over HTTP and returns its answer.
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
# What Slack sends along about the workspace; the app reads none of it.
TEAM_DOMAIN = "riverside"
CHANNEL_NAME = "demo"
VERIFICATION_TOKEN = "demo-verification-token"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Workspace:
    """Where a request comes from: the workspace it was sent in, its Enterprise Grid
    organisation, and the acting person's own workspace (another one for a Slack Connect
    guest)."""

    team_id: str = TEAM_ID
    enterprise_id: str | None = None
    user_team_id: str | None = None

    @property
    def actor_team_id(self) -> str:
        return self.user_team_id or self.team_id


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

    @property
    def json(self) -> dict[str, Any]:
        """The body as JSON; fails when it is none."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def text(self) -> str:
        """The ``text`` of a JSON answer; fails when the body is no JSON."""
        return str(self.json.get("text", ""))


@dataclass(frozen=True)
class SignedRequest:
    """A request body with the headers Slack sends it with."""

    body: bytes
    headers: dict[str, str]


class SlackSigner:
    """Slack's ``v0`` request signature, keyed with the app's signing secret."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def signature(self, body: str, timestamp: int) -> str:
        """``v0=`` and the HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
        signature = self._verifier.generate_signature(timestamp=str(timestamp), body=body)
        if signature is None:  # only without a timestamp
            raise ValueError("slack_sdk did not sign the request")
        return signature

    def sign(
        self,
        body: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        content_type: str = FORM,
    ) -> SignedRequest:
        """``body`` with Slack's headers, signed now or at ``timestamp``; a ``signature`` given
        is sent instead of the right one (to forge a request)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature or self.signature(body, timestamp),
        }
        return SignedRequest(body.encode(), headers)


class SlackRequestBuilder:
    """Slash commands, button presses, modal submissions and events, built and signed as Slack
    does.

    Response URLs point at ``response_base`` (the fake Slack); every ``trigger_id`` is new and
    ends in ``.{trigger_tag}``.
    """

    def __init__(
        self, *, signing_secret: str, response_base: str, trigger_tag: str = "demo"
    ) -> None:
        self.signer = SlackSigner(signing_secret)
        self.response_base = response_base
        self.trigger_tag = trigger_tag
        self.workspace = Workspace()
        self._triggers = itertools.count(1)

    def command(
        self, name: str, text: str, *, user: str, channel: str, trigger_id: str | None = None
    ) -> SignedRequest:
        """``/name text`` typed by ``user`` in ``channel``."""
        trigger = trigger_id or self._trigger()
        form = {
            "token": VERIFICATION_TOKEN,
            # A slash command carries the typist's own workspace.
            "team_id": self.workspace.actor_team_id,
            "team_domain": TEAM_DOMAIN,
            **self._enterprise(),
            "channel_id": channel,
            "channel_name": CHANNEL_NAME,
            "user_id": user,
            "user_name": user.lower(),
            "command": name,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": f"{self.response_base}response/{trigger}",
            "trigger_id": trigger,
        }
        return self.signer.sign(urlencode(form))

    def press(
        self, button: dict[str, Any], *, user: str, channel: str, message_ts: str | None = None
    ) -> SignedRequest:
        """A click on ``button`` (a Block Kit button element: ``action_id``, ``value``, ``text``)
        in an ephemeral message, or in the channel message ``message_ts`` when given."""
        payload = self._interaction("block_actions", user)
        trigger = payload["trigger_id"]
        container: dict[str, Any] = {"type": "message", "is_ephemeral": True}
        if message_ts is not None:
            container.update(message_ts=message_ts, channel_id=channel, is_ephemeral=False)
            payload["message"] = {"type": "message", "ts": message_ts}
        payload.update(
            container=container,
            channel={"id": channel, "name": CHANNEL_NAME},
            response_url=f"{self.response_base}response/{trigger}",
            actions=[
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": button.get("block_id", "demo"),
                    "text": button.get("text", {"type": "plain_text", "text": button["action_id"]}),
                    "value": button.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        )
        return self._signed_payload(payload)

    def submit(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str
    ) -> SignedRequest:
        """The modal ``view`` (as opened, with the ``id`` Slack gave it) submitted with
        ``values`` as its state: block id → action id → the element's value."""
        payload = self._interaction("view_submission", user)
        payload.update(
            view={**view, "team_id": self.workspace.team_id, "state": {"values": values}},
            response_urls=[],
            is_enterprise_install=False,
        )
        return self._signed_payload(payload)

    def event(self, event: dict[str, Any]) -> SignedRequest:
        """The Events API delivery of ``event`` (say, an ``app_home_opened``): a JSON body."""
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.workspace.team_id,
            **self._enterprise(),
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "event": {**event, "event_ts": f"{time.time():.6f}"},
        }
        return self.signer.sign(json.dumps(envelope), content_type="application/json")

    def _interaction(self, kind: str, user: str) -> dict[str, Any]:
        """What every interaction payload starts with."""
        return {
            "type": kind,
            "team": {"id": self.workspace.team_id, "domain": TEAM_DOMAIN},
            "user": {"id": user, "team_id": self.workspace.actor_team_id},
            **(
                {"enterprise": {"id": self.workspace.enterprise_id}}
                if self.workspace.enterprise_id
                else {}
            ),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self._trigger(),
        }

    def _enterprise(self) -> dict[str, str]:
        enterprise = self.workspace.enterprise_id
        return {"enterprise_id": enterprise} if enterprise else {}

    def _signed_payload(self, payload: dict[str, Any]) -> SignedRequest:
        return self.signer.sign(urlencode({"payload": json.dumps(payload)}))

    def _trigger(self) -> str:
        return f"{next(self._triggers)}.{time.time_ns()}.{self.trigger_tag}"


class SignedSlackRequests:
    """The requests of :class:`SlackRequestBuilder` sent to the app at ``url``."""

    def __init__(
        self, *, url: str, signing_secret: str, response_base: str, trigger_tag: str = "demo"
    ) -> None:
        self.url = url
        self.build = SlackRequestBuilder(
            signing_secret=signing_secret, response_base=response_base, trigger_tag=trigger_tag
        )

    def command(
        self, name: str, text: str, *, user: str, channel: str, trigger_id: str | None = None
    ) -> SlackReply:
        request = self.build.command(name, text, user=user, channel=channel, trigger_id=trigger_id)
        return self.send(request)

    def press(
        self, button: dict[str, Any], *, user: str, channel: str, message_ts: str | None = None
    ) -> SlackReply:
        request = self.build.press(button, user=user, channel=channel, message_ts=message_ts)
        return self.send(request)

    def submit(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str
    ) -> SlackReply:
        return self.send(self.build.submit(view, values, user=user))

    def post(
        self, body: str, *, timestamp: int | None = None, signature: str | None = None
    ) -> SlackReply:
        """Any ``body`` (a form, or an Events API JSON), signed as :meth:`SlackSigner.sign` does."""
        return self.send(self.build.signer.sign(body, timestamp=timestamp, signature=signature))

    def send(self, request: SignedRequest) -> SlackReply:
        http_request = urllib.request.Request(
            self.url, data=request.body, method="POST", headers=request.headers
        )
        try:
            with urllib.request.urlopen(http_request, timeout=10) as response:
                return SlackReply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return SlackReply(error.code, error.read().decode())
