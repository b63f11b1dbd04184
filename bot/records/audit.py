"""The audit trail: who did what to which row, and when, in the unit of work of the change."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import AuditRecord


def audit(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    row: tuple[str, int],
    details: dict[str, Any] | None = None,
) -> None:
    """Add one audit record; ``row`` names the entity and its id, e.g. ``("issue", 12)``."""
    entity, entity_id = row
    session.add(
        AuditRecord(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details or {},
        )
    )
