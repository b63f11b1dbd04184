"""Names instead of Slack ids in the plant file (docs/plant-file.md, "Names instead of ids").

A channel may be given as ``#name``, a person as an e-mail address or an ``@display-name``.
This module only reads and rewrites a validated file: where it uses names, and a copy with each
name replaced by its id. Asking Slack what a name stands for is ``bot.slack.directory``'s job;
``prodbot plant load`` glues the two together, so names never reach the database.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.plant.fields import (
    CHANNEL_NAME,
    DISPLAY_NAME,
    EMAIL_ADDRESS,
    SLACK_CHANNEL_ID,
    SLACK_USER_ID,
)
from bot.plant.file import LineConfig, Loc, PlantFile, key_path


class NameKind(StrEnum):
    CHANNEL = "channel name"
    EMAIL = "e-mail address"
    DISPLAY_NAME = "display name"


def kind_of_name(value: str) -> NameKind | None:
    """What kind of name ``value`` is; None for a Slack id or something that is no name."""
    for pattern, kind in (
        (CHANNEL_NAME, NameKind.CHANNEL),
        (DISPLAY_NAME, NameKind.DISPLAY_NAME),
        (EMAIL_ADDRESS, NameKind.EMAIL),
    ):
        if re.fullmatch(pattern, value):
            return kind
    return None


def is_slack_id(value: str) -> bool:
    return re.fullmatch(f"{SLACK_USER_ID}|{SLACK_CHANNEL_ID}", value) is not None


@dataclass(frozen=True)
class NameUse:
    """A name in the plant file and the key it stands at, e.g. ``("lines", 1, "leads", 0)``."""

    loc: Loc
    name: str


_PEOPLE_KEYS = ("leads", "operators", "managers")


def names_in(plant: PlantFile) -> list[NameUse]:
    """Every name the file uses, in file order, with its key path; empty for a file of ids."""
    values: list[tuple[Loc, str | None]] = [(("site", "digest_channel"), plant.site.digest_channel)]
    values += [(("site", "heads", index), head) for index, head in enumerate(plant.site.heads)]
    for line_index, line in enumerate(plant.lines):
        values.append((("lines", line_index, "channel"), line.channel))
        for key in _PEOPLE_KEYS:
            people: list[str] = getattr(line, key)
            values += [(("lines", line_index, key, index), who) for index, who in enumerate(people)]
    return [
        NameUse(loc, value)
        for loc, value in values
        if value is not None and kind_of_name(value) is not None
    ]


def with_ids(plant: PlantFile, ids: Mapping[str, str]) -> PlantFile:
    """A copy of ``plant`` with every name replaced by its id from ``ids`` (name -> id); a name
    missing from ``ids`` is a KeyError. A file without names comes back as it is."""
    if not names_in(plant):
        return plant

    def id_of(value: str) -> str:
        return ids[value] if kind_of_name(value) is not None else value

    site = plant.site.model_copy(
        update={
            "digest_channel": plant.site.digest_channel and id_of(plant.site.digest_channel),
            "heads": [id_of(head) for head in plant.site.heads],
        }
    )

    def line_with_ids(line: LineConfig) -> LineConfig:
        update: dict[str, object] = {"channel": id_of(line.channel)}
        update.update({key: [id_of(who) for who in getattr(line, key)] for key in _PEOPLE_KEYS})
        return line.model_copy(update=update)

    return plant.model_copy(
        update={"site": site, "lines": [line_with_ids(line) for line in plant.lines]}
    )


def unresolved_problems(
    uses: list[NameUse], problems: Mapping[str, str], *, source: str
) -> list[str]:
    """One line per name that could not be resolved, ``file: key.path[, key.path]: problem``,
    in the order the names first appear in the file."""
    places: dict[str, list[Loc]] = {}
    for use in uses:
        if use.name in problems:
            places.setdefault(use.name, []).append(use.loc)
    return [
        f"{source}: {', '.join(key_path(loc) for loc in locs)}: {problems[name]}"
        for name, locs in places.items()
    ]
