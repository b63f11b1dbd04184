"""Requests into the app exactly as Slack sends them, for the tests.

They are signed and built by the package's one Slack request signer (``bot.demo.signing``);
here they only get the tests' defaults: sent by L1's lead in L1's channel, with the tests'
signing secret.
"""

from typing import Any

from bot.demo.signing import SignedSlackRequests, SlackReply

__all__ = ["LEAD", "LINE_CHANNEL", "SIGNING_SECRET", "SlackReply", "SlackSender", "sender_to"]

SIGNING_SECRET = "test-signing-secret"
LEAD = "U0LEAD0001"
LINE_CHANNEL = "C0LINE0001"


class SlackSender(SignedSlackRequests):
    """Signed commands, button presses and modal submissions, from L1's lead unless told."""

    def command(
        self,
        name: str,
        text: str = "",
        *,
        user: str = LEAD,
        channel: str = LINE_CHANNEL,
        trigger_id: str | None = None,
    ) -> SlackReply:
        return super().command(name, text, user=user, channel=channel, trigger_id=trigger_id)

    def action(
        self, action_id: str, value: str, *, user: str = LEAD, channel: str = LINE_CHANNEL
    ) -> SlackReply:
        """A press on the button ``action_id`` carrying ``value`` in an ephemeral message."""
        return self.press({"action_id": action_id, "value": value}, user=user, channel=channel)

    def submit(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = LEAD
    ) -> SlackReply:
        return super().submit(view, values, user=user)


def sender_to(port: int, *, response_base: str) -> SlackSender:
    """Signed requests to the app serving Slack's events on ``port`` of this machine."""
    return SlackSender(
        url=f"http://127.0.0.1:{port}/slack/events",
        signing_secret=SIGNING_SECRET,
        response_base=response_base,
        trigger_tag="trigger",
    )
