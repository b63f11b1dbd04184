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

from bot.demo.machine import MachineFeed, MachineFeedError
from bot.demo.schedule import Event, JobRun
from bot.demo.signing import SignedSlackRequests, SlackReply
from bot.demo.story import (
    ButtonPress,
    MachinePublishes,
    MessageButtonPress,
    ModalSubmission,
    Narration,
    SlashCommand,
)
from bot.demo.transcript import Transcript
from bot.demo.workspace import DemoSlackAPI, channel_id, user_id, where
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
        machines: MachineFeed,
    ) -> None:
        self.clock = clock
        self.zone = zone
        self.requests = requests
        self.slack = slack
        self.deps = deps
        self.transcript = transcript
        self.machines = machines
        # The last message each person was shown, for the buttons they press next.
        self._shown: dict[str, dict[str, Any]] = {}
        # The last modal the bot opened for each person (with its view id), for the submission,
        # and the ts of the message whose button opened it: the message the submission updates.
        self._modals: dict[str, tuple[dict[str, Any], str]] = {}

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
            case MessageButtonPress():
                self._press_on_message(event)
            case ModalSubmission():
                self._submit(event)
            case MachinePublishes():
                self._machine(event)
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

    def _press_on_message(self, step: MessageButtonPress) -> None:
        """The press as Slack sends it for a channel message: with the message's channel and
        ts, as the fake answered them when the bot posted it."""
        self.transcript.press(step.when, step.user, step.label, on=step.message)
        channel = channel_id(step.channel)
        ts, button = self._message_button(channel, step.label)
        first = len(self.slack.calls)
        reply = self.requests.press(button, user=user_id(step.user), channel=channel, message_ts=ts)
        what = f"[ {step.label} ] on {step.message}"
        self._check(reply, what)
        self._show_bot_calls(step.when, first, step.bot_calls, step.user, what, in_place=ts)
        self._remember_modal(step.user, first, opened_from=ts)

    def _submit(self, step: ModalSubmission) -> None:
        if step.user not in self._modals:
            raise DemoError(f"the bot opened no modal for @{step.user} to submit")
        view, opened_from = self._modals.pop(step.user)
        field = next(
            (
                block
                for block in view.get("blocks", [])
                if block.get("type") == "input" and block["element"]["type"] == "plain_text_input"
            ),
            None,
        )
        if field is None:
            raise DemoError(f"the modal shown to @{step.user} has no text field to type into")
        typed = {"type": "plain_text_input", "value": step.typed}
        label = str((view.get("submit") or {}).get("text", "Submit"))
        self.transcript.submit(step.when, step.user, step.typed, label)
        first = len(self.slack.calls)
        reply = self.requests.submit(
            view,
            {field["block_id"]: {field["element"]["action_id"]: typed}},
            user=user_id(step.user),
        )
        self._check(reply, f"[ {label} ] on the modal")
        if reply.message:
            raise DemoError(f"the modal was not closed: {reply.body[:200]}")
        self._show_bot_calls(
            step.when, first, step.bot_calls, step.user, f"[ {label} ]", in_place=opened_from
        )

    def _machine(self, step: MachinePublishes) -> None:
        """The machine's messages through the machine client; what it redraws, as Slack got it."""
        self.transcript.machine(
            step.when, step.line, step.messages, self.machines.topics(step.line)
        )
        first = len(self.slack.calls)
        try:
            self.machines.publish(step.line, step.messages)
        except MachineFeedError as error:
            raise DemoError(f"{step.when:%a %H:%M} {error}") from None
        self._show_bot_calls(step.when, first, step.bot_calls, None, f"{step.line}'s machine")

    def _run_job(self, run: JobRun) -> None:
        """The job as the scheduler fires it; it posts before it returns."""
        first = len(self.slack.calls)
        JOBS[run.name].run(self._instant(run.when), self.deps)
        self.transcript.job(run.when, run.name, self.slack.calls[first:])

    def _show_bot_calls(
        self,
        when: datetime,
        first: int,
        expected: int,
        user: str | None,
        what: str,
        *,
        in_place: str | None = None,
    ) -> None:
        try:
            self.slack.settle(first + expected)
        except TimeoutError as error:
            raise DemoError(f"{when:%a %H:%M} {what}: {error}") from None
        self.transcript.calls(when, self.slack.calls[first:], user=user, in_place=in_place)

    def _remember_modal(self, user: str, first: int, *, opened_from: str) -> None:
        for call in self.slack.calls[first:]:
            if call.method == "views.open":
                view = {**call.args["view"], "id": call.answer["view"]["id"]}
                self._modals[user] = (view, opened_from)

    def _message_button(self, channel: str, label: str) -> tuple[str, dict[str, Any]]:
        """(ts, button) of the newest message in ``channel`` that shows a button labelled
        ``label``; each message as its latest ``chat.update`` left it."""
        messages: dict[str, dict[str, Any]] = {}
        for call in list(self.slack.calls):
            if call.args.get("channel") != channel or call.args.get("thread_ts"):
                continue
            if call.method == "chat.postMessage" and "ts" in call.answer:
                messages[str(call.answer["ts"])] = call.args
            elif call.method == "chat.update" and str(call.args.get("ts")) in messages:
                messages[str(call.args["ts"])] = call.args
        for ts, message in reversed(messages.items()):
            for button in _buttons(message):
                if button["text"]["text"] == label:
                    return ts, button
        raise DemoError(f"no message in {where(channel)} shows a [ {label} ] button")

    def _button(self, user: str, label: str) -> dict[str, Any]:
        for button in _buttons(self._shown.get(user, {})):
            if button["text"]["text"] == label:
                return button
        raise DemoError(f"@{user} was shown no [ {label} ] button to press")

    @staticmethod
    def _check(reply: SlackReply, what: str) -> None:
        if reply.status != 200:
            raise DemoError(f"{what}: the app answered HTTP {reply.status}: {reply.body[:200]}")


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        dict(element)
        for block in message.get("blocks") or []
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]
