"""SQLAlchemy tables, pydantic schemas for input, and the Alembic migrations."""

from models.enums import IssueCategory, IssueStatus, LossCategory, OutboxStatus, Role, Severity
from models.handover import Handover
from models.machines import MachineStop, MachineTopic
from models.outbox import OutboxItem
from models.screen import ScreenToken
from models.tables import (
    AuditRecord,
    Base,
    CalendarEntry,
    DelayEntry,
    Issue,
    IssueEvent,
    Line,
    OutputEntry,
    Person,
    RoleAssignment,
    Shift,
    ShiftBoard,
    Site,
    Target,
)

__all__ = [
    "AuditRecord",
    "Base",
    "CalendarEntry",
    "DelayEntry",
    "Handover",
    "Issue",
    "IssueCategory",
    "IssueEvent",
    "IssueStatus",
    "Line",
    "LossCategory",
    "MachineStop",
    "MachineTopic",
    "OutboxItem",
    "OutboxStatus",
    "OutputEntry",
    "Person",
    "Role",
    "RoleAssignment",
    "ScreenToken",
    "Severity",
    "Shift",
    "ShiftBoard",
    "Site",
    "Target",
]
