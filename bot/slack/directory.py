"""Slack names to ids: ``#channel`` through ``conversations.list``, people by e-mail through
``users.lookupByEmail`` and by ``@display-name`` through ``users.list``.

``look_up_names`` answers each name with its id or with one line saying why it has none; it
lists the channels (and the members) at most once per call, page by page. ``resolve_plant``
does that for every name of a plant file, so ``prodbot plant load`` stores ids only, and refuses
the file whole when a name is unknown. Rate limits are ridden out by the client's retry handler
(``bot.slack.client.make_web_client``).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.plant.file import PlantFile, PlantFileError
from bot.plant.names import NameKind, kind_of_name, names_in, unresolved_problems, with_ids

PAGE_SIZE = 1000
# A guard against a Slack (or a proxy) that keeps handing back a cursor.
MOST_PAGES = 1000
SCOPES = {
    "conversations.list": "channels:read and groups:read",
    "users.lookupByEmail": "users:read.email",
    "users.list": "users:read",
}


class DirectoryError(Exception):
    """Slack will not let prodbot look names up (a scope is missing): one line for people."""


# --- what Slack answers, validated ---------------------------------------------------------------


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Cursor(_Answer):
    next_cursor: str = ""


class _Channel(_Answer):
    id: str
    name: str
    is_private: bool = False


class _ChannelPage(_Answer):
    channels: list[_Channel] = []
    response_metadata: _Cursor = _Cursor()


class _Profile(_Answer):
    display_name: str = ""
    real_name: str = ""


class _User(_Answer):
    id: str
    name: str = ""
    deleted: bool = False
    is_bot: bool = False
    profile: _Profile = _Profile()

    @property
    def label(self) -> str:
        """``Ann Smith (@ann)``, or what there is of it."""
        shown = self.profile.real_name or self.profile.display_name or self.name
        handle = self.profile.display_name or self.name
        return f"{shown} (@{handle})" if handle and handle != shown else shown or self.id


class _UserAnswer(_Answer):
    user: _User


class _UserPage(_Answer):
    members: list[_User] = []
    response_metadata: _Cursor = _Cursor()


# --- looking names up --------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    id: str
    what: str  # "public channel #line-1", "user Ann Smith (@ann)"


@dataclass
class Lookup:
    found: dict[str, Found] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def look_up_names(client: WebClient, names: Iterable[str]) -> Lookup:
    """Each distinct name with its id, or with the problem; DirectoryError if Slack refuses."""
    lookup = Lookup()
    wanted = list(dict.fromkeys(names))
    kinds = {name: kind_of_name(name) for name in wanted}
    channels = _channels(client) if NameKind.CHANNEL in kinds.values() else []
    members = _members(client) if NameKind.DISPLAY_NAME in kinds.values() else []
    for name in wanted:
        kind = kinds[name]
        if kind is NameKind.CHANNEL:
            _channel_named(name, channels, lookup)
        elif kind is NameKind.EMAIL:
            _user_with_email(client, name, lookup)
        elif kind is NameKind.DISPLAY_NAME:
            _user_called(name, members, lookup)
        else:
            lookup.problems[name] = (
                f"{name!r} is not a channel name (#name), an e-mail address or an @display-name"
            )
    return lookup


def resolve_plant(plant: PlantFile, *, source: str, connect: Callable[[], WebClient]) -> PlantFile:
    """``plant`` with its names replaced by ids. A file of ids comes back as it is, and
    ``connect`` is never called: no Slack call at all. Any name Slack does not know (or a scope
    missing) is a PlantFileError listing each such name with its key path."""
    uses = names_in(plant)
    if not uses:
        return plant
    try:
        lookup = look_up_names(connect(), (use.name for use in uses))
    except DirectoryError as error:
        raise PlantFileError([f"{source}: names cannot be looked up: {error}"]) from error
    if lookup.problems:
        raise PlantFileError(unresolved_problems(uses, lookup.problems, source=source))
    return with_ids(plant, {name: found.id for name, found in lookup.found.items()})


def _channel_named(name: str, channels: list[_Channel], lookup: Lookup) -> None:
    wanted = name.removeprefix("#").casefold()
    match = next((channel for channel in channels if channel.name.casefold() == wanted), None)
    if match is None:
        lookup.problems[name] = (
            f"no Slack channel named {name} (archived channels are left out; "
            "a private channel is seen only once prodbot is invited to it)"
        )
        return
    kind = "private" if match.is_private else "public"
    lookup.found[name] = Found(match.id, f"{kind} channel #{match.name}")


def _user_with_email(client: WebClient, email: str, lookup: Lookup) -> None:
    try:
        answer = _call(client.users_lookupByEmail, "users.lookupByEmail", email=email)
    except SlackApiError as error:
        if error.response.get("error") != "users_not_found":
            raise
        lookup.problems[email] = f"no Slack user with the e-mail {email}"
        return
    user = _UserAnswer.model_validate(answer).user
    if user.deleted:
        lookup.problems[email] = f"the Slack user {user.id} with the e-mail {email} is deactivated"
    else:
        lookup.found[email] = Found(user.id, f"user {user.label}")


def _user_called(name: str, members: list[_User], lookup: Lookup) -> None:
    wanted = name.removeprefix("@").casefold()
    matches = [
        user
        for user in members
        if not user.deleted
        and not user.is_bot
        and wanted in {user.profile.display_name.casefold(), user.name.casefold()}
    ]
    if not matches:
        lookup.problems[name] = (
            f"no Slack user with the display name {name} (deactivated users and bots are left out)"
        )
    elif len(matches) > 1:
        candidates = ", ".join(f"{user.id} {user.label}" for user in matches)
        lookup.problems[name] = (
            f"{len(matches)} Slack users go by {name} ({candidates}): "
            "use an e-mail address or a user id instead"
        )
    else:
        lookup.found[name] = Found(matches[0].id, f"user {matches[0].label}")


def _channels(client: WebClient) -> list[_Channel]:
    return [
        channel
        for page in _pages(
            client.conversations_list,
            "conversations.list",
            types="public_channel,private_channel",
            exclude_archived=True,
        )
        for channel in _ChannelPage.model_validate(page).channels
    ]


def _members(client: WebClient) -> list[_User]:
    return [
        user
        for page in _pages(client.users_list, "users.list")
        for user in _UserPage.model_validate(page).members
    ]


def _pages(method: Callable[..., Any], name: str, **args: Any) -> Iterator[dict[str, Any]]:
    """Every page of a cursor-paginated listing, ``PAGE_SIZE`` items a page."""
    cursor = None
    for _ in range(MOST_PAGES):
        page = _call(method, name, limit=PAGE_SIZE, cursor=cursor, **args)
        yield page
        cursor = _Cursor.model_validate(page.get("response_metadata") or {}).next_cursor
        if not cursor:
            return


def _call(method: Callable[..., Any], name: str, **args: Any) -> dict[str, Any]:
    """The answer's data; a missing scope is a DirectoryError, any other refusal raised as is."""
    try:
        data = method(**args).data
    except SlackApiError as error:
        if error.response.get("error") == "missing_scope":
            needed = error.response.get("needed") or SCOPES[name]
            raise DirectoryError(
                f"Slack refused {name}: the app lacks the {needed} scope "
                "(add it and reinstall the app: docs/slack-setup.md)"
            ) from error
        raise
    return data if isinstance(data, dict) else {}
