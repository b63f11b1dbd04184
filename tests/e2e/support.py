"""Helpers shared by the end-to-end tests (no fixtures here: each module pins its own clock)."""

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.slack_requests import SlackReply

# Wednesday 18 Nov 2026, 10:00 in Berlin: shift A (06:00–14:00) is four hours in.
MID_SHIFT_A = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)

T = TypeVar("T")


def all_rows(session_factory: sessionmaker[Session], model: type[T]) -> list[T]:
    with session_factory() as session:
        return list(session.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


def button(reply: SlackReply, action_id: str) -> dict[str, Any]:
    """The button with ``action_id`` in the reply's blocks; fails the test when absent."""
    for block in reply.json.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no button {action_id!r} in {reply.json.get('blocks')}")


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """Every mrkdwn/plain text in ``blocks`` (sections, fields, context, header) joined."""
    texts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts.extend(field["text"] for field in block.get("fields", []))
        texts.extend(
            element["text"]
            for element in block.get("elements", [])
            if isinstance(element.get("text"), str)
        )
    return "\n".join(texts)


def report_audits(session_factory: sessionmaker[Session]) -> list[Any]:
    """Audit records of reports (the plant file's own records left out)."""
    from models import AuditRecord

    return [r for r in all_rows(session_factory, AuditRecord) if r.actor != "plant-file"]
