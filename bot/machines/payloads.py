"""What a machine publishes, validated (docs/machines.md).

Counts are JSON: increments ``{"good": 12, "scrap": 1, "seq": 17, "at": "…"}`` or absolute
counters ``{"total": 120345, "scrap_total": 210, "at": "…"}`` (``total`` counts good and scrap).
States are plain text (``running``, ``stopped``, ``idle``) or JSON
``{"state": "stopped", "reason": "breakdown", "at": "…"}``. ``at`` is ISO 8601 with an offset
(a time without one is taken as UTC).
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

Count = Annotated[int, Field(ge=0, le=10**12)]
State = Literal["running", "stopped", "idle"]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    at: datetime | None = None

    def instant(self, received: datetime) -> datetime:
        """When it happened: ``at`` in UTC when given, else when it was received."""
        if self.at is None:
            return received
        at = self.at if self.at.tzinfo is not None else self.at.replace(tzinfo=UTC)
        return at.astimezone(UTC)


class CountIncrement(_Payload):
    model_config = ConfigDict(extra="forbid", frozen=True)

    good: Count = 0
    scrap: Count = 0
    seq: Annotated[int, Field(ge=0)] | None = None


class CountTotals(_Payload):
    model_config = ConfigDict(extra="forbid", frozen=True)

    total: Count
    scrap_total: Count = 0


class StateMessage(_Payload):
    state: State
    reason: Annotated[str, Field(min_length=1, max_length=32)] | None = None


_COUNT = TypeAdapter[CountIncrement | CountTotals](CountIncrement | CountTotals)
_STATE_WORDS: dict[bytes, State] = {b"running": "running", b"stopped": "stopped", b"idle": "idle"}


class BadPayload(ValueError):
    """A payload that is not a count or a state: counted and logged, never fatal."""


def parse_count(payload: bytes | bytearray) -> CountIncrement | CountTotals:
    try:
        return _COUNT.validate_json(payload)
    except ValidationError as error:
        raise BadPayload(_short(error)) from None


def parse_state(payload: bytes | bytearray) -> StateMessage:
    word = bytes(payload.strip().lower())
    if word in _STATE_WORDS:
        return StateMessage(state=_STATE_WORDS[word])
    try:
        return StateMessage.model_validate_json(payload)
    except ValidationError as error:
        raise BadPayload(_short(error)) from None


def _short(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "payload"
    return f"{where}: {first['msg']}"
