"""The plant file's field types: times, dates, Slack ids and names, codes, currencies, each
with the error a plant admin reads when a value is wrong."""

import re
from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field

from bot.plant.currencies import ISO_4217_CODES
from bot.plant.shifts import WEEKDAYS


def _clock_time(value: object) -> object:
    """``"HH:MM"`` (or a TOML local time on the minute) as a ``time``."""
    if isinstance(value, time) and value.tzinfo is None and value.second == value.microsecond == 0:
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
        if match:
            return time(int(match[1]), int(match[2]))
    raise ValueError(f'expected a time "HH:MM" from 00:00 to 23:59, got {value!r}')


def _local_date(value: object) -> object:
    """A date ``YYYY-MM-DD``, bare or quoted; never a date with a time or a number of seconds."""
    if isinstance(value, datetime):
        raise ValueError(f'expected a date "YYYY-MM-DD" without a time, got {value.isoformat()}')
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value := value.strip()):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a day of the calendar ({exc})") from None
    raise ValueError(f'expected a date "YYYY-MM-DD", got {value!r}')


def _pattern_check(pattern: str, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def time_zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')"
        ) from None
    return name


def unique(values: list[str]) -> list[str]:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"repeated: {', '.join(repeated)}")
    return values


def week_order(days: list[str]) -> list[str]:
    return [day for day in WEEKDAYS if day in days]


ClockTime = Annotated[time, BeforeValidator(_clock_time)]
LocalDate = Annotated[date, BeforeValidator(_local_date)]
SLACK_USER_ID = r"[UW][A-Z0-9]{1,31}"
SLACK_CHANNEL_ID = r"[CG][A-Z0-9]{1,31}"
SlackUserId = Annotated[
    str, _pattern_check(SLACK_USER_ID, "a Slack user id (U or W, then capitals/digits)")
]
SlackChannelId = Annotated[
    str, _pattern_check(SLACK_CHANNEL_ID, "a Slack channel id (C or G, then capitals/digits)")
]
# Where the plant file names a channel or a person, a name may stand for the id (docs/plant-file.md,
# "Names instead of ids"); ``prodbot plant load`` looks names up in Slack and stores the ids.
CHANNEL_NAME = r"#[^\s#@,]{1,80}"
EMAIL_ADDRESS = r"[^\s@,]+@[^\s@,]+\.[^\s@,]+"
DISPLAY_NAME = r"@[^\s@,](?:[^@,]{0,78}[^\s@,])?"
SlackChannel = Annotated[
    str,
    _pattern_check(
        f"{SLACK_CHANNEL_ID}|{CHANNEL_NAME}",
        "a Slack channel id (C or G, then capitals/digits) or a channel name like #line-1",
    ),
]
SlackPerson = Annotated[
    str,
    _pattern_check(
        f"{SLACK_USER_ID}|{EMAIL_ADDRESS}|{DISPLAY_NAME}",
        "a Slack user id (U or W, then capitals/digits), an e-mail address or an @display-name",
    ),
]
SlackTeamId = Annotated[
    str,
    _pattern_check(r"[TE][A-Z0-9]{1,31}", "a Slack workspace id (T or E, then capitals/digits)"),
]
LineCode = Annotated[
    str, _pattern_check(r"[A-Za-z0-9_-]{1,32}", "a line code (1-32 letters, digits, - or _)")
]


def _currency(code: str) -> str:
    if code not in ISO_4217_CODES:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (like EUR, USD or DKK)")
    return code


CurrencyCode = Annotated[str, AfterValidator(_currency)]
ReasonCode = Annotated[
    str, _pattern_check(r"[a-z][a-z0-9_-]{0,31}", "a reason code (lower-case, up to 32 chars)")
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NonNegative = Annotated[int, Field(ge=0)]


def _mqtt_topic(topic: str) -> str:
    """A topic a machine publishes to: MQTT's rules for a topic name, no wildcards."""
    if not 1 <= len(topic.encode()) <= 200 or "+" in topic or "#" in topic or "\x00" in topic:
        raise ValueError(
            f"{topic!r} is not an MQTT topic to subscribe to (1-200 bytes, no + or # wildcards)"
        )
    return topic


MqttTopic = Annotated[str, AfterValidator(_mqtt_topic)]
