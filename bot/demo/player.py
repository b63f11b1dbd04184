"""Playing the story on a simulated clock: each step at its instant, through the real request
path (signed HTTP into the WSGI app) and the real jobs.

The clock is ``time_machine``'s: the app's handlers read ``datetime.now`` and Bolt checks each
request's signature timestamp against ``time.time``, so both must agree with the story. It
ticks on from each instant, because Bolt waits for the acknowledgement in real time.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from bot.demo.schedule import Event, JobRun
from bot.demo.signing import SignedSlackRequests, SlackReply
from bot.demo.story import ButtonPress, Narration, SlashCommand
from bot.demo.transcript import Transcript
from bot.demo.workspace import DemoSlackAPI, channel_id, user_id
from jobs.base import JobDeps
from jobs.registry import JOBS


class DemoError(Exception):
    """The app did not behave as the story expects; the message says where."""


class Player:
    def __init__(
        self,
        *,
        clock: time_machine.Traveller,
        zone: ZoneInfo,
        requests: SignedSlackRequests,
        slack: DemoSlackAPI,
        deps: JobDeps,
        transcript: Transcript,
    ) -> None:
        self.clock = clock
        self.zone = zone
        self.requests = requests
        self.slack = slack
        self.deps = deps
        self.transcript = transcript
        # The last message each person was shown, for the buttons they press next.
        self._shown: dict[str, dict[str, Any]] = {}

    def _instant(self, when: datetime) -> datetime:
        """A story time (the plant's wall clock) as a UTC instant."""
        return when.replace(tzinfo=self.zone).astimezone(UTC)

    def play(self, event: Event) -> None:
        self.clock.move_to(self._instant(event.when).timestamp())
        match event:
            case Narration():
                self.transcript.narration(event.when, event.text)
            case SlashCommand():
                self._command(event)
            case ButtonPress():
                self._press(event)
            case JobRun():
                self._run_job(event)

    def _command(self, step: SlashCommand) -> None:
        self.transcript.command(step.when, step.user, step.channel, step.typed)
        first = len(self.slack.calls)
        reply = self.requests.command(
            step.name, step.text, user=user_id(step.user), channel=channel_id(step.channel)
        )
        self._check(reply, step.typed)
        self._shown[step.user] = reply.message
        self.transcript.reply(step.when, step.user, reply.message)
        self._show_bot_calls(step.when, first, step.bot_calls, step.user, step.typed)

    def _press(self, step: ButtonPress) -> None:
        self.transcript.press(step.when, step.user, step.label)
        first = len(self.slack.calls)
        reply = self.requests.press(
            self._button(step.user, step.label),
            user=user_id(step.user),
            channel=channel_id(step.channel),
        )
        self._check(reply, f"[ {step.label} ]")
        self._show_bot_calls(step.when, first, step.bot_calls, step.user, f"[ {step.label} ]")

    def _run_job(self, run: JobRun) -> None:
        """The job as the scheduler fires it; it posts before it returns."""
        first = len(self.slack.calls)
        JOBS[run.name].run(self._instant(run.when), self.deps)
        self.transcript.job(run.when, run.name, self.slack.calls[first:])

    def _show_bot_calls(
        self, when: datetime, first: int, expected: int, user: str, what: str
    ) -> None:
        try:
            self.slack.settle(first + expected)
        except TimeoutError as error:
            raise DemoError(f"{when:%a %H:%M} {what}: {error}") from None
        self.transcript.calls(when, self.slack.calls[first:], user=user)

    def _button(self, user: str, label: str) -> dict[str, Any]:
        for block in self._shown.get(user, {}).get("blocks", []):
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["text"]["text"] == label:
                    return dict(element)
        raise DemoError(f"@{user} was shown no [ {label} ] button to press")

    @staticmethod
    def _check(reply: SlackReply, what: str) -> None:
        if reply.status != 200:
            raise DemoError(f"{what}: the app answered HTTP {reply.status}: {reply.body[:200]}")
