"""The demo's pretend Slack workspace: who is who, what the channels are called, and a fake Web
API that answers as that workspace.

The plant file only knows Slack ids; people reading the transcript want names. The names here
match the ids in ``bot/demo/plant.toml``.
"""

from types import TracebackType
from typing import Any

from bot.demo.fake_slack import FakeSlackAPI

PEOPLE = {
    "U0HANNA": "hannah",  # head of production
    "U0MARCO": "marco",  # manager of all four lines
    "U0ANNA": "anna",  # L1 early
    "U0JONAS": "jonas",  # L1 late
    "U0PETRA": "petra",  # L1 night
    "U0BEN": "ben",  # L2 early
    "U0LENA": "lena",  # L2 late
    "U0CHRIS": "chris",  # L3 early
    "U0MIA": "mia",  # L3 late
    "U0TOMASZ": "tomasz",  # L3 night
    "U0SARA": "sara",  # L4 early
}
CHANNELS = {
    "C0LINE1": "l1-filling",
    "C0LINE2": "l2-canning",
    "C0LINE3": "l3-kegging",
    "C0LINE4": "l4-pet",
    "C0DIGEST": "production-digest",
}
_USER_IDS = {name: user_id for user_id, name in PEOPLE.items()}
_CHANNEL_IDS = {name: channel_id for channel_id, name in CHANNELS.items()}


def user_id(name: str) -> str:
    return _USER_IDS[name]


def channel_id(name: str) -> str:
    return _CHANNEL_IDS[name.removeprefix("#")]


def user_name(user: str) -> str:
    return PEOPLE.get(user, user)


def name_of(slack_id: str) -> str:
    """How a mention reads: ``@anna`` for a user, ``#l1-filling`` for a channel."""
    if slack_id in PEOPLE:
        return "@" + PEOPLE[slack_id]
    if slack_id in CHANNELS:
        return "#" + CHANNELS[slack_id]
    return slack_id


def dm_channel(user: str) -> str:
    """The id of the bot's DM with ``user``: the fake opens it as D + the user id's tail."""
    return "D" + user[1:]


def where(channel: str) -> str:
    """``#l1-filling`` for a channel, ``DM to @anna`` for a DM or a user id."""
    if channel in CHANNELS:
        return "#" + CHANNELS[channel]
    if channel.startswith(("U", "W")):
        return f"DM to @{user_name(channel)}"
    if channel.startswith("D") and "U" + channel[1:] in PEOPLE:
        return f"DM to @{user_name('U' + channel[1:])}"
    return channel


def slug(channel: str) -> str:
    """``where(channel)`` as a file-name part: ``l1-filling``, ``dm-anna``."""
    return where(channel).removeprefix("#").replace("DM to @", "dm-")


class DemoSlackAPI(FakeSlackAPI):
    """The fake Web API, opening DMs by the workspace's convention and remembering the file
    name of every upload (the fake itself keeps only the bytes, by file id)."""

    def __init__(self) -> None:
        super().__init__()
        self.file_names: dict[str, str] = {}

    def __enter__(self) -> "DemoSlackAPI":
        return self.start()  # type: ignore[return-value]

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def settle(self, count: int, *, timeout: float = 10.0, quiet: float = 0.03) -> None:
        """Block until ``count`` calls arrived and then none for ``quiet`` seconds.

        A request is answered before the bot updates Slack, so the story waits here for those
        posts before it moves the clock on; the quiet spell catches posts the story did not
        count on.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.calls) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} Slack Web API calls in all, got {len(self.calls)}"
                )
            while self._lock.wait(quiet):
                continue  # another call arrived: wait for a quiet spell after it

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": dm_channel(str(args.get("users", "")))}}

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._api_files_getUploadURLExternal(args)
        self.file_names[answer["file_id"]] = str(args.get("filename") or answer["file_id"])
        return answer
