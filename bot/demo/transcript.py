"""The demo's transcript: what people type and everything the bot shows them, in simulated local
time, on the terminal and as files.

New messages are drawn as panels; board updates and thread lines, which make up most of the
traffic, get one line each so a day's story stays readable. Every message is also written to
the output folder as the JSON the bot sent.
"""

from collections import Counter
from datetime import date, datetime
from typing import Any

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bot.demo import fake_slack
from bot.demo.fake_slack import Call
from bot.demo.output import OutputFolder
from bot.demo.render import mrkdwn, render_message, render_view
from bot.demo.story import MachineCount, MachineState
from bot.demo.workspace import CHANNELS, DemoSlackAPI, name_of, slug, where
from bot.messages.format import plural

# Calls that only set something up; nobody sees them.
BEHIND_THE_SCENES = {"auth.test", "conversations.open", "files.getUploadURLExternal"}
CLOCK_WIDTH = 7
PANEL_WIDTH = 92


class Transcript:
    def __init__(self, console: Console, folder: OutputFolder, slack: DemoSlackAPI) -> None:
        self.console = console
        self.folder = folder
        self.slack = slack
        self.counts: Counter[str] = Counter()
        self._day: date | None = None

    def narration(self, when: datetime, text: str) -> None:
        self._clock(when)
        self.console.print()
        self._row("", Text(text, style="italic green"))

    def command(self, when: datetime, user: str, channel: str, typed: str) -> None:
        self._clock(when)
        self._row(
            f"{when:%H:%M}",
            Text.assemble((f"@{user}", "bold"), f" in #{channel}: ", (typed, "bold cyan")),
        )

    def press(self, when: datetime, user: str, label: str, *, on: str | None = None) -> None:
        """``on``: the channel message the button is on; without it, the last private reply."""
        self._clock(when)
        self._row(
            f"{when:%H:%M}",
            Text.assemble(
                (f"@{user}", "bold"),
                " presses ",
                (f"[ {label} ]", "bold"),
                f" on {on}" if on else "",
            ),
        )

    def submit(self, when: datetime, user: str, typed: str, label: str) -> None:
        self._clock(when)
        self._row(
            f"{when:%H:%M}",
            Text.assemble(
                (f"@{user}", "bold"),
                " types ",
                (f"“{typed}”", "cyan"),
                " and presses ",
                (f"[ {label} ]", "bold"),
            ),
        )

    def machine(
        self,
        when: datetime,
        line: str,
        messages: tuple[MachineCount | MachineState, ...],
        topics: tuple[str | None, str | None],
    ) -> None:
        """What a line's machine published since the story's last step: its counts added up,
        its states one by one."""
        self._clock(when)
        count_topic, state_topic = topics
        said = []
        if counts := [message for message in messages if isinstance(message, MachineCount)]:
            span = f"{counts[0].at:%H:%M}" + (f"–{counts[-1].at:%H:%M}" if counts[1:] else "")
            seqs = f"{counts[0].seq}" + (f"–{counts[-1].seq}" if counts[1:] else "")
            good, scrap = sum(c.good for c in counts), sum(c.scrap for c in counts)
            made = f"+{good} good" + (f", {scrap} scrap" if scrap else "")
            said.append(
                f"{plural(len(counts), 'count')} on {count_topic} ({span}, seq {seqs}): {made}"
            )
        said += [
            f"“{message.state}” at {message.at:%H:%M} on {state_topic}"
            for message in messages
            if isinstance(message, MachineState)
        ]
        self._row(
            f"{when:%H:%M}",
            Text.assemble((f"📡 {line}'s machine", "bold"), " publishes ", "; ".join(said)),
        )

    def reply(self, when: datetime, user: str, message: dict[str, Any]) -> None:
        """The acknowledgement a command got: shown to the person who typed it only."""
        if not message:
            return
        self.folder.write_message("ack", f"to-{user}", message)
        self.counts["private replies"] += 1
        self._private(when, user, message)

    def job(self, when: datetime, name: str, calls: list[Call]) -> None:
        if not any(call.method not in BEHIND_THE_SCENES for call in calls):
            return
        self._clock(when)
        self._row(f"{when:%H:%M}", Text(f"⚙ job {name}", style="bold"))
        self.calls(when, sorted(calls, key=_by_channel), user=None)

    def calls(
        self, when: datetime, calls: list[Call], *, user: str | None, in_place: str | None = None
    ) -> None:
        """What the bot sent to Slack's Web API; ``user`` is whose request caused it.

        Updates in place get one line each, except the update of ``in_place`` (the ts of the
        message whose button was pressed), which is what the person pressing sees change: it
        is shown whole.
        """
        for call in calls:
            if call.method not in BEHIND_THE_SCENES:
                self._show(when, call, user, in_place)

    def _show(self, when: datetime, call: Call, user: str | None, in_place: str | None) -> None:
        args = call.args
        channel = str(args.get("channel") or args.get("channel_id") or "")
        target = slug(channel) if channel else f"to-{user or 'someone'}"
        self.folder.write_message(call.method, target, args)
        match call.method:
            case "chat.postMessage" if args.get("thread_ts"):
                self.counts["thread lines"] += 1
                also = " (also sent to the channel)" if args.get("reply_broadcast") else ""
                self._line("🧵 ", mrkdwn(str(args.get("text", "")) + also, name_of))
            case "chat.postMessage":
                self.counts["new messages"] += 1
                style = "magenta" if where(channel).startswith("DM") else "blue"
                self._panel(when, where(channel), render_message(args, name_of), style)
            case "chat.update" if in_place is not None and args.get("ts") == in_place:
                self.counts["updates in place"] += 1
                title = f"{where(channel)}, updated in place"
                self._panel(when, title, render_message(args, name_of), "blue")
            case "chat.update":
                self.counts["updates in place"] += 1
                self._row("", _one_line(f"✏️  updated in {where(channel)}: ", str(args["text"])))
            case "views.open":
                self.counts["modals"] += 1
                self._panel(
                    when, f"modal only @{user} sees", render_view(args["view"], name_of), "yellow"
                )
            case "chat.postEphemeral":
                self.counts["private replies"] += 1
                self._private(when, name_of(str(args.get("user", ""))).lstrip("@"), args)
            case fake_slack.RESPONSE_URL if args.get("delete_original"):
                self._line("🗑  ", Text(f"the message only @{user} saw is removed"))
            case fake_slack.RESPONSE_URL:
                self.counts["private replies"] += 1
                self._private(when, user or "someone", args)
            case "files.completeUploadExternal":
                self._upload(when, channel, args)
            case method:
                self.counts[method] += 1
                self._line("· ", Text(f"Slack Web API {method} {where(channel)}", style="dim"))

    def _upload(self, when: datetime, channel: str, args: dict[str, Any]) -> None:
        parts: list[Text] = []
        if args.get("initial_comment"):
            parts.append(mrkdwn(str(args["initial_comment"]), name_of))
        for file in args.get("files", []):
            name = self.slack.file_names.get(file["id"], file["id"])
            path = self.folder.write_file(name, self.slack.uploads.get(file["id"], b""))
            self.counts["files"] += 1
            title = file.get("title") or name
            parts.append(Text(f"📎 {title}\n   saved as {path}", style="green"))
        place = where(channel) + (", in the thread" if args.get("thread_ts") else "")
        self._panel(when, place, Text("\n").join(parts), "green")

    def _private(self, when: datetime, user: str, message: dict[str, Any]) -> None:
        if message.get("blocks"):
            self._panel(when, f"only @{user} sees this", render_message(message, name_of), "yellow")
        else:
            self._line(f"👤 only @{user} sees: ", mrkdwn(str(message.get("text", "")), name_of))

    def _line(self, prefix: str, body: Text) -> None:
        self._row("", Text.assemble((prefix, "dim"), body))

    def _panel(self, when: datetime, title: str, body: RenderableType, style: str) -> None:
        self._row(
            "",
            Panel(
                body,
                title=f"{when:%H:%M} · {title}",
                title_align="left",
                border_style=style,
                width=min(PANEL_WIDTH, self.console.width - CLOCK_WIDTH),
            ),
        )

    def _row(self, clock: str, body: RenderableType) -> None:
        """One transcript entry: the clock in a margin, the entry wrapped beside it."""
        grid = Table.grid()
        grid.add_column(width=CLOCK_WIDTH, no_wrap=True, style="dim")
        grid.add_column(overflow="fold")
        grid.add_row(clock, body)
        self.console.print(grid)

    def _clock(self, when: datetime) -> None:
        """A rule with the date whenever the story crosses midnight."""
        if when.date() != self._day:
            self._day = when.date()
            self.console.print()
            self.console.print(Rule(f"{when:%A %d %B %Y}", style="bold"))


def _by_channel(call: Call) -> tuple[int, str]:
    """Jobs post to many channels at once; grouping by channel makes the order repeatable."""
    channel = str(call.args.get("channel") or call.args.get("channel_id") or "")
    return (list(CHANNELS).index(channel) if channel in CHANNELS else len(CHANNELS), channel)


def _one_line(prefix: str, text: str) -> Text:
    """A message edited in place repeats what the lines around it say: one line is enough."""
    line = Text.assemble((prefix, "dim"), mrkdwn(text, name_of), no_wrap=True)
    line.overflow = "ellipsis"
    return line
